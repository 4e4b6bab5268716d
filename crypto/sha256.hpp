// SHA-256 (FIPS 180-4) through libsodium.
#pragma once

#include <sodium.h>

#include "crypto/bytes.hpp"

namespace custos::crypto {

[[nodiscard]] Hash32 sha256(ByteView data);
[[nodiscard]] inline Hash32 sha256(std::string_view text) {
    return sha256(as_bytes(text));
}

// Incremental hashing, for data that arrives in pieces (a Merkle node's prefix and children).
class Sha256 {
public:
    Sha256();
    Sha256& update(ByteView data);
    Sha256& update(std::string_view text) { return update(as_bytes(text)); }
    Sha256& update_byte(std::uint8_t byte) { return update(ByteView(&byte, 1)); }
    [[nodiscard]] Hash32 finish();

private:
    crypto_hash_sha256_state state_{};
};

}  // namespace custos::crypto
