// The peer handshake (docs/FORMAT.md "Peer transport"), in the spirit of CometBFT's
// SecretConnection. Pure building blocks with no I/O, so the asynchronous connection and a test's
// raw client speak exactly the same bytes:
//   1. each side sends a Hello in the clear: version, ephemeral X25519 key, 32 random bytes;
//   2. both derive per-direction keys with libsodium crypto_kx, the side with the lower ephemeral
//      key taking the "client" role, so both agree without knowing who dialed;
//   3. each side sends, as the first encrypted frame, its validator Ed25519 key and a signature
//      over the transcript hash; the peer checks the signature and its allow-list.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <sodium.h>

#include "common/result.hpp"
#include "consensus/runtime/frame.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace custos::runtime {

inline constexpr std::string_view handshake_domain_tag = "custos.p2p.handshake.v1";
inline constexpr std::uint8_t handshake_version = 1;
inline constexpr std::size_t ephemeral_key_bytes = crypto_kx_PUBLICKEYBYTES;
inline constexpr std::size_t handshake_nonce_bytes = 32;
inline constexpr std::size_t hello_bytes = 1 + ephemeral_key_bytes + handshake_nonce_bytes;
inline constexpr std::size_t auth_message_bytes = crypto::public_key_bytes + crypto::signature_bytes;
// The auth frame's exact ciphertext length; any other length during the handshake drops the peer.
inline constexpr std::size_t auth_frame_bytes = auth_message_bytes + frame_overhead_bytes;
// Chain ids are short names; a long one is a configuration error.
inline constexpr std::size_t chain_id_bytes_max = 128;

static_assert(crypto_kx_SESSIONKEYBYTES == cipher_key_bytes, "crypto_kx keys feed the AEAD directly");

struct EphemeralPublicKey {
    std::array<std::uint8_t, ephemeral_key_bytes> bytes{};

    friend bool operator==(const EphemeralPublicKey&, const EphemeralPublicKey&) = default;
    friend auto operator<=>(const EphemeralPublicKey&, const EphemeralPublicKey&) = default;
};

struct Hello {
    EphemeralPublicKey ephemeral_key;
    std::array<std::uint8_t, handshake_nonce_bytes> nonce{};
};

using HelloBytes = std::array<std::uint8_t, hello_bytes>;

[[nodiscard]] HelloBytes encode_hello(const Hello& hello);
// Refuses a wrong length or an unknown version.
[[nodiscard]] Result<Hello> decode_hello(ByteView bytes);

// An ephemeral X25519 key pair made for one connection; the secret is wiped when dropped.
class EphemeralKeyPair {
public:
    [[nodiscard]] static EphemeralKeyPair generate();
    EphemeralKeyPair(const EphemeralKeyPair&) = delete;
    EphemeralKeyPair& operator=(const EphemeralKeyPair&) = delete;
    EphemeralKeyPair(EphemeralKeyPair&& other) noexcept;
    EphemeralKeyPair& operator=(EphemeralKeyPair&& other) noexcept;
    ~EphemeralKeyPair();

    [[nodiscard]] const EphemeralPublicKey& public_key() const { return public_key_; }
    // A Hello carrying this key and fresh random bytes.
    [[nodiscard]] Hello make_hello() const;

private:
    friend struct SessionKeysAccess;
    EphemeralKeyPair() = default;
    EphemeralPublicKey public_key_;
    std::array<std::uint8_t, crypto_kx_SECRETKEYBYTES> secret_{};
};

struct SessionKeys {
    CipherKey send;
    CipherKey receive;
};

// Fails (verification_failed) when the peer's key equals ours (a reflected Hello) or is a
// low-order point that libsodium refuses.
[[nodiscard]] Result<SessionKeys> derive_session_keys(const EphemeralKeyPair& own,
                                                      const EphemeralPublicKey& peer);

// SHA-256(tag || u32be(len chain id) || chain id || low key || high key || low nonce || high nonce),
// "low" being the Hello whose ephemeral key sorts first. Both sides compute the same value.
[[nodiscard]] Hash32 transcript_hash(std::string_view chain_id, const Hello& own, const Hello& peer);

struct AuthMessage {
    crypto::PublicKey key;
    crypto::Signature signature;
};

[[nodiscard]] AuthMessage make_auth(const crypto::SecretKey& identity, const Hash32& transcript);
[[nodiscard]] Bytes encode_auth(const AuthMessage& auth);
[[nodiscard]] Result<AuthMessage> decode_auth(ByteView bytes);
// verification_failed unless libsodium's strict verifier accepts the signature.
[[nodiscard]] Status verify_auth(const AuthMessage& auth, const Hash32& transcript);

}  // namespace custos::runtime
