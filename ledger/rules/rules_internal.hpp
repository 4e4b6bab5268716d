// Internal to ledger/: the pieces of the rule engine that rules.cpp and rules_read.cpp share.
#pragma once

#include <string>

#include "ledger/rules/rules.hpp"

namespace custos::ledger::detail {

[[nodiscard]] tl::unexpected<RuleError> refuse(int rule_number, std::string field, std::string reason);
// rule 0: the state could not be read.
[[nodiscard]] tl::unexpected<RuleError> state_error(const Error& error);
// R7: `id` is not in the ledger (or among the pending events a view adds).
[[nodiscard]] RuleResult<void> check_unique(const StateView& state, const EventId& id);
// R8: the event's time is not ahead of ledger time by more than the genesis clock skew.
[[nodiscard]] RuleResult<void> check_not_ahead(const Event& event, TimeMs ledger_time,
                                               const Genesis& genesis);
// R36: what a read record's signature base states (GET, the action's path for the subject, the
// officer's key id, alg, the window around the receipt time `event.time`) is what it records.
[[nodiscard]] RuleResult<void> check_read_fields(const Event& event, const ReadRecord& read);

}  // namespace custos::ledger::detail
