// The table path of Ed25519 verification (crypto/ed25519_tables.hpp) says "accepted" only where
// libsodium accepts, and does say it for ordinary signatures (else it would be dead weight that the
// libsodium fallback hides). Checked on Wycheproof, on random keys and messages with every kind of
// one-bit damage, and on hand-built signatures with small-order components.
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "crypto/ed25519.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "crypto_test_support.hpp"
#include "vectors_path.hpp"

namespace {

using namespace custos;
using namespace custos::crypto;
using ed25519_tables::Verdict;

using test::decode_hex;

bool libsodium_accepts(const PublicKey& key, ByteView message, const Signature& signature) {
    return crypto_sign_verify_detached(signature.bytes.data(), message.data(), message.size(),
                                       key.bytes.data()) == 0;
}

// An order-8 point (libsodium's own list of small-order encodings has it).
constexpr std::string_view order_8_point = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";

using Scalar = std::array<std::uint8_t, crypto_core_ed25519_SCALARBYTES>;
using Point = std::array<std::uint8_t, crypto_core_ed25519_BYTES>;

Scalar random_scalar() {
    Scalar scalar{};
    crypto_core_ed25519_scalar_random(scalar.data());
    return scalar;
}

Point times_base(const Scalar& scalar) {
    Point point{};
    REQUIRE(crypto_scalarmult_ed25519_base_noclamp(point.data(), scalar.data()) == 0);
    return point;
}

Point add_points(const Point& a, ByteView b) {
    Point sum{};
    REQUIRE(crypto_core_ed25519_add(sum.data(), a.data(), b.data()) == 0);
    return sum;
}

// h = SHA-512(R || A || M) mod L, as RFC 8032 defines it.
Scalar challenge(const Point& r, const PublicKey& key, ByteView message) {
    crypto_hash_sha512_state state;
    crypto_hash_sha512_init(&state);
    crypto_hash_sha512_update(&state, r.data(), r.size());
    crypto_hash_sha512_update(&state, key.bytes.data(), key.bytes.size());
    crypto_hash_sha512_update(&state, message.data(), message.size());
    std::array<std::uint8_t, 64> digest{};
    crypto_hash_sha512_final(&state, digest.data());
    Scalar h{};
    crypto_core_ed25519_scalar_reduce(h.data(), digest.data());
    return h;
}

// S = r + h a mod L, and the signature R || S.
Signature make_signature(const Point& r_point, const Scalar& r, const Scalar& h, const Scalar& a) {
    Scalar product{};
    Scalar s{};
    crypto_core_ed25519_scalar_mul(product.data(), h.data(), a.data());
    crypto_core_ed25519_scalar_add(s.data(), r.data(), product.data());
    Signature signature;
    std::copy(r_point.begin(), r_point.end(), signature.bytes.begin());
    std::copy(s.begin(), s.end(), signature.bytes.begin() + 32);
    return signature;
}

}  // namespace

TEST_CASE("ed25519 tables: on every Wycheproof case the table path accepts exactly what libsodium does") {
    auto document = nlohmann::json::parse(test::read_vector("wycheproof_ed25519_test.json"));
    std::size_t cases = 0;
    std::size_t accepted_by_tables = 0;
    std::size_t accepted_by_libsodium = 0;
    for (const auto& group : document.at("testGroups")) {
        auto key = public_key_from_bytes(decode_hex(group.at("publicKey").at("pk").get<std::string>()));
        if (!key) continue;  // Not 32 bytes: no PublicKey exists to verify with.
        for (const auto& test : group.at("tests")) {
            Bytes message = decode_hex(test.at("msg").get<std::string>());
            auto signature = signature_from_bytes(decode_hex(test.at("sig").get<std::string>()));
            if (!signature) continue;
            ++cases;
            bool tables = ed25519_tables::verify_uncached(*key, message, *signature) == Verdict::accepted;
            bool libsodium = libsodium_accepts(*key, message, *signature);
            INFO("Wycheproof tcId " << test.at("tcId").get<int>() << " (" << test.at("comment") << ")");
            CHECK(tables == libsodium);
            CHECK(verify(*key, message, *signature) == libsodium);
            accepted_by_tables += tables ? 1 : 0;
            accepted_by_libsodium += libsodium ? 1 : 0;
        }
    }
    CHECK(cases > 100);
    CHECK(accepted_by_libsodium == 88);  // The file's 88 valid cases.
    CHECK(accepted_by_tables == 88);
}

