// A faster path to libsodium's exact Ed25519 verdict for keys that sign often.
//
// libsodium verifies with one variable-base double scalar multiplication per signature (about
// 250 point doublings); most of a node's CPU at load went there. Custody events and votes come
// from a few hundred officer and validator keys, so for such a key this path builds a table of
// multiples of -A (like libsodium's fixed table for the base point B) and computes
// R' = [S]B - [h]A with table additions only (128 additions and 4 doublings).
//
// It can only ever say "accepted" where libsodium's verifier accepts, on any libsodium build: it
// checks, with its own byte comparisons and arithmetic, everything libsodium's verifier refuses,
// and more:
// - the key: y canonical (below p), a point of the curve, not one of the small-order encodings
//   (top bit masked, as libsodium compares), and in the prime-order subgroup ([L]A is the
//   identity, computed here when the table is built: not trusted to a libsodium helper, whose
//   check let A = aB + T2 through before the fix for CVE-2025-69277);
// - the signature: S canonical (below L), R not one of the small-order encodings, R's y
//   canonical, and R equal to the canonical encoding of R'.
// In every other case, including every signature that does not check out, the caller asks
// libsodium. A rejection therefore always comes from libsodium itself.
//
// Tables are built only for keys the ledger knows: the caller vouches for a key with
// note_known_key() (the rule engine for an officer in force that signed an event, the consensus
// verifier for a validator, the request authenticator for an officer in force); verify() itself
// never builds, evicts or reorders anything for a key without a table, so a stranger's handshake
// or request cannot push the validators' tables out.
//
// A self-test runs before the first table is built: if the loaded libsodium misjudges a known key
// with a torsion component, or refuses to refuse a known bad signature, or the table arithmetic
// disagrees with libsodium on a known good one, tables stay off for the process (status() says
// why; custos-node logs it at start-up) and every verdict is libsodium's.
//
// Only public data goes through here (keys, signatures, messages): the arithmetic is variable-time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace custos::crypto::ed25519_tables {

enum class Verdict {
    accepted,  // libsodium accepts this signature: no need to ask it.
    ask_libsodium,
};

// The table path alone, for a key that has a table (else ask_libsodium). Thread-safe.
[[nodiscard]] Verdict verify(const PublicKey& key, ByteView message, const Signature& signature);

// Many signatures at once, each with exactly the verdict verify() gives it alone: the table path
// computes every R' first, then turns them all into affine coordinates with one field inversion
// (Montgomery's simultaneous inversion) instead of one per signature (about a quarter of a
// table check). Not a batch equation: each R is still compared with its own R'. verdicts[i] is
// for requests[i] (the two spans are of one size). Thread-safe.
struct Request {
    const PublicKey* key;
    ByteView message;
    const Signature* signature;
};
void verify_many(std::span<const Request> requests, std::span<Verdict> verdicts);

// The caller vouches that the ledger knows this key (an officer in force, a validator) and that it
// signs: the second time, the key gets its table (about 30 KiB), so a key that signs once never
// costs a table build. Bounded: 512 keys with tables, the least recently used forgotten first;
// 4,096 keys noted once and 1,024 left to libsodium (keys outside the prime-order subgroup).
void note_known_key(const PublicKey& key);

// Off: every verdict is libsodium's alone (`custos verify --reference-only`, `custos audit
// --reference-only`). Process-wide; on by default.
void set_reference_only(bool reference_only);

struct TableStatus {
    bool enabled = false;  // Tables in use: the self-test passed and reference-only is off.
    std::string reason;    // Why not, when not; what the self-test found.
    std::string libsodium_version;
};
// Runs the self-test if it has not run yet.
[[nodiscard]] TableStatus status();

// The same computation with a table built for this call, no cache and no self-test (for tests).
[[nodiscard]] Verdict verify_uncached(const PublicKey& key, ByteView message, const Signature& signature);
// verify_many with a table built for each request, no cache and no self-test (for tests).
void verify_many_uncached(std::span<const Request> requests, std::span<Verdict> verdicts);

struct CacheFigures {
    std::size_t keys_seen = 0;  // Keys remembered (with or without a table).
    std::size_t tables = 0;     // Of which with a built table.
    std::size_t capacity = 0;   // Keys remembered at most.
};
[[nodiscard]] CacheFigures cache_figures();

namespace testing {
// libsodium's crypto_core_ed25519_is_valid_point, as the self-test calls it: replaceable so that a
// test can make this libsodium behave like one without the CVE-2025-69277 fix. Returns the check
// it replaces.
using PointCheck = int (*)(const unsigned char* point);
PointCheck set_libsodium_point_check(PointCheck check);
// Runs the self-test again with the check in force and applies its verdict (tables on or off).
TableStatus rerun_self_test();
}  // namespace testing

}  // namespace custos::crypto::ed25519_tables
