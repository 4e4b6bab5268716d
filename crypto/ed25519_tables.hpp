// A faster path to libsodium's exact Ed25519 verdict for keys that sign often.
//
// libsodium verifies with one variable-base double scalar multiplication per signature (about
// 250 point doublings); most of a node's CPU at load went there. Custody events and votes come
// from a few hundred officer and validator keys, so for a key seen more than once this path builds
// a table of multiples of -A (like libsodium's fixed table for the base point B) and computes
// R' = [S]B - [h]A with table additions only (128 additions and 4 doublings).
//
// It can only ever say "accepted" where libsodium accepts: it answers only for a public key that
// crypto_core_ed25519_is_valid_point() accepts (canonical, on the curve, not of small order, in
// the prime-order subgroup: stricter than the verifier's own key checks) and for S < 2^252 (so S is
// canonical), and it accepts only when the canonical encoding of R' equals the signature's R and R'
// is not the identity (R' lies in the prime-order subgroup, so that is libsodium's small-order
// check). In every other case, including every signature that does not check out, the caller asks
// libsodium. A rejection therefore always comes from libsodium itself.
//
// Only public data goes through here (keys, signatures, messages): the arithmetic is variable-time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace custos::crypto::ed25519_tables {

enum class Verdict {
    accepted,  // libsodium accepts this signature: no need to ask it.
    ask_libsodium,
};

// The table path alone, for a key that has a table (else ask_libsodium). Thread-safe.
[[nodiscard]] Verdict verify(const PublicKey& key, ByteView message, const Signature& signature);

// Tells the cache libsodium accepted a signature by this key: the second time, the key gets its
// table (about 30 KiB), so one-off keys, or a flood of fresh ones, never cost a table build.
// Bounded: 512 keys with tables, 4,096 seen once and 1,024 left to libsodium (keys outside the
// prime-order subgroup), the oldest forgotten first.
void note_accepted(const PublicKey& key);

// The same computation with a table built for this call and no cache (for tests).
[[nodiscard]] Verdict verify_uncached(const PublicKey& key, ByteView message, const Signature& signature);

struct CacheFigures {
    std::size_t keys_seen = 0;  // Keys remembered (with or without a table).
    std::size_t tables = 0;     // Of which with a built table.
    std::size_t capacity = 0;   // Keys remembered at most.
};
[[nodiscard]] CacheFigures cache_figures();

namespace testing {
// libsodium's crypto_core_ed25519_is_valid_point, replaceable so that a test can make this
// libsodium behave like one without the CVE-2025-69277 fix. Returns the check it replaces.
using PointCheck = int (*)(const unsigned char* point);
PointCheck set_libsodium_point_check(PointCheck check);
}  // namespace testing

}  // namespace custos::crypto::ed25519_tables
