// The ledger's core value types, shared with consensus: heights, hashes, validator sets, block
// headers and checkpoints. Distinct types for things that must never be mixed.
//
// Owned by the ledger room; consensus/ includes this header (consensus may use ledger, never the
// other way round).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"
#include "crypto/signed_note.hpp"

namespace custos::ledger {

struct Height {
    std::uint64_t value = 0;
    friend bool operator==(const Height&, const Height&) = default;
    friend auto operator<=>(const Height&, const Height&) = default;
};

struct Round {
    std::uint32_t value = 0;
    friend bool operator==(const Round&, const Round&) = default;
    friend auto operator<=>(const Round&, const Round&) = default;
};

// SHA-256 of a block's canonical header.
struct BlockHash {
    Hash32 hash;
    friend bool operator==(const BlockHash&, const BlockHash&) = default;
    friend auto operator<=>(const BlockHash&, const BlockHash&) = default;
};

// SHA-256 of an event's canonical `event` object (never of its signature).
struct EventId {
    Hash32 hash;
    friend bool operator==(const EventId&, const EventId&) = default;
    friend auto operator<=>(const EventId&, const EventId&) = default;
};

// Hash for unordered containers of event ids. An id is a SHA-256, but a caller chooses the event,
// so the table position is keyed with a secret drawn once per process: a submitter cannot grind
// ids into one bucket.
struct EventIdHash {
    [[nodiscard]] std::size_t operator()(const EventId& id) const noexcept;
};

// Milliseconds since the Unix epoch, UTC. Rendered as RFC 3339 with milliseconds
// ("2026-11-27T21:00:00.000Z") wherever it is hashed or shown.
struct TimeMs {
    std::int64_t value = 0;
    friend bool operator==(const TimeMs&, const TimeMs&) = default;
    friend auto operator<=>(const TimeMs&, const TimeMs&) = default;
};

struct Validator {
    std::string name;    // Signed-note key name, e.g. "NL-POL.validator-1" (no spaces, no '+').
    std::string agency;  // Agency id, e.g. "NL-POL".
    crypto::PublicKey key;
    std::uint64_t power = 0;  // Voting power, > 0.
    std::string address;      // host:port of the validator's peer endpoint.

    friend bool operator==(const Validator&, const Validator&) = default;
};

// The validators in force at a height, in canonical order (sorted by name).
struct ValidatorSet {
    std::vector<Validator> validators;

    friend bool operator==(const ValidatorSet&, const ValidatorSet&) = default;

    [[nodiscard]] std::uint64_t total_power() const;
    [[nodiscard]] const Validator* find(const crypto::PublicKey& key) const;
    [[nodiscard]] const Validator* find_name(std::string_view name) const;
    // Signed-note keys of the validators, for opening certificates.
    [[nodiscard]] std::vector<crypto::NoteKey> note_keys() const;
    // SHA-256 of the canonical JSON of the set (see docs/FORMAT.md).
    [[nodiscard]] Hash32 hash() const;
};

// True when `power` is more than two thirds of `total` (power * 3 > total * 2), overflow-safe.
[[nodiscard]] bool exceeds_two_thirds(std::uint64_t power, std::uint64_t total);

struct BlockHeader {
    std::string chain_id;
    Height height;
    TimeMs time;
    BlockHash previous;          // All zero for height 1.
    std::uint64_t log_size = 0;  // Events in the global log after this block.
    Hash32 log_root;             // RFC 9162 root after this block.
    Hash32 validators_hash;      // ValidatorSet::hash() of the set that certifies this block.
    std::string proposer;        // Validator name.
    Hash32 events_hash;          // SHA-256 over the block's event ids in order (see docs/FORMAT.md).
    Hash32 state_root;           // Root of the state map after this block (docs/FORMAT.md 7.5).

    friend bool operator==(const BlockHeader&, const BlockHeader&) = default;
};

// The checkpoint body a precommit signs: C2SP tlog-checkpoint lines
//   <chain id>\n<log size>\n<base64 log root>\n
// then extension lines
//   height <n>\nround <n>\nblock <hex block hash>\ntime <RFC 3339 ms>\n
[[nodiscard]] std::string checkpoint_body(const BlockHeader& header, const BlockHash& block_hash,
                                          Round round);

struct Certificate {
    std::string note;  // The checkpoint as a signed note.
};

struct VerifiedCertificate {
    Height height;
    Round round;
    BlockHash block;
    std::uint64_t log_size = 0;
    Hash32 log_root;
    TimeMs time;
    std::uint64_t signed_power = 0;
    std::vector<std::string> signers;
};

// Verifies a commit certificate against the set in force at its height: every validator line
// verifies (one failing line refuses the certificate), no validator twice, and the validators
// that signed hold more than 2/3 of the power. Lines of other keys are kept and never counted.
[[nodiscard]] Result<VerifiedCertificate> verify_certificate(const Certificate& certificate,
                                                             std::string_view chain_id,
                                                             const ValidatorSet& validators);

}  // namespace custos::ledger
