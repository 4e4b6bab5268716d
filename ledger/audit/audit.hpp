// Audit replay: re-verifies a store from its genesis without trusting anything it holds but the
// genesis document (checked against the genesis hash the auditor trusts).
//
// For every height, in order: the header (height, chain id, previous block hash, time,
// validator-set hash, proposer), the commit certificate against the validator set in force at
// that height (the genesis set, changed by the validator governance the replay adopted: a change
// adopted in block H is in force from H + 2), each
// event (schema R1, canonical encoding, signature R2, custody rules R3..R32 by the same rule
// engine as admission, over a fresh state seeded with the genesis officers, kept in a scratch store on
// disk that the audit makes and removes: audit_scratch.hpp), the events hash, and
// the RFC 9162 log root recomputed from the leaves. After the last block: nothing stored beyond it, the
// committed height, every stored item state equal to the replayed one, and every stored officer record,
// validator proposal and validator-set record equal to the one the replayed governance events produced, and
// every entry of the read indexes (inbox, agencies' cases, digest search) exactly those the replay gives
// (audit_indexes.hpp). The first violation stops the replay and is reported with its place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// Checks outside the numbered custody rules, named in a violation's `rule`.
namespace audit_check {
inline constexpr std::string_view genesis = "genesis";
inline constexpr std::string_view block_missing = "block.missing";
inline constexpr std::string_view block_format = "block.format";
inline constexpr std::string_view block_height = header_check::height;
inline constexpr std::string_view block_chain_id = header_check::chain_id;
inline constexpr std::string_view block_previous = header_check::previous;
inline constexpr std::string_view block_time = header_check::time;
inline constexpr std::string_view block_validators = header_check::validators;
inline constexpr std::string_view block_proposer = header_check::proposer;
inline constexpr std::string_view block_events_max = "block.events_max";
inline constexpr std::string_view block_log_size = "block.log_size";
inline constexpr std::string_view block_events_hash = "block.events_hash";
inline constexpr std::string_view block_log_root = "block.log_root";
inline constexpr std::string_view block_state_root = "block.state_root";
inline constexpr std::string_view certificate = "certificate";
inline constexpr std::string_view leaf_missing = "log.leaf_missing";
inline constexpr std::string_view leaf_extra = "log.leaf_extra";
inline constexpr std::string_view leaf_canonical = "log.leaf_canonical";
inline constexpr std::string_view event_position = "index.event_position";
inline constexpr std::string_view meta_height = "meta.height";
inline constexpr std::string_view item_state = "state.item";
inline constexpr std::string_view officer_state = "state.officer";
inline constexpr std::string_view validator_state = "state.validators";
// The read indexes (audit_indexes.hpp): the inbox, the agencies' cases, the searches by digest,
// officer and time, the consultation log.
inline constexpr std::string_view index_offer = "index.offer";
inline constexpr std::string_view index_case = "index.case";
inline constexpr std::string_view index_digest = "index.digest";
inline constexpr std::string_view index_signer = "index.signer";              // The search by officer key.
inline constexpr std::string_view index_time = "index.time";                  // The search by ledger time.
inline constexpr std::string_view index_read = "index.read";                  // The consultation log.
inline constexpr std::string_view index_read_request = "index.read_request";  // One record a request.
// A certified checkpoint given to compare with (AuditOptions::expected_checkpoints):
inline constexpr std::string_view checkpoint_certificate = "checkpoint.certificate";  // does not verify
inline constexpr std::string_view checkpoint_behind = "checkpoint.behind";            // store ends before it
inline constexpr std::string_view checkpoint_fork = "checkpoint.fork";                // another block there
}  // namespace audit_check

struct AuditViolation {
    Height height;  // 0 for checks about the whole store.
    std::optional<std::uint64_t> leaf_index;
    std::optional<EventId> event;
    std::string rule;      // "R10", or an audit_check name.
    std::string field;     // The field concerned, when a rule names one.
    std::string expected;  // What a valid store holds here (may be empty for rule refusals).
    std::string found;     // What this store holds.
    std::string message;   // One line for people.
};

// The last block an audit verified: what the store claims the ledger is. A store cut short
// (a damaged or truncated copy, a stale backup) verifies up to an earlier head, so only a
// certified checkpoint from elsewhere shows that it is short (AuditOptions::expected_checkpoints).
struct AuditHead {
    Height height;         // 0 when the store holds no block.
    BlockHash block_hash;  // All zeros at height 0.
    std::uint64_t log_size = 0;
    Hash32 log_root;  // The empty log's root at height 0.
};

