// Validator-set governance records (proposals, set history), their stored JSON, and the set
// arithmetic the rule engine and the replays share.
#include "ledger/state/validators.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "ledger/events/event.hpp"
#include "ledger/json_fields.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

// A stored record that does not parse means the store contradicts itself.
const FieldReader validator_reader("validator record ", ErrorCode::corruption);

constexpr std::uint64_t count_max = std::uint64_t{1} << 53;

Result<std::uint64_t> number(const Json& json, std::string_view key) {
    return validator_reader.required(json, key, "").and_then([&](const Json* v) {
        return validator_reader.unsigned_integer(*v, key, count_max);
    });
}

Result<ValidatorSet> set_from_json(const Json& json, std::string_view key) {
    auto array = validator_reader.required(json, key, "").and_then([&](const Json* v) {
        return validator_reader.array(*v, key, genesis_validators_max);
    });
    if (!array) return tl::unexpected(array.error());
    ValidatorSet set;
    for (std::size_t i = 0; i < (*array)->size(); ++i) {
        auto validator = detail::validator_from_json(validator_reader, (**array)[i], path_index(key, i));
        if (!validator) return tl::unexpected(validator.error());
        set.validators.push_back(std::move(*validator));
    }
    return set;
}

}  // namespace

bool ValidatorProposal::approved_by(std::string_view approver) const {
    return std::binary_search(approvals.begin(), approvals.end(), approver);
}

Json validator_proposal_to_json(const ValidatorProposal& proposal) {
    Json json{{"id", event_id_hex(proposal.id)},
              {"agency", proposal.agency},
              {"validator", detail::validator_to_json(proposal.change)},
              {"approvals", proposal.approvals},
              {"epoch", proposal.epoch}};
    if (proposal.adopted_as) json["adopted_as"] = *proposal.adopted_as;
    Json events = Json::array();
    for (const auto& id : proposal.approval_events)
        events.push_back(event_id_hex(id));
    json["approval_events"] = std::move(events);
    return json;
}

Result<ValidatorProposal> validator_proposal_from_json(const Json& json) {
    if (auto status = validator_reader.object(
            json, "", {"id", "agency", "validator", "approvals", "epoch", "adopted_as", "approval_events"});
        !status) {
        return tl::unexpected(status.error());
    }
    ValidatorProposal proposal;
    auto id = validator_reader.required(json, "id", "").and_then([](const Json* v) {
        return validator_reader.hash(*v, "id");
    });
    if (!id) return tl::unexpected(id.error());
    proposal.id = EventId{*id};
    auto agency = validator_reader.required(json, "agency", "").and_then([](const Json* v) {
        return validator_reader.id(*v, "agency");
    });
    if (!agency) return tl::unexpected(agency.error());
    proposal.agency = *agency;
    auto change = validator_reader.required(json, "validator", "").and_then([](const Json* v) {
        return detail::validator_from_json(validator_reader, *v, "validator");
    });
    if (!change) return tl::unexpected(change.error());
    proposal.change = *change;
    auto approvals = validator_reader.required(json, "approvals", "").and_then([](const Json* v) {
        return validator_reader.array(*v, "approvals", genesis_agencies_max);
    });
    if (!approvals) return tl::unexpected(approvals.error());
    for (std::size_t i = 0; i < (*approvals)->size(); ++i) {
        auto approval = validator_reader.id((**approvals)[i], path_index("approvals", i));
        if (!approval) return tl::unexpected(approval.error());
        if (!proposal.approvals.empty() && !(proposal.approvals.back() < *approval))
            return validator_reader.fail(path_index("approvals", i), "duplicate or out of order");
        proposal.approvals.push_back(*approval);
    }
    auto epoch = number(json, "epoch");
    if (!epoch) return tl::unexpected(epoch.error());
    proposal.epoch = *epoch;
    if (validator_reader.optional(json, "adopted_as") != nullptr) {
        auto adopted = number(json, "adopted_as");
        if (!adopted) return tl::unexpected(adopted.error());
        proposal.adopted_as = *adopted;
    }
    auto events = validator_reader.required(json, "approval_events", "").and_then([](const Json* v) {
        return validator_reader.array(*v, "approval_events", genesis_agencies_max);
    });
    if (!events) return tl::unexpected(events.error());
    for (std::size_t i = 0; i < (*events)->size(); ++i) {
        auto approval = validator_reader.hash((**events)[i], path_index("approval_events", i));
        if (!approval) return tl::unexpected(approval.error());
        proposal.approval_events.push_back(EventId{*approval});
    }
    return proposal;
}

