// The handshake and frame building blocks on their own, without sockets: both sides derive
// matching keys and the same transcript, and any change to a frame is caught.
#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>

#include "consensus/runtime/frame.hpp"
#include "consensus/runtime/handshake.hpp"
#include "crypto/ed25519.hpp"
#include "test_support.hpp"

namespace {

using namespace custos;
using namespace custos::runtime;
using namespace custos::runtime::testing;

struct Pair {
    EphemeralKeyPair a_ephemeral = EphemeralKeyPair::generate();
    EphemeralKeyPair b_ephemeral = EphemeralKeyPair::generate();
    Hello a_hello = a_ephemeral.make_hello();
    Hello b_hello = b_ephemeral.make_hello();
};

}  // namespace

TEST_CASE("both sides derive complementary session keys and the same transcript") {
    const Pair pair;
    const Result<SessionKeys> a = derive_session_keys(pair.a_ephemeral, pair.b_hello.ephemeral_key);
    const Result<SessionKeys> b = derive_session_keys(pair.b_ephemeral, pair.a_hello.ephemeral_key);
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->send.bytes == b->receive.bytes);
    CHECK(a->receive.bytes == b->send.bytes);
    CHECK(a->send.bytes != a->receive.bytes);

    const Hash32 a_transcript = transcript_hash("chain-1", pair.a_hello, pair.b_hello);
    CHECK(a_transcript == transcript_hash("chain-1", pair.b_hello, pair.a_hello));
    // The chain id and each nonce are bound into the transcript.
    CHECK(a_transcript != transcript_hash("chain-2", pair.a_hello, pair.b_hello));
    Hello changed = pair.a_hello;
    changed.nonce[0] ^= 1;
    CHECK(a_transcript != transcript_hash("chain-1", changed, pair.b_hello));
}

TEST_CASE("a reflected or low-order ephemeral key is refused") {
    const Pair pair;
    CHECK_FALSE(derive_session_keys(pair.a_ephemeral, pair.a_hello.ephemeral_key).has_value());
    const EphemeralPublicKey zero{};  // The identity point: the shared secret would be all zeros.
    CHECK_FALSE(derive_session_keys(pair.a_ephemeral, zero).has_value());
}

TEST_CASE("hello encoding round-trips and refuses other versions and lengths") {
    const Pair pair;
    HelloBytes bytes = encode_hello(pair.a_hello);
    CHECK(bytes[0] == handshake_version);
    const Result<Hello> decoded = decode_hello(bytes);
    REQUIRE(decoded.has_value());
    CHECK(decoded->ephemeral_key == pair.a_hello.ephemeral_key);
    CHECK(decoded->nonce == pair.a_hello.nonce);
    CHECK_FALSE(decode_hello(ByteView(bytes).first(hello_bytes - 1)).has_value());
    bytes[0] = 2;
    CHECK_FALSE(decode_hello(bytes).has_value());
}

TEST_CASE("the auth message verifies only over its own transcript") {
    const Pair pair;
    const crypto::SecretKey identity = crypto::SecretKey::generate();
    const Hash32 transcript = transcript_hash("chain-1", pair.a_hello, pair.b_hello);
    const AuthMessage auth = make_auth(identity, transcript);
    const Result<AuthMessage> decoded = decode_auth(encode_auth(auth));
    REQUIRE(decoded.has_value());
    CHECK(decoded->key == identity.public_key());
    CHECK(verify_auth(*decoded, transcript).has_value());
    CHECK_FALSE(verify_auth(*decoded, transcript_hash("chain-2", pair.a_hello, pair.b_hello)).has_value());
    CHECK_FALSE(decode_auth(Bytes(auth_message_bytes - 1)).has_value());
}

TEST_CASE("frames open in order and any change, replay or reordering fails") {
    CipherKey key;
    randombytes_buf(key.bytes.data(), key.bytes.size());
    FrameSealer sealer(key);
    FrameOpener opener(key);
    const Bytes first = sealer.seal(FrameType::message, text_bytes("first"));
    const Bytes second = sealer.seal(FrameType::ping, {});
    const Bytes third = sealer.seal(FrameType::message, text_bytes("third"));
    const auto body = [](const Bytes& frame) { return ByteView(frame).subspan(frame_length_prefix_bytes); };

    CHECK(decode_frame_length({first[0], first[1], first[2], first[3]}) == first.size() - 4);
    CHECK(body(first).size() == 5 + frame_overhead_bytes);

    const Result<Frame> opened = opener.open(body(first));
    REQUIRE(opened.has_value());
    CHECK(opened->type == FrameType::message);
    CHECK(opened->payload == text_bytes("first"));
    CHECK_FALSE(opener.open(body(first)).has_value());  // Replayed.
    CHECK_FALSE(opener.open(body(third)).has_value());  // Skips one: the counter does not match.
    Bytes tampered(body(second).begin(), body(second).end());
    tampered[0] ^= 0x01;
    CHECK_FALSE(opener.open(tampered).has_value());
    const Result<Frame> ping = opener.open(body(second));
    REQUIRE(ping.has_value());
    CHECK(ping->type == FrameType::ping);
    CHECK(ping->payload.empty());

    FrameOpener other_direction(CipherKey{});
    CHECK_FALSE(other_direction.open(body(first)).has_value());
}

TEST_CASE("a sealed frame of the largest message stays within frame_bytes_max") {
    CipherKey key;
    FrameSealer sealer(key);
    const Bytes frame = sealer.seal(FrameType::message, Bytes(message_bytes_max, 0x5a));
    CHECK(frame.size() == frame_length_prefix_bytes + frame_bytes_max);
    FrameOpener opener(key);
    const Result<Frame> opened = opener.open(ByteView(frame).subspan(frame_length_prefix_bytes));
    REQUIRE(opened.has_value());
    CHECK(opened->payload.size() == message_bytes_max);
}
