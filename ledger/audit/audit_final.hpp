// The audit's checks after the last block (audit.hpp): the records and indexes a node serves
// from its store, each against what the replay produced. The event-id index, the item states
// and the read indexes are compared with the replay's entries in its scratch store
// (audit_scratch.hpp), walking both stores side by side in key order; the officer records and
// the validator governance records with the replay's AuditState. Each reports the first
// difference, with the same check names, expected and found as the block replay's violations.
#pragma once

#include <optional>
#include <span>

#include "common/result.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/audit/audit_state.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store_db.hpp"

namespace custos::ledger {

struct FinalCheckInput {
    const store::Db& db;                          // The audited store.
    const store::Db& scratch;                     // The replay's scratch store, every block's batch written.
    const store::Db& index_scratch;               // Its write-only index entries (AuditScratch::indexes).
    const AuditState& state;                      // After the last block: officers and validator governance.
    std::span<const ValidatorSetRecord> adopted;  // What meta "validators/" must hold, in order.
    Height last;                                  // The last block verified.
};

// The first difference (event positions, item states, officer records, validator records, read
// indexes, in that order), or nullopt; fails only when a store cannot be read.
[[nodiscard]] Result<std::optional<AuditViolation>> check_final_state(const FinalCheckInput& input);

}  // namespace custos::ledger
