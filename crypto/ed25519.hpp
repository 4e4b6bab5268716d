// Ed25519 (RFC 8032) through libsodium. libsodium's verifier is strict: it refuses a
// non-canonical S, small-order or non-canonical public keys and R. docs/FORMAT.md states these
// rules because other libraries (OpenSSL among them) accept some of those signatures.
#pragma once

#include <array>
#include <compare>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::crypto {

inline constexpr std::size_t public_key_bytes = 32;
inline constexpr std::size_t seed_bytes = 32;
inline constexpr std::size_t signature_bytes = 64;

struct PublicKey {
    std::array<std::uint8_t, public_key_bytes> bytes{};

    friend bool operator==(const PublicKey&, const PublicKey&) = default;
    friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
    [[nodiscard]] ByteView view() const { return {bytes.data(), bytes.size()}; }
};

struct Signature {
    std::array<std::uint8_t, signature_bytes> bytes{};

    friend bool operator==(const Signature&, const Signature&) = default;
    [[nodiscard]] ByteView view() const { return {bytes.data(), bytes.size()}; }
};

// Checks the length only; whether the point is acceptable is decided by verify().
[[nodiscard]] Result<PublicKey> public_key_from_bytes(ByteView bytes);
[[nodiscard]] Result<PublicKey> public_key_from_hex(std::string_view hex);
[[nodiscard]] Result<Signature> signature_from_bytes(ByteView bytes);

// An Ed25519 secret key held in libsodium guarded memory (sodium_malloc), wiped and freed when
// dropped. Move-only: a secret has one owner.
class SecretKey {
public:
    [[nodiscard]] static SecretKey generate();
    [[nodiscard]] static Result<SecretKey> from_seed(ByteView seed);

    SecretKey(SecretKey&& other) noexcept;
    SecretKey& operator=(SecretKey&& other) noexcept;
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;
    ~SecretKey();

    [[nodiscard]] const PublicKey& public_key() const { return public_key_; }
    [[nodiscard]] Signature sign(ByteView message) const;
    // The 32-byte seed, for writing a key file; the caller wipes what it copies.
    [[nodiscard]] ByteView seed() const;

private:
    SecretKey();
    std::uint8_t* secret_ = nullptr;  // 64 bytes (seed || public key), sodium_malloc'd.
    PublicKey public_key_;
};

// True only for a signature libsodium's strict verifier accepts. For a key the ledger knows (the
// caller vouched for it twice with ed25519_tables::note_known_key), an equivalent table-based
// check (ed25519_tables.hpp, about 2x faster) answers "accepted"; every rejection still comes
// from libsodium. ed25519_tables::set_reference_only(true) makes every verdict libsodium's alone.
[[nodiscard]] bool verify(const PublicKey& key, ByteView message, const Signature& signature);

// One signature to check among many (verify_many).
struct VerifyRequest {
    const PublicKey* key;
    ByteView message;
    const Signature* signature;
};
// verify() of each request, in order: result[i] is exactly verify(requests[i]). Checks the
// signatures of keys with tables together (ed25519_tables::verify_many, one field inversion for
// all of them); every rejection still comes from libsodium, one signature at a time.
[[nodiscard]] std::vector<bool> verify_many(std::span<const VerifyRequest> requests);

// Key files. A secret key file is JSON (see docs/FORMAT.md "Key files"), written with mode 0600
// and never over an existing file; loading one that group or others may read is refused.
struct KeyFile {
    std::string name;
    SecretKey key;
};

[[nodiscard]] Status write_secret_key_file(const std::filesystem::path& path, std::string_view name,
                                           const SecretKey& key);
[[nodiscard]] Result<KeyFile> read_secret_key_file(const std::filesystem::path& path);

}  // namespace custos::crypto
