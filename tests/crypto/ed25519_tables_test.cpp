// The table path of Ed25519 verification (crypto/ed25519_tables.hpp) says "accepted" only where
// libsodium accepts, and does say it for ordinary signatures (else it would be dead weight that the
// libsodium fallback hides). Checked on Wycheproof, on random keys and messages with every kind of
// one-bit damage, and on hand-built signatures with small-order components.
#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "crypto/ed25519.hpp"
#include "crypto/ed25519_forge.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "crypto_test_support.hpp"
#include "vectors_path.hpp"

namespace {

using namespace custos;
using namespace custos::crypto;
using ed25519_tables::Verdict;
using namespace custos::crypto::ed25519_forge;

using test::decode_hex;

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

TEST_CASE(
    "ed25519 tables: a key gets its table only when vouched for, on the second time, then decides alone") {
    SecretKey key = SecretKey::generate();
    const std::string text = "transfer.accept";
    ByteView message = as_bytes(text);
    Signature signature = key.sign(message);
    // Accepted signatures alone never build a table: a stranger's handshakes and requests verify
    // on libsodium and leave the cache as it was.
    auto before = ed25519_tables::cache_figures();
    for (int i = 0; i < 3; ++i)
        CHECK(verify(key.public_key(), message, signature));
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::ask_libsodium);
    CHECK(ed25519_tables::cache_figures().keys_seen == before.keys_seen);

    ed25519_tables::note_known_key(key.public_key());  // First: remembered.
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::ask_libsodium);
    ed25519_tables::note_known_key(key.public_key());  // Second: the table is built.
    CHECK(ed25519_tables::verify(key.public_key(), message, signature) == Verdict::accepted);
    CHECK(verify(key.public_key(), message, signature));
    CHECK_FALSE(verify(key.public_key(), as_bytes(std::string("transfer.reject")), signature));
    auto after = ed25519_tables::cache_figures();
    CHECK(after.tables == std::min(before.tables + 1, std::size_t{512}));
}

TEST_CASE("ed25519 tables: past 512 tables the least recently used goes, so a key in use keeps its table") {
    SecretKey validator = SecretKey::generate();
    const std::string text = "precommit";
    ByteView message = as_bytes(text);
    Signature signature = validator.sign(message);
    ed25519_tables::note_known_key(validator.public_key());
    ed25519_tables::note_known_key(validator.public_key());
    REQUIRE(ed25519_tables::verify(validator.public_key(), message, signature) == Verdict::accepted);
    // 600 other known keys get tables one after another; the validator keeps signing meanwhile.
    // Oldest-first eviction would have dropped its table after 512 of them.
    for (int i = 0; i < 600; ++i) {
        SecretKey officer = SecretKey::generate();
        ed25519_tables::note_known_key(officer.public_key());
        ed25519_tables::note_known_key(officer.public_key());
        if (i % 50 == 0) {
            CHECK(ed25519_tables::verify(validator.public_key(), message, signature) == Verdict::accepted);
        }
    }
    CHECK(ed25519_tables::verify(validator.public_key(), message, signature) == Verdict::accepted);
    auto figures = ed25519_tables::cache_figures();
    CHECK(figures.tables == 512);
    CHECK(figures.keys_seen <= figures.capacity);
}

TEST_CASE("ed25519 tables: an R with a small-order component is rejected, as libsodium rejects it") {
    // R = rB + T8 with S = r + h a: [S]B - [h]A = rB, which is not R.
    Scalar a = random_scalar();
    auto key = public_key_from_bytes(times_base(a));
    REQUIRE(key.has_value());
    const std::string text = "seal broken";
    ByteView message = as_bytes(text);
    Scalar r = random_scalar();
    Point r_point = add(times_base(r), point_from_hex(order_8_point));
    Signature signature = signature_of(r_point, r, challenge(r_point, *key, message), a);
    CHECK_FALSE(libsodium_accepts(*key, message, signature));
    CHECK(ed25519_tables::verify_uncached(*key, message, signature) == Verdict::ask_libsodium);
    CHECK_FALSE(verify(*key, message, signature));

    // The honest R = rB with the same key does verify on both paths (the construction is right).
    Point honest_r = times_base(r);
    Signature honest = signature_of(honest_r, r, challenge(honest_r, *key, message), a);
    CHECK(libsodium_accepts(*key, message, honest));
    CHECK(ed25519_tables::verify_uncached(*key, message, honest) == Verdict::accepted);
}

