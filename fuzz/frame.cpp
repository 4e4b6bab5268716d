// The peer frame decoder (consensus/runtime/frame.hpp) on a byte stream, with the length rules of
// Connection::on_frame_header (consensus/runtime/connection.cpp): the 4-byte length prefix, the
// auth frame's exact length before authentication, frame_bytes_max after, then FrameOpener::open.
//
// Input: records [u8 kind][u16 big-endian length][bytes]. Kind even: the bytes are a frame's
// plaintext (type byte, payload) sealed by the peer's FrameSealer and added to the stream; kind
// odd: the bytes go on the stream as they are (an attacker's bytes). The stream is then read as a
// connection reads it, until it ends or the connection would be dropped. Sealed frames the
// decoder reaches in order open to their plaintext.
#include <deque>

#include "consensus/runtime/frame.hpp"
#include "consensus/runtime/handshake.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    runtime::CipherKey key;
    key.bytes.fill(7);
    runtime::FrameSealer sealer(key);
    runtime::FrameOpener opener(key);

    Bytes stream;
    struct Sealed {
        std::size_t offset;  // Where the frame starts in the stream.
        Bytes plaintext;
    };
    std::deque<Sealed> sealed;
    std::size_t at = 0;
    while (at + 3 <= size) {
        const std::uint8_t kind = data[at];
        const std::size_t length =
            std::min<std::size_t>((std::size_t{data[at + 1]} << 8) | data[at + 2], size - at - 3);
        const std::uint8_t* bytes = data + at + 3;
        at += 3 + length;
        if (kind % 2 == 1) {
            stream.insert(stream.end(), bytes, bytes + length);
        } else if (length >= 1) {
            sealed.push_back({stream.size(), Bytes(bytes, bytes + length)});
            sealer.seal_append(static_cast<runtime::FrameType>(bytes[0]), ByteView(bytes + 1, length - 1),
                               stream);
        }
    }

    bool authenticated = false;
    std::size_t offset = 0;
    while (stream.size() - offset >= runtime::frame_length_prefix_bytes) {
        std::array<std::uint8_t, runtime::frame_length_prefix_bytes> prefix{};
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(offset), prefix.size(), prefix.begin());
        const std::uint32_t length = runtime::decode_frame_length(prefix);
        const std::size_t length_max = authenticated ? runtime::frame_bytes_max : runtime::auth_frame_bytes;
        if (length > length_max || length < runtime::frame_overhead_bytes) return 0;  // Dropped.
        if (stream.size() - offset - prefix.size() < length) return 0;                // Waits for more.
        const bool expected = !sealed.empty() && sealed.front().offset == offset;
        auto frame = opener.open(ByteView(stream.data() + offset + prefix.size(), length));
        offset += prefix.size() + length;
        if (!frame) return 0;  // Dropped.
        FUZZ_CHECK(expected, "only a sealed frame, in order, opens");
        const auto& plaintext = sealed.front().plaintext;
        FUZZ_CHECK(static_cast<std::uint8_t>(frame->type) == plaintext[0] &&
                       frame->payload == Bytes(plaintext.begin() + 1, plaintext.end()),
                   "a frame opens to what was sealed");
        sealed.pop_front();
        if (!authenticated && frame->type != runtime::FrameType::auth) return 0;  // Dropped.
        authenticated = true;
    }
    return 0;
}
