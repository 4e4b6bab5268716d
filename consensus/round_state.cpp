#include "consensus/round_state.hpp"

#include "common/assert.hpp"

namespace custos::consensus {

RoundState::RoundState(std::vector<std::uint64_t> powers)
    : powers_(std::move(powers)),
      prevotes_(powers_.size()),
      precommits_(powers_.size()),
      extra_prevotes_(powers_.size(), 0),
      extra_precommits_(powers_.size(), 0),
      seen_(powers_.size(), false) {}

void RoundState::mark_seen(std::size_t sender) {
    if (seen_[sender]) return;
    seen_[sender] = true;
    seen_power_ += powers_[sender];
}

AddResult RoundState::add_vote(std::size_t sender, const SignedMessage& message, bool known_value) {
    CUSTOS_ASSERT(sender < powers_.size(), "sender index comes from the verifier");
    const auto& vote = std::get<Vote>(message.body);
    const bool prevote = vote.type == VoteType::prevote;
    auto& first = prevote ? prevotes_[sender] : precommits_[sender];
    auto& extra = prevote ? extra_prevotes_[sender] : extra_precommits_[sender];
    Tally& tally = prevote ? prevote_tally_[vote.block] : precommit_tally_[vote.checkpoint];
    if (tally.votes.contains(sender)) return AddResult::duplicate;
    AddResult result = AddResult::added;
    if (!first) {
        first = message;
        mark_seen(sender);
        (prevote ? prevote_total_ : precommit_total_) += powers_[sender];
    } else {
        result = AddResult::conflict;
        if (!known_value) {
            if (extra >= conflicting_values_max) return result;
            ++extra;
        }
    }
    tally.votes.emplace(sender, message);
    tally.power += powers_[sender];
    return result;
}

AddResult RoundState::set_proposal(std::size_t sender, ProposalRecord record) {
    if (proposal_) {
        const auto& held = proposal_->proposal();
        const auto& offered = record.proposal();
        return held.block_id == offered.block_id && held.pol_round == offered.pol_round ? AddResult::duplicate
                                                                                        : AddResult::conflict;
    }
    proposal_ = std::move(record);
    mark_seen(sender);
    return AddResult::added;
}

const SignedMessage* RoundState::held_vote(std::size_t sender, VoteType type) const {
    const auto& slot = type == VoteType::prevote ? prevotes_[sender] : precommits_[sender];
    return slot ? &*slot : nullptr;
}

std::uint64_t RoundState::prevote_power(const std::optional<BlockHash>& block) const {
    auto found = prevote_tally_.find(block);
    return found == prevote_tally_.end() ? 0 : found->second.power;
}

std::uint64_t RoundState::precommit_power(const std::optional<CheckpointRef>& checkpoint) const {
    auto found = precommit_tally_.find(checkpoint);
    return found == precommit_tally_.end() ? 0 : found->second.power;
}

const std::map<std::size_t, SignedMessage>* RoundState::prevotes_for(
    const std::optional<BlockHash>& block) const {
    auto found = prevote_tally_.find(block);
    return found == prevote_tally_.end() ? nullptr : &found->second.votes;
}

const std::map<std::size_t, SignedMessage>* RoundState::precommits_for(
    const CheckpointRef& checkpoint) const {
    auto found = precommit_tally_.find(checkpoint);
    return found == precommit_tally_.end() ? nullptr : &found->second.votes;
}

}  // namespace custos::consensus