TEST_CASE("ed25519 tables: a key with a small-order component is left to libsodium, which may accept") {
    // A' = aB + T8 is canonical and not of small order, so libsodium's verifier takes it, but it is
    // outside the prime-order subgroup, so the table path must not decide. With h = 0 mod 8 the
    // torsion part vanishes from [h]A' and libsodium accepts (R = rB, S = r + h a).
    Scalar a = random_scalar();
    auto key = public_key_from_bytes(add(times_base(a), point_from_hex(order_8_point)));
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
        Signature signature = signature_of(r_point, r, h, a);
        CHECK(libsodium_accepts(*key, message, signature));
        CHECK(ed25519_tables::verify_uncached(*key, message, signature) == Verdict::ask_libsodium);
        CHECK(verify(*key, message, signature));
        ed25519_tables::note_known_key(*key);
        ed25519_tables::note_known_key(*key);  // Vouched for twice: remembered as tableless.
        CHECK(ed25519_tables::verify(*key, message, signature) == Verdict::ask_libsodium);
        CHECK(verify(*key, message, signature));
        break;
    }
}

TEST_CASE("ed25519 tables: an S at or above L is refused by the table path, as libsodium refuses it") {
    SecretKey key = SecretKey::generate();
    const std::string text = "access";
    Signature signature = key.sign(as_bytes(text));
    // S + L: the same point equation, but not canonical; libsodium refuses it.
    signature = with_s_plus_order(signature);
    CHECK_FALSE(libsodium_accepts(key.public_key(), as_bytes(text), signature));
    CHECK(ed25519_tables::verify_uncached(key.public_key(), as_bytes(text), signature) ==
          Verdict::ask_libsodium);
    CHECK_FALSE(verify(key.public_key(), as_bytes(text), signature));
}

namespace {

// A test copy of crypto_core_ed25519_is_valid_point as libsodium shipped it before the fix for
// CVE-2025-69277 (1.0.18-RELEASE, and distributions that ship it unpatched): its subgroup check
// looked only at X of [L]P, which is 0 for the identity and for T2 = (0, -1) alike, so it let
// P = aB + T2 through. Here: the patched check, on P or on P + T2.
int unpatched_is_valid_point(const unsigned char* point) {
    if (crypto_core_ed25519_is_valid_point(point) == 1) return 1;
    // Canonical y only (the unpatched check refused y >= p too).
    bool all_ones = (point[31] & 0x7f) == 0x7f && point[0] >= 0xed;
    for (std::size_t i = 1; i < 31; ++i)
        all_ones = all_ones && point[i] == 0xff;
    if (all_ones) return 0;
    Point shifted{};
    const Point t2 = point_from_hex(order_2_point);
    if (crypto_core_ed25519_add(shifted.data(), point, t2.data()) != 0) return 0;
    return crypto_core_ed25519_is_valid_point(shifted.data());
}

// Installs a libsodium point check for one test, and puts the real one back.
class LibsodiumPointCheck {
public:
    explicit LibsodiumPointCheck(ed25519_tables::testing::PointCheck check)
        : previous_(ed25519_tables::testing::set_libsodium_point_check(check)) {}
    ~LibsodiumPointCheck() { ed25519_tables::testing::set_libsodium_point_check(previous_); }
    LibsodiumPointCheck(const LibsodiumPointCheck&) = delete;
    LibsodiumPointCheck& operator=(const LibsodiumPointCheck&) = delete;

private:
    ed25519_tables::testing::PointCheck previous_;
};

}  // namespace

