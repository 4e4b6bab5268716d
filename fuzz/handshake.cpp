// The peer handshake's decoders (consensus/runtime/handshake.hpp), as a node runs them on what a
// stranger sends before it is authenticated: the Hello (the first hello_bytes of the input), the
// session keys from its ephemeral key, then the auth message (the rest) and its signature over
// the transcript. A Hello that decodes encodes back to the same bytes.
#include <algorithm>

#include "consensus/runtime/handshake.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace custos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto own = runtime::EphemeralKeyPair::generate();
    static const auto own_hello = own.make_hello();
    const std::size_t hello_size = std::min(size, runtime::hello_bytes);
    auto hello = runtime::decode_hello(ByteView(data, hello_size));
    if (!hello) return 0;
    const auto encoded = runtime::encode_hello(*hello);
    FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), data),
               "encode_hello(decode_hello(bytes)) == bytes");
    auto keys = runtime::derive_session_keys(own, hello->ephemeral_key);
    if (!keys) return 0;
    const auto transcript = runtime::transcript_hash(fuzz::fixture_chain, own_hello, *hello);
    auto auth = runtime::decode_auth(ByteView(data + hello_size, size - hello_size));
    if (!auth) return 0;
    const auto bytes = runtime::encode_auth(*auth);
    FUZZ_CHECK(bytes.size() == size - hello_size && std::equal(bytes.begin(), bytes.end(), data + hello_size),
               "encode_auth(decode_auth(bytes)) == bytes");
    (void)runtime::verify_auth(*auth, transcript);
    return 0;
}
