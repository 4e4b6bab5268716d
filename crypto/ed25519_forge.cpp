// Hand-built Ed25519 keys and signatures (ed25519_forge.hpp), on libsodium alone.
#include "crypto/ed25519_forge.hpp"

#include <sodium.h>

#include <algorithm>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"

namespace custos::crypto::ed25519_forge {

Point point_from_hex(std::string_view hex) {
    auto bytes = hex_decode(hex);
    CUSTOS_ASSERT(bytes && bytes->size() == 32, "a point constant is not 64 hex digits");
    Point point{};
    std::copy(bytes->begin(), bytes->end(), point.begin());
    return point;
}

Scalar random_scalar() {
    Scalar scalar{};
    crypto_core_ed25519_scalar_random(scalar.data());
    return scalar;
}

Point times_base(const Scalar& s) {
    Point point{};
    // libsodium refuses only a result that is the identity, which is then the answer.
    if (crypto_scalarmult_ed25519_base_noclamp(point.data(), s.data()) != 0)
        point = point_from_hex(small_order_encodings[1]);
    return point;
}

Point add(const Point& p, const Point& q) {
    Point sum{};
    CUSTOS_ASSERT(crypto_core_ed25519_add(sum.data(), p.data(), q.data()) == 0,
                  "adding a point that is not one");
    return sum;
}

Scalar challenge(const Point& r_point, const PublicKey& key, ByteView message) {
    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    crypto_hash_sha512_update(&state, r_point.data(), r_point.size());
    crypto_hash_sha512_update(&state, key.bytes.data(), key.bytes.size());
    crypto_hash_sha512_update(&state, message.data(), message.size());
    std::array<std::uint8_t, 64> digest{};
    crypto_hash_sha512_final(&state, digest.data());
    Scalar h{};
    crypto_core_ed25519_scalar_reduce(h.data(), digest.data());
    return h;
}

Signature signature_of(const Point& r_point, const Scalar& r, const Scalar& h, const Scalar& a) {
    Scalar product{};
    Scalar s{};
    crypto_core_ed25519_scalar_mul(product.data(), h.data(), a.data());
    crypto_core_ed25519_scalar_add(s.data(), r.data(), product.data());
    Signature signature;
    std::copy(r_point.begin(), r_point.end(), signature.bytes.begin());
    std::copy(s.begin(), s.end(), signature.bytes.begin() + 32);
    return signature;
}

Signature with_s_plus_order(const Signature& signature) {
    Signature out = signature;
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        unsigned sum = out.bytes[32 + i] + group_order[i] + carry;
        out.bytes[32 + i] = static_cast<std::uint8_t>(sum);
        carry = sum >> 8;
    }
    return out;
}

bool libsodium_accepts(const PublicKey& key, ByteView message, const Signature& signature) {
    return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                       key.bytes.data()) == 0;
}

}  // namespace custos::crypto::ed25519_forge