TEST_CASE(
    "ed25519 tables: issue 19's vector is refused even where libsodium's subgroup check lets aB + T2 in") {
    // The key is A = aB + T2; the signature's R is T2 itself and S = h a, so [S]B - [h]A = T2 = R
    // for an odd h: it checks out on the curve, but libsodium refuses it (R is of small order).
    auto key = public_key_from_hex("a176f56a2d614db898a7a15d378df40742aaa905d9a5a25372bd0ad314f1d724");
    REQUIRE(key.has_value());
    const Bytes message = decode_hex("637573746f647900");
    auto signature =
        signature_from_bytes(decode_hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"
                                        "625d80b4725b3c63c1ac92ca9dfbc7c17d1be08f601d083da343e8a9feef8502"));
    REQUIRE(signature.has_value());
    // The test copy behaves like the unpatched libsodium on this key, the real one (patched) not.
    CHECK(unpatched_is_valid_point(key->bytes.data()) == 1);
    CHECK(crypto_core_ed25519_is_valid_point(key->bytes.data()) == 0);
    CHECK_FALSE(libsodium_accepts(*key, message, *signature));

    LibsodiumPointCheck unpatched(unpatched_is_valid_point);
    CHECK(ed25519_tables::verify_uncached(*key, message, *signature) == Verdict::ask_libsodium);
    CHECK_FALSE(verify(*key, message, *signature));
}

namespace {

// A key A = aB + T2 with a torsion component, and what its holder can sign: honest signatures
// with an even h (libsodium accepts those: [h]T2 vanishes), and issue 19's kind of signature,
// R = T2 and S = h a with an odd h, which checks out as [S]B - [h]A = T2 = R and which libsodium
// refuses (R is of small order).
struct TorsionKey {
    Scalar a = random_scalar();
    PublicKey key = public_key_from_bytes(add(times_base(a), point_from_hex(order_2_point))).value();

    // A message whose challenge for R has the wanted parity, and the signature R || h a (+ r).
    std::pair<Bytes, Signature> sign(const Point& r_point, const Scalar& r, bool h_odd) const {
        Bytes message(16, 0);
        for (std::uint32_t attempt = 0; attempt < 1000; ++attempt) {
            message[0] = static_cast<std::uint8_t>(attempt);
            message[1] = static_cast<std::uint8_t>(attempt >> 8);
            Scalar h = challenge(r_point, key, message);
            if (((h[0] & 1) != 0) == h_odd) return {message, signature_of(r_point, r, h, a)};
        }
        FAIL("no message with the wanted challenge parity");
        return {};
    }
};

}  // namespace

TEST_CASE(
    "ed25519 tables: a vouched-for key with a torsion component never gets a table, whatever libsodium "
    "says") {
    REQUIRE(ed25519_tables::status().enabled);  // The self-test ran (with the real libsodium).
    // From here on, libsodium's point check behaves like the unpatched one: the cache must not care.
    LibsodiumPointCheck unpatched(unpatched_is_valid_point);
    TorsionKey torsion;
    REQUIRE(unpatched_is_valid_point(torsion.key.bytes.data()) == 1);
    Scalar r = random_scalar();
    auto [honest_message, honest] = torsion.sign(times_base(r), r, /*h_odd=*/false);
    CHECK(libsodium_accepts(torsion.key, honest_message, honest));
    // Its holder is an officer in force: the ledger vouches for the key twice.
    ed25519_tables::note_known_key(torsion.key);
    ed25519_tables::note_known_key(torsion.key);
    auto [forged_message, forged] = torsion.sign(point_from_hex(order_2_point), Scalar{}, /*h_odd=*/true);
    CHECK_FALSE(libsodium_accepts(torsion.key, forged_message, forged));
    CHECK(ed25519_tables::verify(torsion.key, forged_message, forged) == Verdict::ask_libsodium);
    CHECK(ed25519_tables::verify_uncached(torsion.key, forged_message, forged) == Verdict::ask_libsodium);
    CHECK_FALSE(verify(torsion.key, forged_message, forged));
    CHECK(verify(torsion.key, honest_message, honest));  // libsodium's verdict, unchanged.
}

TEST_CASE("ed25519 tables: R of small order is refused, under each encoding and with the sign bit set") {
    // libsodium's list (ed25519_forge.hpp, apart from the table path's own), the top bit masked.
    TorsionKey torsion;
    for (std::string_view hex : small_order_encodings) {
        for (std::uint8_t sign : {0x00, 0x80}) {
            Point r_point = point_from_hex(hex);
            r_point[31] |= sign;
            INFO(hex << " sign " << int(sign));
            auto [message, signature] = torsion.sign(r_point, Scalar{}, /*h_odd=*/true);
            CHECK_FALSE(libsodium_accepts(torsion.key, message, signature));
            CHECK(ed25519_tables::verify_uncached(torsion.key, message, signature) == Verdict::ask_libsodium);
            // The same R under an ordinary key with a table.
            SecretKey key = SecretKey::generate();
            Signature other = key.sign(message);
            std::copy(r_point.begin(), r_point.end(), other.bytes.begin());
            CHECK_FALSE(libsodium_accepts(key.public_key(), message, other));
            CHECK(ed25519_tables::verify_uncached(key.public_key(), message, other) ==
                  Verdict::ask_libsodium);
        }
    }
}

