// Consensus message decoding (consensus/messages.hpp decode, decode_compact) and the verifier a
// node runs on every message from a peer (consensus/verifier.hpp), against the fixtures' set.
// Input: a first byte choosing the decoder (even: a full message, odd: a compact proposal), then
// the wire bytes. A message that decodes encodes to bytes that decode to the same encoding.
#include "consensus/messages.hpp"
#include "consensus/verifier.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto bytes = fuzz::as_text(data + 1, size - 1);
    if (data[0] % 2 == 1) {
        auto compact = consensus::decode_compact(bytes);
        if (!compact) return 0;
        // What the node does once its pool holds no event of it: an empty block for the verifier.
        auto expanded = consensus::expand(std::move(*compact), {});
        (void)consensus::encode(expanded);
        return 0;
    }
    auto message = consensus::decode(bytes);
    if (!message) return 0;
    const std::string encoded = consensus::encode(*message);
    auto again = consensus::decode(encoded);
    FUZZ_CHECK(again.has_value(), "an encoded message decodes");
    FUZZ_CHECK(consensus::encode(*again) == encoded, "encode(decode(encode(m))) == encode(m)");
    static const consensus::MessageVerifier verifier(std::string(fuzz::fixture_chain),
                                                     fuzz::fixture_validators());
    (void)verifier.verify(std::move(*message));
    return 0;
}
