// Comparing an audited store with a certified checkpoint obtained elsewhere (custos audit
// --expect / --against). Replay alone proves that what a store holds is valid, not that it holds
// everything: a copy cut short at an earlier block replays cleanly. A checkpoint certified by the
// validators, for a height at or below the audited head, must name the very block the store holds
// there; one above the head shows the store is short.
#pragma once

#include <optional>
#include <string_view>

#include "common/result.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// Exactly one of the two is set.
struct CheckpointComparison {
    std::optional<CheckpointMatch> match;
    std::optional<AuditViolation> violation;
};

// `history` is the validator-set history the replay derived (the set in force at each height up
// to head + 2; above that, the latest set is the best the store can know). The certificate must
// verify against the set in force at its own height. Fails only when the store cannot be read.
[[nodiscard]] Result<CheckpointComparison> compare_with_checkpoint(const store::Db& db,
                                                                   const Certificate& checkpoint,
                                                                   std::string_view chain_id,
                                                                   const ValidatorHistory& history,
                                                                   const AuditHead& head);

}  // namespace custos::ledger
