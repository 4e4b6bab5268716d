#include "crypto/sha256.hpp"

#include "common/assert.hpp"

namespace custos::crypto {

Hash32 sha256(ByteView data) {
    Hash32 out;
    int rc = crypto_hash_sha256(out.bytes.data(), data.data(), data.size());
    CUSTOS_ASSERT(rc == 0, "crypto_hash_sha256 cannot fail");
    return out;
}

Sha256::Sha256() {
    crypto_hash_sha256_init(&state_);
}

Sha256& Sha256::update(ByteView data) {
    crypto_hash_sha256_update(&state_, data.data(), data.size());
    return *this;
}

Hash32 Sha256::finish() {
    Hash32 out;
    crypto_hash_sha256_final(&state_, out.bytes.data());
    return out;
}

}  // namespace custos::crypto
