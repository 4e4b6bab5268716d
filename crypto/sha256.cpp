// The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but they are
// still shipped by every 3.x release and, unlike EVP, need no context allocation per hash: a
// Merkle tree hashes millions of 65-byte nodes, where EVP's per-hash set-up costs ~35%.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "crypto/sha256.hpp"

#include <openssl/sha.h>

#include "common/assert.hpp"

namespace custos::crypto {
namespace {

static_assert(sizeof(SHA256_CTX) <= Sha256::state_bytes, "Sha256::state_ holds a SHA256_CTX");
static_assert(alignof(SHA256_CTX) <= 8, "Sha256::state_ is aligned for a SHA256_CTX");

SHA256_CTX* context(std::array<unsigned char, Sha256::state_bytes>& state) {
    return reinterpret_cast<SHA256_CTX*>(state.data());
}

}  // namespace

Hash32 sha256(ByteView data) {
    Hash32 out;
    SHA256_CTX context_value;
    int rc = SHA256_Init(&context_value);
    rc &= SHA256_Update(&context_value, data.data(), data.size());
    rc &= SHA256_Final(out.bytes.data(), &context_value);
    CUSTOS_ASSERT(rc == 1, "SHA-256 cannot fail");
    return out;
}

Sha256::Sha256() {
    const int rc = SHA256_Init(context(state_));
    CUSTOS_ASSERT(rc == 1, "SHA-256 cannot fail");
}

Sha256& Sha256::update(ByteView data) {
    const int rc = SHA256_Update(context(state_), data.data(), data.size());
    CUSTOS_ASSERT(rc == 1, "SHA-256 cannot fail");
    return *this;
}

Hash32 Sha256::finish() {
    Hash32 out;
    const int rc = SHA256_Final(out.bytes.data(), context(state_));
    CUSTOS_ASSERT(rc == 1, "SHA-256 cannot fail");
    return out;
}

}  // namespace custos::crypto