// A certified checkpoint the store was compared with and found consistent with.
struct CheckpointMatch {
    Height height;
    BlockHash block_hash;
    std::uint64_t signed_power = 0;
    std::uint64_t total_power = 0;
};

// The first violation an audit finds. The block replay (audit.cpp) and the final checks
// (audit_final.cpp) each record into one and stop as soon as it has failed(); a later violation is
// dropped, so the report names the first.
class AuditRecorder {
public:
    void violate(AuditViolation violation);
    // A violation of an audit check (audit_check) found at `height`.
    void violate_block(Height height, std::string_view rule, std::string expected, std::string found,
                       std::string message);
    [[nodiscard]] bool failed() const { return first_.has_value(); }
    // The violation recorded, if any; the recorder is empty again.
    [[nodiscard]] std::optional<AuditViolation> take_violation() {
        return std::exchange(first_, std::nullopt);
    }

private:
    std::optional<AuditViolation> first_;
};

struct AuditReport {
    Hash32 genesis_hash;
    std::uint64_t blocks = 0;  // Blocks verified.
    std::uint64_t events = 0;  // Events verified.
    std::uint64_t reads = 0;   // Of them, read records (the consultation log, R33..R37).
    AuditHead head;  // The last block verified (when a violation stops the replay, the one before it).
    std::vector<CheckpointMatch> checkpoints;  // Each expected checkpoint that held.
    std::optional<AuditViolation> violation;

    [[nodiscard]] bool verified() const { return !violation.has_value(); }
};

struct AuditProgress {
    Height height;
    std::uint64_t events = 0;
    // What the store says it holds (its committed height and that block's log size; 0 when it
    // cannot tell): enough for a rate and the time left.
    std::uint64_t blocks_total = 0;
    std::uint64_t events_total = 0;
};

struct AuditOptions {
    // The genesis hash the auditor trusts; without it, the store's own genesis is reported.
    std::optional<Hash32> expected_genesis_hash;
    // Called about every `progress_every_events` events.
    std::function<void(const AuditProgress&)> progress;
    std::uint64_t progress_every_events = 100000;
    // Certified checkpoints (commit certificates: the signed-note text a node serves at
    // /v1/checkpoints/...) obtained from elsewhere. After the replay each must verify against the
    // validator set the replay found in force at its height, and the store must hold its block:
    // a checkpoint above the head is a violation (checkpoint.behind: the store is truncated or
    // stale), another block at its height too (checkpoint.fork).
    std::vector<Certificate> expected_checkpoints;
    // Threads that parse events, check their canonical layout, hash their Merkle leaves and
    // verify their signatures ahead of the replay (0: one per core; 1: all on the calling
    // thread); with more than one, the read indexes' replayed entries are also written to the
    // scratch by a thread of their own (audit_scratch.hpp, WriteBehind). Blocks are still applied
    // in order on the calling thread, so the verdict and the first violation do not depend on it.
    unsigned threads = 1;
    // Where the replay keeps what grows with the ledger (item states, event ids, the state map,
    // the read indexes' entries: ledger/audit/audit_scratch.hpp): a new directory custos-audit-<random>
    // made in this one and removed when the audit ends. Empty: the system's temporary directory
    // (TMPDIR, else /tmp). It takes about as much disk as the audited store's own copies of
    // them (docs/OPERATIONS.md, "Size").
    std::filesystem::path scratch_directory;
    // Item states kept in memory in front of the scratch store: two generations of up to this
    // many each (0: none kept from one block to the next). Any value gives the same verdict (a
    // test compares 0 with the default).
    std::size_t item_cache_max = std::size_t{1} << 14;
};

// A violation is a successful audit with a violation in the report; the Result fails only when
// the store cannot be read at all (no store, I/O error).
[[nodiscard]] Result<AuditReport> audit_store(const store::Db& db, const AuditOptions& options);
[[nodiscard]] Result<AuditReport> audit_directory(const std::filesystem::path& directory,
                                                  const AuditOptions& options);

// "verified: N blocks, M events" or "violation at height H ...: message".
[[nodiscard]] std::string audit_summary(const AuditReport& report);

}  // namespace custos::ledger
