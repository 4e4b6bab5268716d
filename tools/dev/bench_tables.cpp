// custos-dev bench tables: a differential run of the Ed25519 table path against libsodium for a set
// time (issue 19). Three kinds of input, each counted: valid signatures of random keys, the same
// signatures damaged (one bit of R, S, message or key; S + L; R replaced by each small-order
// encoding), and keys with a torsion component (aB + T for T of order 2, 4 and 8) with signatures
// that satisfy the cofactorless equation (accepted by libsodium when R is not of small order) and
// with R of small order (refused). The table path must never say "accepted" where libsodium
// refuses, must say it for every valid signature of an ordinary key, and must never build a table
// for a torsion key. Each round's cases are then checked again together, shuffled, by
// tables::verify_many and crypto::verify_many: each must get the verdict it got alone. Exit 1 on
// any disagreement.
#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crypto/ed25519.hpp"
#include "crypto/ed25519_forge.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "tools/dev/commands.hpp"

namespace custos::cli {
namespace {

namespace tables = crypto::ed25519_tables;
using namespace crypto::ed25519_forge;

constexpr std::string_view bench_tables_help =
    "Runs the Ed25519 table path (crypto/ed25519_tables.hpp) against libsodium on valid, damaged\n"
    "and torsion-key signatures for N seconds (default 10, at most 600) and prints the counts.\n"
    "Exit 0 when the table path accepted every valid signature and nothing libsodium refuses;\n"
    "1 otherwise. Each round's cases are checked again in one batch (verify_many), which must give\n"
    "each the verdict it got alone. One thread.";

struct Counts {
    std::uint64_t valid = 0, valid_table_accepted = 0;
    std::uint64_t damaged = 0, damaged_libsodium_accepted = 0;
    std::uint64_t torsion_keys = 0, torsion_table_accepted = 0;  // The latter must stay 0.
    std::uint64_t torsion_signatures = 0, torsion_libsodium_accepted = 0;
    std::uint64_t table_accepted_libsodium_refused = 0;  // Must stay 0.
    std::uint64_t batched = 0, batch_differs = 0;        // The latter must stay 0.
};

// Every case compare() saw in a round, with its verdicts, to be checked again all at once.
struct Case {
    crypto::PublicKey key;
    Bytes message;
    crypto::Signature signature;
    bool table = false;
    bool libsodium = false;
};
std::vector<Case> round_cases;

// One verdict pair: the table path (from the cache, the key vouched for) against libsodium.
void compare(Counts& counts, const crypto::PublicKey& key, ByteView message,
             const crypto::Signature& signature, bool& libsodium) {
    libsodium = libsodium_accepts(key, message, signature);
    const bool table = tables::verify(key, message, signature) == tables::Verdict::accepted;
    if (table && !libsodium) ++counts.table_accepted_libsodium_refused;
    round_cases.push_back({key, Bytes(message.begin(), message.end()), signature, table, libsodium});
}

// The round's cases shuffled and checked in one tables::verify_many and one crypto::verify_many:
// each verdict must be the one it got alone (the shared inversion changes no verdict).
void batched(Counts& counts, std::mt19937_64& random) {
    std::shuffle(round_cases.begin(), round_cases.end(), random);
    std::vector<tables::Request> requests;
    std::vector<crypto::VerifyRequest> crypto_requests;
    for (const auto& c : round_cases) {
        requests.push_back({&c.key, c.message, &c.signature});
        crypto_requests.push_back({&c.key, c.message, &c.signature});
    }
    std::vector<tables::Verdict> verdicts(requests.size());
    tables::verify_many(requests, verdicts);
    const std::vector<bool> verified = crypto::verify_many(crypto_requests);
    for (std::size_t i = 0; i < round_cases.size(); ++i) {
        ++counts.batched;
        if ((verdicts[i] == tables::Verdict::accepted) != round_cases[i].table ||
            verified[i] != round_cases[i].libsodium) {
            ++counts.batch_differs;
        }
    }
    round_cases.clear();
}

void valid_and_damaged(Counts& counts, std::mt19937_64& random) {
    auto key = crypto::SecretKey::generate();
    tables::note_known_key(key.public_key());
    tables::note_known_key(key.public_key());
    for (int round = 0; round < 20; ++round) {
        Bytes message(random() % 300);
        for (auto& byte : message)
            byte = static_cast<std::uint8_t>(random());
        const crypto::Signature signature = key.sign(message);
        bool libsodium = false;
        compare(counts, key.public_key(), message, signature, libsodium);
        ++counts.valid;
        if (tables::verify(key.public_key(), message, signature) == tables::Verdict::accepted)
            ++counts.valid_table_accepted;
        for (int kind = 0; kind < 6; ++kind) {
            crypto::PublicKey damaged_key = key.public_key();
            crypto::Signature damaged = signature;
            Bytes damaged_message = message;
            const std::size_t bit = random();
            if (kind == 0) {
                damaged.bytes[(bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            } else if (kind == 1) {
                damaged.bytes[32 + (bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            } else if (kind == 2 && !damaged_message.empty()) {
                damaged_message[(bit / 8) % damaged_message.size()] ^=
                    static_cast<std::uint8_t>(1u << (bit % 8));
            } else if (kind == 3) {
                damaged = with_s_plus_order(damaged);  // The same equation, S not canonical.
            } else if (kind == 4) {
                Point r = point_from_hex(small_order_encodings[bit % small_order_encodings.size()]);
                r[31] |= static_cast<std::uint8_t>((bit & 8) != 0 ? 0x80 : 0);
                std::copy(r.begin(), r.end(), damaged.bytes.begin());
            } else {
                damaged_key.bytes[(bit / 8) % 32] ^= static_cast<std::uint8_t>(1u << (bit % 8));
                tables::note_known_key(damaged_key);  // As if the ledger knew the damaged key.
                tables::note_known_key(damaged_key);
            }
            compare(counts, damaged_key, damaged_message, damaged, libsodium);
            ++counts.damaged;
            if (libsodium) ++counts.damaged_libsodium_accepted;
        }
    }
}

// A = aB + T; signatures R || S with S = r + h a, R = rB + kT where k + h = 0 mod 8 makes the
// cofactorless equation hold ([S]B - [h]A = rB - hT = R); r = 0 gives R of small order.
void torsion(Counts& counts, std::mt19937_64& random) {
    constexpr std::array<std::string_view, 3> torsion_points = {order_2_point, order_4_point, order_8_point};
    const Scalar a = random_scalar();
    const Point t = point_from_hex(torsion_points[random() % torsion_points.size()]);
    const crypto::PublicKey key = crypto::public_key_from_bytes(add(times_base(a), t)).value();
    ++counts.torsion_keys;
    tables::note_known_key(key);
    tables::note_known_key(key);
    for (int round = 0; round < 8; ++round) {
        // rB, or the identity for r = 0 (R of small order).
        const Scalar r = round % 2 == 1 ? Scalar{} : random_scalar();
        const Point r_base = times_base(r);
        Bytes message(24);
        for (auto& byte : message)
            byte = static_cast<std::uint8_t>(random());
        for (unsigned k = 0; k < 8; ++k) {
            Point r_point = r_base;  // R = rB + kT.
            for (unsigned i = 0; i < k; ++i)
                r_point = add(r_point, t);
            const Scalar h = challenge(r_point, key, message);
            if (((k + h[0]) & 7) != 0) continue;
            const crypto::Signature signature = signature_of(r_point, r, h, a);
            bool libsodium = false;
            compare(counts, key, message, signature, libsodium);
            ++counts.torsion_signatures;
            if (libsodium) ++counts.torsion_libsodium_accepted;
            // Never for a torsion key, on the cached path (the key was vouched for) or built anew.
            if (tables::verify(key, message, signature) == tables::Verdict::accepted ||
                tables::verify_uncached(key, message, signature) == tables::Verdict::accepted) {
                ++counts.torsion_table_accepted;
            }
            break;
        }
    }
}

struct TablesOptions {
    long seconds = 10;
    std::uint64_t seed = std::random_device{}();
};

int run_bench_tables(const TablesOptions& options) {
    const long seconds = options.seconds;
    const std::uint64_t seed = options.seed;
    const auto status = tables::status();
    if (!status.enabled) {
        std::cerr << "error: the table path is off: " << status.reason << "\n";
        return exit_failure;
    }
    std::mt19937_64 random(seed);
    Counts counts;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end) {
        valid_and_damaged(counts, random);
        torsion(counts, random);
        batched(counts, random);
    }
    std::printf("custos-dev bench tables: %ld s, seed %llu, libsodium %s\n", seconds,
                static_cast<unsigned long long>(seed), status.libsodium_version.c_str());
    std::printf("  valid signatures          %10llu  table path accepted %llu\n",
                static_cast<unsigned long long>(counts.valid),
                static_cast<unsigned long long>(counts.valid_table_accepted));
    std::printf("  damaged signatures        %10llu  libsodium accepted %llu\n",
                static_cast<unsigned long long>(counts.damaged),
                static_cast<unsigned long long>(counts.damaged_libsodium_accepted));
    std::printf("  torsion keys              %10llu\n", static_cast<unsigned long long>(counts.torsion_keys));
    std::printf(
        "  torsion-key signatures    %10llu  libsodium accepted %llu (R not of small order), "
        "table path accepted %llu\n",
        static_cast<unsigned long long>(counts.torsion_signatures),
        static_cast<unsigned long long>(counts.torsion_libsodium_accepted),
        static_cast<unsigned long long>(counts.torsion_table_accepted));
    std::printf("  table accepted, libsodium refused: %llu\n",
                static_cast<unsigned long long>(counts.table_accepted_libsodium_refused));
    std::printf("  checked again in batches  %10llu  verdict not the one alone: %llu\n",
                static_cast<unsigned long long>(counts.batched),
                static_cast<unsigned long long>(counts.batch_differs));
    const bool ok = counts.table_accepted_libsodium_refused == 0 && counts.batch_differs == 0 &&
                    counts.valid_table_accepted == counts.valid && counts.torsion_table_accepted == 0;
    std::printf("%s\n", ok ? "agree" : "DISAGREE");
    return ok ? exit_ok : exit_failure;
}

}  // namespace

void add_bench_tables(Tool& tool, CLI::App& bench) {
    auto options = std::make_shared<TablesOptions>();
    auto& command =
        tool.add(bench, "tables",
                 "the Ed25519 table path against libsodium on valid, damaged and torsion-key signatures",
                 [options] { return run_bench_tables(*options); });
    command.add_option("--seconds", options->seconds, "how long to run, 1..600 (default 10)")
        ->type_name("N")
        ->check(whole_number(1, 600));
    command.add_option("--seed", options->seed, "the random cases' seed (default: a random one)")
        ->type_name("N")
        ->check(whole_number(0, std::numeric_limits<std::uint64_t>::max()));
    command.footer(std::string(bench_tables_help));
}

}  // namespace custos::cli
