#include "consensus/runtime/frame.hpp"

#include <algorithm>
#include <limits>

#include "common/assert.hpp"

namespace custos::runtime {
namespace {

using Nonce = std::array<std::uint8_t, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES>;

// The frame counter, little-endian in the first 8 bytes, the other 16 bytes zero. Keys are fresh
// per connection and per direction, so a counter never repeats under one key.
Nonce nonce_for(std::uint64_t counter) {
    Nonce nonce{};
    for (std::size_t i = 0; i < 8; ++i)
        nonce[i] = static_cast<std::uint8_t>(counter >> (8 * i));
    return nonce;
}

bool known_frame_type(std::uint8_t type) {
    return type == static_cast<std::uint8_t>(FrameType::auth) ||
           type == static_cast<std::uint8_t>(FrameType::message) ||
           type == static_cast<std::uint8_t>(FrameType::ping);
}

}  // namespace

std::uint32_t decode_frame_length(const std::array<std::uint8_t, frame_length_prefix_bytes>& prefix) {
    return (std::uint32_t{prefix[0]} << 24) | (std::uint32_t{prefix[1]} << 16) |
           (std::uint32_t{prefix[2]} << 8) | std::uint32_t{prefix[3]};
}

Bytes FrameSealer::seal(FrameType type, ByteView payload) {
    Bytes frame;
    seal_append(type, payload, frame);
    return frame;
}

void FrameSealer::seal_append(FrameType type, ByteView payload, Bytes& out) {
    CUSTOS_ASSERT(payload.size() <= message_bytes_max, "callers refuse oversized messages at the edge");
    CUSTOS_ASSERT(counter_ != std::numeric_limits<std::uint64_t>::max(), "frame counter exhausted");
    const std::size_t plaintext_size = 1 + payload.size();
    const std::size_t ciphertext_size = plaintext_size + frame_tag_bytes;
    CUSTOS_ASSERT(ciphertext_size <= frame_bytes_max, "every sealed frame is one a peer's opener accepts");

    // Build the plaintext in the output buffer after the prefix, then encrypt in place
    // (libsodium allows the message and ciphertext to overlap exactly).
    const std::size_t start = out.size();
    out.resize(start + frame_length_prefix_bytes + ciphertext_size);
    std::uint8_t* frame = out.data() + start;
    const auto length = static_cast<std::uint32_t>(ciphertext_size);
    frame[0] = static_cast<std::uint8_t>(length >> 24);
    frame[1] = static_cast<std::uint8_t>(length >> 16);
    frame[2] = static_cast<std::uint8_t>(length >> 8);
    frame[3] = static_cast<std::uint8_t>(length);
    std::uint8_t* body = frame + frame_length_prefix_bytes;
    body[0] = static_cast<std::uint8_t>(type);
    if (!payload.empty()) std::copy(payload.begin(), payload.end(), body + 1);

    const Nonce nonce = nonce_for(counter_++);
    unsigned long long written = 0;
    const int rc = crypto_aead_xchacha20poly1305_ietf_encrypt(body, &written, body, plaintext_size, nullptr,
                                                              0, nullptr, nonce.data(), key_.bytes.data());
    CUSTOS_ASSERT(rc == 0 && written == ciphertext_size, "XChaCha20-Poly1305 encryption cannot fail");
}

Result<Frame> FrameOpener::open(ByteView ciphertext) {
    if (ciphertext.size() < frame_overhead_bytes || ciphertext.size() > frame_bytes_max) {
        return make_error(ErrorCode::invalid_argument, "frame length out of range");
    }
    if (counter_ == std::numeric_limits<std::uint64_t>::max()) {
        return make_error(ErrorCode::resource_exhausted, "frame counter exhausted");
    }
    Bytes plaintext(ciphertext.size() - frame_tag_bytes);
    unsigned long long plaintext_size = 0;
    const Nonce nonce = nonce_for(counter_);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plaintext.data(), &plaintext_size, nullptr,
                                                   ciphertext.data(), ciphertext.size(), nullptr, 0,
                                                   nonce.data(), key_.bytes.data()) != 0) {
        return make_error(ErrorCode::verification_failed, "frame does not decrypt");
    }
    ++counter_;
    CUSTOS_ASSERT(counter_ != 0, "the frame counter never wraps (refused at its maximum above)");
    CUSTOS_ASSERT(plaintext_size == plaintext.size() && plaintext_size >= 1, "AEAD length arithmetic");
    if (!known_frame_type(plaintext[0])) {
        return make_error(ErrorCode::invalid_argument, "unknown frame type");
    }
    Frame frame;
    frame.type = static_cast<FrameType>(plaintext[0]);
    plaintext.erase(plaintext.begin());
    frame.payload = std::move(plaintext);
    return frame;
}

}  // namespace custos::runtime