TEST_CASE("ed25519 tables: non-canonical or small-order keys never get a table") {
    const char* keys[] = {
        // y = p + 2 (the encoding of y = 2 written with p added: non-canonical).
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0100000000000000000000000000000000000000000000000000000000000000",  // the identity
        "0100000000000000000000000000000000000000000000000000000000000080",  // x = -0
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  // the other x
    };
    SecretKey signer = SecretKey::generate();
    const std::string text = "register";
    Signature signature = signer.sign(as_bytes(text));
    for (const char* hex : keys) {
        INFO(hex);
        auto key = public_key_from_hex(hex);
        REQUIRE(key.has_value());
        CHECK(ed25519_tables::verify_uncached(*key, as_bytes(text), signature) == Verdict::ask_libsodium);
        CHECK_FALSE(libsodium_accepts(*key, as_bytes(text), signature));
    }
}

TEST_CASE("ed25519 tables: the self-test turns tables off when libsodium lets a torsion key through") {
    SecretKey key = SecretKey::generate();
    const std::string text = "seal";
    Signature signature = key.sign(as_bytes(text));
    {
        LibsodiumPointCheck unpatched(unpatched_is_valid_point);
        auto status = ed25519_tables::testing::rerun_self_test();
        CHECK_FALSE(status.enabled);
        CHECK(status.reason.find("CVE-2025-69277") != std::string::npos);
        CHECK_FALSE(ed25519_tables::status().enabled);
        ed25519_tables::note_known_key(key.public_key());
        ed25519_tables::note_known_key(key.public_key());
        CHECK(ed25519_tables::verify(key.public_key(), as_bytes(text), signature) == Verdict::ask_libsodium);
        CHECK(ed25519_tables::cache_figures().tables == 0);          // Turning off forgot every table.
        CHECK(verify(key.public_key(), as_bytes(text), signature));  // libsodium's verdict.
    }
    auto status = ed25519_tables::testing::rerun_self_test();  // The real libsodium again.
    CHECK(status.enabled);
    CHECK(status.reason.empty());
    CHECK_FALSE(status.libsodium_version.empty());
    ed25519_tables::note_known_key(key.public_key());
    ed25519_tables::note_known_key(key.public_key());
    CHECK(ed25519_tables::verify(key.public_key(), as_bytes(text), signature) == Verdict::accepted);
}

TEST_CASE("ed25519 tables: reference-only leaves every verdict to libsodium and builds nothing") {
    SecretKey key = SecretKey::generate();
    const std::string text = "access";
    Signature signature = key.sign(as_bytes(text));
    ed25519_tables::set_reference_only(true);
    CHECK_FALSE(ed25519_tables::status().enabled);
    CHECK(ed25519_tables::status().reason.find("reference-only") != std::string::npos);
    ed25519_tables::note_known_key(key.public_key());
    ed25519_tables::note_known_key(key.public_key());
    CHECK(ed25519_tables::verify(key.public_key(), as_bytes(text), signature) == Verdict::ask_libsodium);
    CHECK(ed25519_tables::cache_figures().tables == 0);
    CHECK(verify(key.public_key(), as_bytes(text), signature));
    ed25519_tables::set_reference_only(false);
    CHECK(ed25519_tables::status().enabled);
}