std::string canonical_validator_proposal(const ValidatorProposal& proposal) {
    return detail::canonical_text(validator_proposal_to_json(proposal));
}

Json validator_set_record_to_json(const ValidatorSetRecord& record) {
    return Json{{"in_force_from", record.in_force_from.value},
                {"adopted_in", record.adopted_in.value},
                {"adoptions", record.adoptions},
                {"validators", validator_set_to_json(record.set)["validators"]}};
}

Result<ValidatorSetRecord> validator_set_record_from_json(const Json& json) {
    if (auto status =
            validator_reader.object(json, "", {"in_force_from", "adopted_in", "adoptions", "validators"});
        !status) {
        return tl::unexpected(status.error());
    }
    ValidatorSetRecord record;
    auto from = number(json, "in_force_from");
    auto adopted_in = number(json, "adopted_in");
    auto adoptions = number(json, "adoptions");
    if (!from) return tl::unexpected(from.error());
    if (!adopted_in) return tl::unexpected(adopted_in.error());
    if (!adoptions) return tl::unexpected(adoptions.error());
    if (*from != *adopted_in + validator_change_delay)
        return validator_reader.fail("in_force_from", "must be adopted_in + 2");
    record.in_force_from = Height{*from};
    record.adopted_in = Height{*adopted_in};
    record.adoptions = *adoptions;
    auto set = set_from_json(json, "validators");
    if (!set) return tl::unexpected(set.error());
    record.set = std::move(*set);
    return record;
}

std::string canonical_validator_set_record(const ValidatorSetRecord& record) {
    return detail::canonical_text(validator_set_record_to_json(record));
}

ValidatorSet apply_validator_change(const ValidatorSet& set, const Validator& change) {
    ValidatorSet changed = set;
    auto& validators = changed.validators;
    auto at = std::lower_bound(validators.begin(), validators.end(), change.name,
                               [](const Validator& v, const std::string& name) { return v.name < name; });
    const bool present = at != validators.end() && at->name == change.name;
    if (change.power == 0) {
        if (present) validators.erase(at);
    } else if (present) {
        *at = change;
    } else {
        validators.insert(at, change);
    }
    return changed;
}

std::uint64_t agencies_power(const ValidatorSet& set, const std::vector<std::string>& agencies) {
    std::uint64_t power = 0;
    for (const auto& validator : set.validators) {
        if (std::binary_search(agencies.begin(), agencies.end(), validator.agency)) power += validator.power;
    }
    return power;
}

ValidatorTable::ValidatorTable(const Genesis& genesis)
    : latest_(ValidatorEpoch{0, std::make_shared<const ValidatorSet>(genesis.validators)}) {}

const ValidatorProposal* ValidatorTable::find(const EventId& id) const {
    auto found = proposals_.find(id);
    return found == proposals_.end() ? nullptr : &found->second;
}

void ValidatorTable::put(const ValidatorProposal& proposal) {
    proposals_.insert_or_assign(proposal.id, proposal);
}

ValidatorHistory::ValidatorHistory(const ValidatorSet& genesis_set) {
    sets_.emplace(1, std::make_shared<const ValidatorSet>(genesis_set));
}

const std::shared_ptr<const ValidatorSet>& ValidatorHistory::at(Height height) const {
    CUSTOS_ASSERT(height.value >= 1, "heights start at 1");
    auto next = sets_.upper_bound(height.value);
    return std::prev(next)->second;
}

void ValidatorHistory::adopt(Height adopted_in, std::shared_ptr<const ValidatorSet> set) {
    const std::uint64_t from = adopted_in.value + validator_change_delay;
    CUSTOS_ASSERT(sets_.rbegin()->first <= from, "validator sets are adopted in height order");
    // A later adoption in the same block replaces the earlier one: the last set is in force.
    sets_.insert_or_assign(from, std::move(set));
}

}  // namespace custos::ledger
