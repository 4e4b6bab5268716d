// Internal to the bundle code (ledger/bundle*.cpp): the bundle as parsed for verification, with
// each value kept where it was found (its JSON path) so failures can be located.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/smt.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/types.hpp"

namespace custos::ledger::bundle_detail {

// Hashes in a Merkle proof: RFC 9162 paths over 2^53 leaves are at most 53 (inclusion) or
// 2 * 53 (consistency) hashes long; anything longer is refused before any hashing (a bundle's
// proofs, and the consistency proof of a refresh answer).
inline constexpr std::size_t proof_hashes_max = 128;

struct CheckpointEntry {
    std::string path;  // "checkpoints[i]"
    Height height;
    BlockHeader header;
    std::optional<BlockHeader> previous;  // nullopt at height 1
    Certificate certificate;
    std::vector<Hash32> consistency_proof;
};

struct Record {
    std::string path;  // "events[i]" or "governance[i]"
    bool in_governance_list = false;
    std::uint64_t leaf_index = 0;
    Height height;
    const crypto::Json* envelope_json = nullptr;  // Points into the bundle JSON being verified.
    std::vector<Hash32> inclusion_proof;
    const CheckpointEntry* checkpoint = nullptr;  // The entry of `height` (format guarantees one).

    // Filled by check 2 (signatures) when the envelope is a valid event.
    std::optional<Envelope> envelope;
    EventBytes bytes;
};

// One entry of the bundle's `state` (FORMAT.md 11.5): a value and its map proof at the anchor.
struct StateEntry {
    std::string path;                     // "state.items[i]", "state.officers[i]", "state.governance"
    std::string id;                       // The item id, the officer key id; "" for governance.
    const crypto::Json* value = nullptr;  // Points into the bundle JSON; a JSON null for "absent".
    crypto::SmtProof proof;
};

struct ParsedBundle {
    std::string item;
    std::vector<std::string> items;
    const crypto::Json* genesis_json = nullptr;
    std::vector<CheckpointEntry> checkpoints;  // Heights strictly increasing; back() is the anchor.
    std::vector<Record> governance;
    std::vector<Record> events;
    std::vector<StateEntry> item_states;     // One per `items`, same order.
    std::vector<StateEntry> officer_states;  // Sorted by key id, unique.
    StateEntry governance_state;
};

// Check 0 (format): structure, types, limits, hex; every record's height has an entry. On
// failure the error message is "<path>: <reason>". Keeps pointers into `bundle`.
[[nodiscard]] Result<ParsedBundle> parse_bundle(const crypto::Json& bundle);

// One verification in progress: the parsed bundle, the genesis once check 1 passed, and the
// first failure of each check.
struct Verification {
    ParsedBundle bundle;
    Genesis genesis;
    BundleReport report;
    std::array<std::optional<BundleFailure>, bundle_check_count> failures;
    // Every record (governance and events) by leaf index, then list order; check 4 refuses
    // repeats, so the replay order is the log order whenever check 4 holds.
    std::vector<Record*> log_order;
    // The state the replay (check 5) left after the last record, when every record passed.
    std::optional<MemoryState> replayed;

    // Keeps the first failure of `check` (later ones of the same check add nothing).
    void fail(BundleCheck check, BundleLocation where, std::string reason);
    [[nodiscard]] bool failed(BundleCheck check) const;
    void set_result(BundleCheck check, bool ran, std::string summary);
};

// Runs checks 0-6 on `bundle` (kept alive by the caller: the verification points into it) and
// fills verification.report; verify_bundle is this and the report.
void run_checks(Verification& verification, const crypto::Json& bundle, const VerifyOptions& options);
// The validator set in force at each height, from the genesis and the bundle's validator.*
// records (bundle_verify.cpp). Needs checks 1-2 run.
[[nodiscard]] ValidatorHistory validator_history(const Verification& verification);

[[nodiscard]] BundleLocation location_of(const Record& record);
[[nodiscard]] BundleLocation location_of(const CheckpointEntry& entry, std::string_view field = {});

// Check 4: leaf order, items, per-item prev links. Needs every envelope parsed (check 2).
void check_chain(Verification& verification);
// Check 6: the bundle's state proofs hold at the anchor, and the bundle holds exactly the item
// events and governance records they count (bundle_complete.cpp).
void check_completeness(Verification& verification);
// Check 5 (and the signer rules of check 2): the replay through the ledger's rule engine;
// fills the timeline's officer names, alerts and seal/digest notes, and the item summary.
void check_custody_rules(Verification& verification);
// Check 7: the `exported` member (FORMAT.md 11.8), if any, belongs to this bundle and proves who
// asked for it, which validator served it and when (bundle_exported.cpp).
void check_exported(Verification& verification, const crypto::Json& bundle);

}  // namespace custos::ledger::bundle_detail
