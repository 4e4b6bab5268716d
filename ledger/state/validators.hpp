// Validator-set governance: validator.propose / validator.approve proposals, the set they adopt
// and the history of sets by the height they are in force from (docs/CUSTODY_RULES.md R28..R32,
// docs/FORMAT.md 6.6). The rule engine reads proposals and the latest adopted set through
// StateView, so admission, block application, audit replay and the bundle verifier all see a
// change at the same place in the log.
//
// A proposal is adopted by the event (propose or approve) after which its approving agencies hold
// more than 2/3 of the power of the latest adopted set; the new set is in force from the height
// of the block holding that event + 2. A proposal made before another was adopted is stale.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/genesis.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// A change adopted in block H is in force from height H + validator_change_delay.
inline constexpr std::uint64_t validator_change_delay = 2;

// What the ledger knows of one validator.propose event. Kept for ever, adopted or not.
struct ValidatorProposal {
    EventId id;                               // The validator.propose event.
    std::string agency;                       // The proposing agency (it counts as approving).
    Validator change;                         // Power 0: remove the validator of that name.
    std::vector<std::string> approvals;       // Approving agencies, sorted, unique.
    std::uint64_t epoch = 0;                  // Proposals adopted before this one was made.
    std::optional<std::uint64_t> adopted_as;  // Its adoption number (epoch + 1) once adopted.
    std::vector<EventId> approval_events;     // The validator.approve events, in log order.

    [[nodiscard]] bool adopted() const { return adopted_as.has_value(); }
    // Stale: another proposal was adopted after this one was made (further approvals refused).
    [[nodiscard]] bool stale(std::uint64_t adoptions) const { return !adopted() && epoch < adoptions; }
    [[nodiscard]] bool approved_by(std::string_view approver) const;
    friend bool operator==(const ValidatorProposal&, const ValidatorProposal&) = default;
};

// The latest adopted set: what every later proposal changes and whose power decides adoption.
struct ValidatorEpoch {
    std::uint64_t adoptions = 0;  // Proposals adopted so far (0: the genesis set).
    std::shared_ptr<const ValidatorSet> set;
};

// One entry of the validator-set history (stored under meta "validators/"): the set in force
// from `in_force_from`, adopted by block `adopted_in` = in_force_from - 2.
struct ValidatorSetRecord {
    Height in_force_from;
    Height adopted_in;
    std::uint64_t adoptions = 0;  // Proposals adopted up to and including this block.
    ValidatorSet set;
    friend bool operator==(const ValidatorSetRecord&, const ValidatorSetRecord&) = default;
};

[[nodiscard]] crypto::Json validator_proposal_to_json(const ValidatorProposal& proposal);
[[nodiscard]] Result<ValidatorProposal> validator_proposal_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_validator_proposal(const ValidatorProposal& proposal);

[[nodiscard]] crypto::Json validator_set_record_to_json(const ValidatorSetRecord& record);
[[nodiscard]] Result<ValidatorSetRecord> validator_set_record_from_json(const crypto::Json& json);
[[nodiscard]] std::string canonical_validator_set_record(const ValidatorSetRecord& record);

// `set` with `change` applied: the entry of that name replaced or added (power > 0) or removed
// (power 0), kept sorted by name. Validity is the caller's check (validator_set_problem).
[[nodiscard]] ValidatorSet apply_validator_change(const ValidatorSet& set, const Validator& change);
// Voting power in `set` of the validators of the given agencies.
[[nodiscard]] std::uint64_t agencies_power(const ValidatorSet& set, const std::vector<std::string>& agencies);

// Proposals by id and the latest adopted set. Seeded from a genesis it is a whole governance
// state; unseeded it is an overlay of changes (find() nullptr / latest() nullopt: unchanged here).
class ValidatorTable {
public:
    ValidatorTable() = default;
    explicit ValidatorTable(const Genesis& genesis);

    [[nodiscard]] const ValidatorProposal* find(const EventId& id) const;
    [[nodiscard]] const std::optional<ValidatorEpoch>& latest() const { return latest_; }

    void put(const ValidatorProposal& proposal);
    void put(const ValidatorEpoch& epoch) { latest_ = epoch; }

    [[nodiscard]] const std::map<EventId, ValidatorProposal>& proposals() const { return proposals_; }

private:
    std::map<EventId, ValidatorProposal> proposals_;
    std::optional<ValidatorEpoch> latest_;
};

// Validator sets by the first height each is in force from: {1: genesis set} plus one entry per
// block that adopted a change. Used by the store, audit replay and the bundle verifier.
class ValidatorHistory {
public:
    explicit ValidatorHistory(const ValidatorSet& genesis_set);

    // The set in force at `height` (>= 1).
    [[nodiscard]] const std::shared_ptr<const ValidatorSet>& at(Height height) const;
    // Records that block `adopted_in` adopted `set` (in force from adopted_in + 2). Heights must
    // not decrease from one call to the next; a second call for the same block replaces the set.
    void adopt(Height adopted_in, std::shared_ptr<const ValidatorSet> set);

    [[nodiscard]] const std::map<std::uint64_t, std::shared_ptr<const ValidatorSet>>& sets() const {
        return sets_;
    }

private:
    std::map<std::uint64_t, std::shared_ptr<const ValidatorSet>> sets_;
};

}  // namespace custos::ledger