TEST_CASE("ed25519 tables: many signatures at once get each its own verdict, libsodium's, in one batch") {
    // One batch mixing what the table path accepts with everything libsodium refuses (every
    // Wycheproof case, one-bit damage, R with a small-order component, a torsion key, S + L):
    // the shared inversion must not let one signature's verdict leak into another's.
    std::vector<PublicKey> keys;
    std::vector<Bytes> messages;
    std::vector<Signature> signatures;
    const auto add_case = [&](const PublicKey& key, Bytes message, const Signature& signature) {
        keys.push_back(key);
        messages.push_back(std::move(message));
        signatures.push_back(signature);
    };
    auto document = nlohmann::json::parse(test::read_vector("wycheproof_ed25519_test.json"));
    for (const auto& group : document.at("testGroups")) {
        auto key = public_key_from_bytes(decode_hex(group.at("publicKey").at("pk").get<std::string>()));
        if (!key) continue;
        for (const auto& test : group.at("tests")) {
            auto signature = signature_from_bytes(decode_hex(test.at("sig").get<std::string>()));
            if (signature) add_case(*key, decode_hex(test.at("msg").get<std::string>()), *signature);
        }
    }
    std::mt19937_64 random(20261207);
    std::vector<SecretKey> signers;
    for (int i = 0; i < 3; ++i)
        signers.push_back(SecretKey::generate());
    for (int round = 0; round < 60; ++round) {
        const SecretKey& key = signers[static_cast<std::size_t>(round) % signers.size()];
        Bytes message(random() % 300);
        for (auto& byte : message)
            byte = static_cast<std::uint8_t>(random());
        Signature signature = key.sign(message);
        add_case(key.public_key(), message, signature);
        std::size_t bit = random() % 512;
        signature.bytes[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));  // R or S damaged.
        add_case(key.public_key(), message, signature);
    }
    {  // R = rB + T8 (refused), then the honest R = rB (accepted), under one key.
        Scalar a = random_scalar();
        auto key = public_key_from_bytes(times_base(a));
        REQUIRE(key.has_value());
        Bytes message(8, 7);
        Scalar r = random_scalar();
        Point r_point = add(times_base(r), point_from_hex(order_8_point));
        add_case(*key, message, signature_of(r_point, r, challenge(r_point, *key, message), a));
        Point honest_r = times_base(r);
        add_case(*key, message, signature_of(honest_r, r, challenge(honest_r, *key, message), a));
    }
    {  // A key with an order-8 component: never a table, libsodium may accept.
        Scalar a = random_scalar();
        auto key = public_key_from_bytes(add(times_base(a), point_from_hex(order_8_point)));
        REQUIRE(key.has_value());
        Bytes message(4, 1);
        Scalar r = random_scalar();
        Point r_point = times_base(r);
        add_case(*key, message, signature_of(r_point, r, challenge(r_point, *key, message), a));
    }
    // The same list shuffled, so that accepted and refused signatures sit next to each other.
    std::vector<std::size_t> order(keys.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), random);

    std::vector<ed25519_tables::Request> table_requests;
    std::vector<VerifyRequest> requests;
    std::vector<bool> expected;
    for (std::size_t i : order) {
        table_requests.push_back({&keys[i], messages[i], &signatures[i]});
        requests.push_back({&keys[i], messages[i], &signatures[i]});
        expected.push_back(libsodium_accepts(keys[i], messages[i], signatures[i]));
    }
    std::vector<Verdict> verdicts(requests.size());
    ed25519_tables::verify_many_uncached(table_requests, verdicts);
    std::size_t accepted = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        INFO("case " << order[i]);
        // The table path accepts only what libsodium accepts, and leaves every other case to it
        // (the torsion key has no table: libsodium accepts its signature when 8 divides h, one
        // run in eight, and only libsodium may say so).
        CHECK((verdicts[i] != Verdict::accepted || expected[i]));
        accepted += verdicts[i] == Verdict::accepted ? 1 : 0;
    }
    CHECK(accepted >= 88 + 60 + 1);  // Wycheproof's valid cases, the intact ones, the honest R.

    // Through crypto::verify_many with the signers' tables in the cache (vouched for twice).
    for (const auto& signer : signers) {
        ed25519_tables::note_known_key(signer.public_key());
        ed25519_tables::note_known_key(signer.public_key());
    }
    CHECK(verify_many(requests) == expected);
    std::vector<Verdict> cached(table_requests.size());
    ed25519_tables::verify_many(table_requests, cached);
    std::size_t accepted_cached = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        CHECK((cached[i] != Verdict::accepted || expected[i]));
        accepted_cached += cached[i] == Verdict::accepted ? 1 : 0;
    }
    CHECK(accepted_cached >= 60);  // The signers' intact signatures took the table path.
    CHECK(verify_many(std::span<const VerifyRequest>{}).empty());
}
