// The in-memory ledger: the same validation as the store, kept in maps.
#include "ledger/blocks/memory_ledger.hpp"

#include "common/assert.hpp"

namespace custos::ledger {

MemoryLedger::MemoryLedger(Genesis genesis)
    : genesis_(std::move(genesis)), state_(genesis_), history_(genesis_.validators) {
    CUSTOS_ASSERT(validate_genesis(genesis_).has_value(), "MemoryLedger needs a valid genesis");
    auto map = crypto::smt_update(state_nodes_, genesis_state_updates(genesis_));
    CUSTOS_ASSERT(map.has_value(), "the genesis state map builds in memory");
    state_nodes_.apply(map->nodes);
}

Hash32 MemoryLedger::state_root() const {
    auto root = crypto::smt_root(state_nodes_);
    CUSTOS_ASSERT(root.has_value(), "the in-memory state map reads");
    return *root;
}

Height MemoryLedger::height() const {
    return blocks_.empty() ? Height{0} : blocks_.back().header.height;
}

const BlockHeader* MemoryLedger::last_header() const {
    return blocks_.empty() ? nullptr : &blocks_.back().header;
}

std::uint64_t MemoryLedger::log_size() const {
    return leaf_data_.size();
}

Hash32 MemoryLedger::log_root() const {
    return blocks_.empty() ? crypto::merkle_empty_root() : blocks_.back().header.log_root;
}

ApplyContext MemoryLedger::context() const {
    return ApplyContext{.genesis = genesis_,
                        .validators = validators(),
                        .log_nodes = nodes_,
                        .previous = last_header(),
                        .verify_signatures = true,
                        .state_nodes = &state_nodes_,
                        .governance = governance_};
}

RuleResult<EventEffects> MemoryLedger::admit(const Envelope& envelope, TimeMs now) const {
    return admit_event(state_, envelope, now, genesis_);
}

Result<BuiltBlock> MemoryLedger::build(const BlockProposal& proposal) const {
    return build_block(state_, proposal, context());
}

Result<BlockEffects> MemoryLedger::apply(const Block& block) {
    auto effects = apply_block(state_, block, context());
    if (!effects) return effects;
    for (const auto& [key, hash] : effects->log_nodes)
        nodes_.put(key, hash);
    state_nodes_.apply(effects->state_nodes);
    governance_ = effects->governance;
    for (const auto& state : effects->items)
        state_.put_item(state);
    for (const auto& record : effects->officers)
        state_.put_officer(record);
    for (const auto& count : effects->admin_counts)
        state_.put_admin_count(count);
    for (const auto& proposal : effects->proposals)
        state_.put_validator_proposal(proposal);
    if (const auto& adopted = effects->adopted_validators) {
        auto set = std::make_shared<const ValidatorSet>(adopted->set);
        history_.adopt(adopted->adopted_in, set);
        state_.put_validator_epoch(ValidatorEpoch{adopted->adoptions, std::move(set)});
    }
    for (const auto& applied : effects->events) {
        CUSTOS_ASSERT(applied.leaf_index == leaf_data_.size(), "events are appended in log order");
        state_.add_event(applied.id);
        event_index_.emplace(applied.id, applied.leaf_index);
        leaf_data_.push_back(applied.leaf_data);
    }
    for (const auto& entry : effects->item_events)
        trails_[entry.item].push_back(entry.event);
    for (const auto& read : effects->reads)
        state_.add_read_request(read.request);
    blocks_.push_back(block);
    return effects;
}

Result<BuiltBlock> MemoryLedger::propose_and_apply(const BlockProposal& proposal) {
    auto built = build(proposal);
    if (!built) return built;
    auto applied = apply(built->block);
    if (!applied) return tl::unexpected(applied.error());
    return built;
}

std::optional<std::uint64_t> MemoryLedger::event_index(const EventId& id) const {
    auto found = event_index_.find(id);
    if (found == event_index_.end()) return std::nullopt;
    return found->second;
}

std::vector<EventId> MemoryLedger::item_trail(std::string_view item) const {
    auto found = trails_.find(item);
    return found == trails_.end() ? std::vector<EventId>{} : found->second;
}

}  // namespace custos::ledger
