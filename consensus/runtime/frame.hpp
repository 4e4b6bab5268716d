// Frames on an authenticated peer connection (docs/FORMAT.md "Peer transport"):
//   u32 big-endian length || XChaCha20-Poly1305 ciphertext of (u8 frame type || payload)
// Each direction has its own key and a 64-bit frame counter that is the nonce, so a frame that is
// dropped, replayed, reordered or altered fails to decrypt and the connection is dropped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include <sodium.h>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::runtime {

// Largest payload one message may carry (a proposal with a full block must fit).
inline constexpr std::size_t message_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t frame_length_prefix_bytes = 4;
inline constexpr std::size_t frame_tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// The plaintext frame type byte plus the authentication tag.
inline constexpr std::size_t frame_overhead_bytes = 1 + frame_tag_bytes;
// Largest ciphertext after the length prefix; a longer announced length drops the peer before a
// single byte of the body is read or buffered.
inline constexpr std::size_t frame_bytes_max = message_bytes_max + frame_overhead_bytes;
inline constexpr std::size_t cipher_key_bytes = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;

static_assert(frame_bytes_max <= 0xffffffffU, "the length prefix is 32 bits");

enum class FrameType : std::uint8_t {
    auth = 1,     // The handshake's second message: validator key and transcript signature.
    message = 2,  // An application message, handed to on_message.
    ping = 3,     // Keepalive; carries nothing and is answered by nothing.
};

struct Frame {
    FrameType type = FrameType::message;
    Bytes payload;
};

// A 32-byte symmetric key, wiped when dropped.
struct CipherKey {
    std::array<std::uint8_t, cipher_key_bytes> bytes{};

    CipherKey() = default;
    CipherKey(const CipherKey&) = default;
    CipherKey& operator=(const CipherKey&) = default;
    ~CipherKey() { sodium_memzero(bytes.data(), bytes.size()); }
};

// Reads the 4-byte big-endian length prefix. The caller compares it against the limits.
[[nodiscard]] std::uint32_t decode_frame_length(
    const std::array<std::uint8_t, frame_length_prefix_bytes>& prefix);

// Encrypts frames in order for one direction. Not copyable: two sealers with one key would
// reuse nonces.
class FrameSealer {
public:
    explicit FrameSealer(const CipherKey& key) : key_(key) {}
    FrameSealer(const FrameSealer&) = delete;
    FrameSealer& operator=(const FrameSealer&) = delete;
    FrameSealer(FrameSealer&&) = default;
    FrameSealer& operator=(FrameSealer&&) = default;

    // Returns the whole frame: length prefix and ciphertext. payload.size() <= message_bytes_max.
    [[nodiscard]] Bytes seal(FrameType type, ByteView payload);
    // The same frame appended to `out`, so several frames can go out in one write.
    void seal_append(FrameType type, ByteView payload, Bytes& out);
    [[nodiscard]] std::uint64_t frames_sealed() const { return counter_; }

private:
    CipherKey key_;
    std::uint64_t counter_ = 0;
};

// Decrypts frames in order for one direction.
class FrameOpener {
public:
    explicit FrameOpener(const CipherKey& key) : key_(key) {}
    FrameOpener(const FrameOpener&) = delete;
    FrameOpener& operator=(const FrameOpener&) = delete;
    FrameOpener(FrameOpener&&) = default;
    FrameOpener& operator=(FrameOpener&&) = default;

    // `ciphertext` is the frame without its length prefix. Fails with verification_failed if the
    // frame was altered, replayed or reordered, and with invalid_argument for an unknown type.
    [[nodiscard]] Result<Frame> open(ByteView ciphertext);
    [[nodiscard]] std::uint64_t frames_opened() const { return counter_; }

private:
    CipherKey key_;
    std::uint64_t counter_ = 0;
};

}  // namespace custos::runtime
