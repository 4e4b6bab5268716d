// Hand-built Ed25519 keys and signatures, over libsodium's group arithmetic: the inputs no honest
// signer makes, to check the verifiers against (keys with a torsion component aB + T, R of small
// order or with a small-order part, S = r + h a for a chosen R, S + L). Used by the crypto tests
// and `custos-dev bench tables`; nothing in the ledger signs with them. Written apart from
// ed25519_tables.cpp, on libsodium alone, so that they stay an independent check of it.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace custos::crypto::ed25519_forge {

using Scalar = std::array<std::uint8_t, 32>;  // Little-endian.
using Point = std::array<std::uint8_t, 32>;   // A point's encoding.

// The group order L, little-endian.
inline constexpr Scalar group_order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                       0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                       0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// Points of order 2, 4 and 8: (0, -1), y = 0, and one of the order-8 points.
inline constexpr std::string_view order_2_point =
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
inline constexpr std::string_view order_4_point =
    "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::string_view order_8_point =
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";

// libsodium's list of the encodings it refuses as of small order (sign bit clear): y = 0, 1, the
// two order-8 y, p - 1, p and p + 1.
inline constexpr std::array<std::string_view, 7> small_order_encodings = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

// 64 hex digits as an encoding (constants only: anything else is a bug).
[[nodiscard]] Point point_from_hex(std::string_view hex);
[[nodiscard]] Scalar random_scalar();
// sB, without clamping; the identity for s = 0 mod L.
[[nodiscard]] Point times_base(const Scalar& s);
// P + Q, both valid encodings (anything else is a bug).
[[nodiscard]] Point add(const Point& p, const Point& q);
// h = SHA-512(R || A || M) mod L, as RFC 8032 defines it.
[[nodiscard]] Scalar challenge(const Point& r_point, const PublicKey& key, ByteView message);
// R || S with S = r + h a mod L: what the holder of `a` signs for the R it chose.
[[nodiscard]] Signature signature_of(const Point& r_point, const Scalar& r, const Scalar& h, const Scalar& a);
// The same R with S + L: the same equation, S not canonical (for a canonical S, S + L < 2^256).
[[nodiscard]] Signature with_s_plus_order(const Signature& signature);
// libsodium's own verdict (crypto_sign_verify_detached), without the table path.
[[nodiscard]] bool libsodium_accepts(const PublicKey& key, ByteView message, const Signature& signature);

}  // namespace custos::crypto::ed25519_forge
