#include "consensus/runtime/handshake.hpp"

#include <algorithm>
#include <utility>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"

namespace custos::runtime {

struct SessionKeysAccess {
    static const std::uint8_t* secret(const EphemeralKeyPair& pair) { return pair.secret_.data(); }
};

HelloBytes encode_hello(const Hello& hello) {
    HelloBytes out{};
    out[0] = handshake_version;
    std::copy(hello.ephemeral_key.bytes.begin(), hello.ephemeral_key.bytes.end(), out.begin() + 1);
    std::copy(hello.nonce.begin(), hello.nonce.end(), out.begin() + 1 + ephemeral_key_bytes);
    return out;
}

Result<Hello> decode_hello(ByteView bytes) {
    if (bytes.size() != hello_bytes) return make_error(ErrorCode::invalid_argument, "hello has wrong length");
    if (bytes[0] != handshake_version) {
        return make_error(ErrorCode::invalid_argument, "unknown handshake version");
    }
    Hello hello;
    std::copy_n(bytes.begin() + 1, ephemeral_key_bytes, hello.ephemeral_key.bytes.begin());
    std::copy_n(bytes.begin() + 1 + ephemeral_key_bytes, handshake_nonce_bytes, hello.nonce.begin());
    return hello;
}

EphemeralKeyPair EphemeralKeyPair::generate() {
    // sodium_init() is idempotent and thread-safe; it must have run before key generation.
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    EphemeralKeyPair pair;
    crypto_kx_keypair(pair.public_key_.bytes.data(), pair.secret_.data());
    return pair;
}

EphemeralKeyPair::EphemeralKeyPair(EphemeralKeyPair&& other) noexcept
    : public_key_(other.public_key_), secret_(other.secret_) {
    sodium_memzero(other.secret_.data(), other.secret_.size());
}

EphemeralKeyPair& EphemeralKeyPair::operator=(EphemeralKeyPair&& other) noexcept {
    if (this != &other) {
        public_key_ = other.public_key_;
        secret_ = other.secret_;
        sodium_memzero(other.secret_.data(), other.secret_.size());
    }
    return *this;
}

EphemeralKeyPair::~EphemeralKeyPair() {
    sodium_memzero(secret_.data(), secret_.size());
}

Hello EphemeralKeyPair::make_hello() const {
    Hello hello;
    hello.ephemeral_key = public_key_;
    randombytes_buf(hello.nonce.data(), hello.nonce.size());
    return hello;
}

Result<SessionKeys> derive_session_keys(const EphemeralKeyPair& own, const EphemeralPublicKey& peer) {
    if (own.public_key() == peer) {
        return make_error(ErrorCode::verification_failed, "peer sent our own ephemeral key back");
    }
    SessionKeys keys;
    const std::uint8_t* own_secret = SessionKeysAccess::secret(own);
    // crypto_kx is asymmetric (client tx == server rx); the lower key plays the client so both
    // sides pick complementary roles from the same two public values.
    const int rc =
        own.public_key() < peer
            ? crypto_kx_client_session_keys(keys.receive.bytes.data(), keys.send.bytes.data(),
                                            own.public_key().bytes.data(), own_secret, peer.bytes.data())
            : crypto_kx_server_session_keys(keys.receive.bytes.data(), keys.send.bytes.data(),
                                            own.public_key().bytes.data(), own_secret, peer.bytes.data());
    if (rc != 0) return make_error(ErrorCode::verification_failed, "peer ephemeral key is not acceptable");
    return keys;
}

Hash32 transcript_hash(std::string_view chain_id, const Hello& own, const Hello& peer) {
    CUSTOS_ASSERT(chain_id.size() <= chain_id_bytes_max, "chain id length is checked at configuration");
    const bool own_first = own.ephemeral_key < peer.ephemeral_key;
    const Hello& low = own_first ? own : peer;
    const Hello& high = own_first ? peer : own;
    const auto length = static_cast<std::uint32_t>(chain_id.size());
    const std::array<std::uint8_t, 4> length_be{
        static_cast<std::uint8_t>(length >> 24), static_cast<std::uint8_t>(length >> 16),
        static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    crypto::Sha256 hasher;
    hasher.update(handshake_domain_tag)
        .update(ByteView(length_be))
        .update(chain_id)
        .update(ByteView(low.ephemeral_key.bytes))
        .update(ByteView(high.ephemeral_key.bytes))
        .update(ByteView(low.nonce))
        .update(ByteView(high.nonce));
    return hasher.finish();
}

AuthMessage make_auth(const crypto::SecretKey& identity, const Hash32& transcript) {
    return AuthMessage{.key = identity.public_key(), .signature = identity.sign(transcript.view())};
}

Bytes encode_auth(const AuthMessage& auth) {
    Bytes out;
    out.reserve(auth_message_bytes);
    out.insert(out.end(), auth.key.bytes.begin(), auth.key.bytes.end());
    out.insert(out.end(), auth.signature.bytes.begin(), auth.signature.bytes.end());
    return out;
}

Result<AuthMessage> decode_auth(ByteView bytes) {
    if (bytes.size() != auth_message_bytes) {
        return make_error(ErrorCode::invalid_argument, "auth message has wrong length");
    }
    AuthMessage auth;
    std::copy_n(bytes.begin(), crypto::public_key_bytes, auth.key.bytes.begin());
    std::copy_n(bytes.begin() + crypto::public_key_bytes, crypto::signature_bytes,
                auth.signature.bytes.begin());
    return auth;
}

Status verify_auth(const AuthMessage& auth, const Hash32& transcript) {
    if (!crypto::verify(auth.key, transcript.view(), auth.signature)) {
        return make_error(ErrorCode::verification_failed, "handshake signature does not verify");
    }
    return {};
}

}  // namespace custos::runtime