TEST_CASE("ed25519 tables: random keys and messages, and every kind of one-bit damage") {
    std::mt19937_64 random(20261129);
    std::size_t damaged_rejected = 0;
    for (int round = 0; round < 200; ++round) {
        SecretKey key = SecretKey::generate();
        Bytes message(random() % 1200);
        for (auto& byte : message)
            byte = static_cast<std::uint8_t>(random());
        Signature signature = key.sign(message);
        CHECK(ed25519_tables::verify_uncached(key.public_key(), message, signature) == Verdict::accepted);

        // One bit flipped in R, in S, in the message or in the key: libsodium rejects, and the
        // table path must not say accepted (the cached path, after the key earned its table).
        for (int part = 0; part < 4; ++part) {
            PublicKey damaged_key = key.public_key();
            Signature damaged_signature = signature;
            Bytes damaged_message = message;
            std::size_t bit = random();
            if (part == 0) {
                damaged_signature.bytes[(bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            } else if (part == 1) {
                damaged_signature.bytes[32 + (bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            } else if (part == 2 && !damaged_message.empty()) {
                damaged_message[(bit / 8) % damaged_message.size()] ^=
                    static_cast<std::uint8_t>(1u << (bit % 8));
            } else {
                damaged_key.bytes[(bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            }
            bool libsodium = libsodium_accepts(damaged_key, damaged_message, damaged_signature);
            CHECK_FALSE(libsodium);
            CHECK(ed25519_tables::verify_uncached(damaged_key, damaged_message, damaged_signature) !=
                  Verdict::accepted);
            CHECK(verify(damaged_key, damaged_message, damaged_signature) == libsodium);
            damaged_rejected += libsodium ? 0 : 1;
        }
    }
    CHECK(damaged_rejected == 800);
}

TEST_CASE("ed25519 tables: a key earns its table on the second accepted signature and then decides alone") {
    SecretKey key = SecretKey::generate();
    const std::string text = "transfer.accept";
    ByteView message = as_bytes(text);
    Signature signature = key.sign(message);
    auto before = ed25519_tables::cache_figures();
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::ask_libsodium);
    CHECK(verify(key.public_key(), message, signature));  // First acceptance: remembered.
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::ask_libsodium);
    CHECK(verify(key.public_key(), message, signature));  // Second: the table is built.
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::accepted);
    auto after = ed25519_tables::cache_figures();
    CHECK(after.tables == std::min(before.tables + 1, std::size_t{512}));

    // A flood of fresh keys, each accepted twice, never holds more than the bound.
    for (int i = 0; i < 600; ++i) {
        SecretKey fresh = SecretKey::generate();
        Signature fresh_signature = fresh.sign(message);
        CHECK(verify(fresh.public_key(), message, fresh_signature));
        CHECK(verify(fresh.public_key(), message, fresh_signature));
    }
    auto flooded = ed25519_tables::cache_figures();
    CHECK(flooded.tables == 512);
    CHECK(flooded.keys_seen <= flooded.capacity);
}

TEST_CASE("ed25519 tables: an R with a small-order component is rejected, as libsodium rejects it") {
    // R = rB + T8 with S = r + h a: [S]B - [h]A = rB, which is not R.
    Scalar a = random_scalar();
    auto key = public_key_from_bytes(times_base(a));
    REQUIRE(key.has_value());
    const std::string text = "seal broken";
    ByteView message = as_bytes(text);
    Scalar r = random_scalar();
    Point r_point = add_points(times_base(r), decode_hex(order_8_point));
    Signature signature = make_signature(r_point, r, challenge(r_point, *key, message), a);
    CHECK_FALSE(libsodium_accepts(*key, message, signature));
    CHECK(ed25519_tables::verify_uncached(*key, message, signature) == Verdict::ask_libsodium);
    CHECK_FALSE(verify(*key, message, signature));

    // The honest R = rB with the same key does verify on both paths (the construction is right).
    Point honest_r = times_base(r);
    Signature honest = make_signature(honest_r, r, challenge(honest_r, *key, message), a);
    CHECK(libsodium_accepts(*key, message, honest));
    CHECK(ed25519_tables::verify_uncached(*key, message, honest) == Verdict::accepted);
}

TEST_CASE("ed25519 tables: a key with a small-order component is left to libsodium, which may accept") {
    // A' = aB + T8 is canonical and not of small order, so libsodium's verifier takes it, but it is
    // outside the prime-order subgroup, so the table path must not decide. With h = 0 mod 8 the
    // torsion part vanishes from [h]A' and libsodium accepts (R = rB, S = r + h a).
    Scalar a = random_scalar();
    auto key = public_key_from_bytes(add_points(times_base(a), decode_hex(order_8_point)));
    REQUIRE(key.has_value());
    CHECK(crypto_core_ed25519_is_valid_point(key->bytes.data()) == 0);
    Bytes message(16, 0);
    for (std::uint32_t attempt = 0;; ++attempt) {
        REQUIRE(attempt < 1000);  // Each attempt succeeds with probability 1/8.
        message[0] = static_cast<std::uint8_t>(attempt);
        message[1] = static_cast<std::uint8_t>(attempt >> 8);
        Scalar r = random_scalar();
        Point r_point = times_base(r);
        Scalar h = challenge(r_point, *key, message);
        if ((h[0] & 7) != 0) continue;
        Signature signature = make_signature(r_point, r, h, a);
        CHECK(libsodium_accepts(*key, message, signature));
        CHECK(ed25519_tables::verify_uncached(*key, message, signature) == Verdict::ask_libsodium);
        CHECK(verify(*key, message, signature));
        CHECK(verify(*key, message, signature));  // Accepted twice: the key is remembered as tableless.
        CHECK(ed25519_tables::verify(*key, message, signature) == Verdict::ask_libsodium);
        break;
    }
}

TEST_CASE("ed25519 tables: an S at or above 2^252 is left to libsodium") {
    SecretKey key = SecretKey::generate();
    const std::string text = "access";
    Signature signature = key.sign(as_bytes(text));
    // S + L: the same point equation, but not canonical; libsodium refuses it.
    const Scalar order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                          0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                          0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {
        unsigned sum = signature.bytes[32 + i] + order[i] + carry;
        signature.bytes[32 + i] = static_cast<std::uint8_t>(sum);
        carry = sum >> 8;
    }
    REQUIRE(carry == 0);
    CHECK_FALSE(libsodium_accepts(key.public_key(), as_bytes(text), signature));
    CHECK(ed25519_tables::verify_uncached(key.public_key(), as_bytes(text), signature) ==
          Verdict::ask_libsodium);
    CHECK_FALSE(verify(key.public_key(), as_bytes(text), signature));
}
