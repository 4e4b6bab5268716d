// What the core knows about one round of the current height: the proposal, the prevotes and
// precommits by validator, and the voting power behind each value.
//
// A value's power is the power of the distinct validators that signed a vote for it. A
// validator that equivocates is reported (AddResult::conflict) and its second vote still counts
// for the *other* value (at most conflicting_values_max values per validator and type): as in
// CometBFT's vote sets, this is safe (two 2/3 quorums still share an honest validator) and
// needed for liveness, since otherwise honest nodes that saw different halves of an
// equivocation could never agree that a proof-of-lock exists. The "any value" totals count each
// validator once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "consensus/messages.hpp"

namespace custos::consensus {

struct ProposalRecord {
    SignedMessage message;  // Holds a Proposal.
    TimeMs received_at;     // Local time of arrival (own proposals: time of signing).
    CheckpointRef checkpoint;

    [[nodiscard]] const Proposal& proposal() const { return std::get<Proposal>(message.body); }
};

inline constexpr std::size_t conflicting_values_max = 2;

// Result of adding a message to a round.
enum class AddResult : std::uint8_t { added, duplicate, conflict };

class RoundState {
public:
    explicit RoundState(std::vector<std::uint64_t> powers);

    // `known_value`: the vote names a block proposed at this height. A conflicting vote for such
    // a block always counts (it may complete a proof-of-lock); one for any other value counts
    // only within conflicting_values_max, so a validator spamming random values stays bounded.
    AddResult add_vote(std::size_t sender, const SignedMessage& message, bool known_value);
    AddResult set_proposal(std::size_t sender, ProposalRecord record);
    // The vote already held from `sender` of the same type, for evidence.
    [[nodiscard]] const SignedMessage* held_vote(std::size_t sender, VoteType type) const;

    [[nodiscard]] const std::optional<ProposalRecord>& proposal() const { return proposal_; }
    [[nodiscard]] std::uint64_t prevote_power(const std::optional<BlockHash>& block) const;
    [[nodiscard]] std::uint64_t precommit_power(const std::optional<CheckpointRef>& checkpoint) const;
    [[nodiscard]] std::uint64_t prevote_total() const { return prevote_total_; }
    [[nodiscard]] std::uint64_t precommit_total() const { return precommit_total_; }
    // Power of distinct validators that sent anything in this round (the f+1 round-skip rule).
    [[nodiscard]] std::uint64_t seen_power() const { return seen_power_; }
    // Votes for one value, by validator index (in validator order).
    [[nodiscard]] const std::map<std::size_t, SignedMessage>* prevotes_for(
        const std::optional<BlockHash>& block) const;
    [[nodiscard]] const std::map<std::size_t, SignedMessage>* precommits_for(
        const CheckpointRef& checkpoint) const;

    // "For the first time" flags of Algorithm 1 (lines 34, 36, 47).
    bool prevote_timeout_scheduled = false;
    bool precommit_timeout_scheduled = false;
    bool locked_or_valid_updated = false;

private:
    void mark_seen(std::size_t sender);

    std::vector<std::uint64_t> powers_;
    std::optional<ProposalRecord> proposal_;
    struct Tally {
        std::uint64_t power = 0;
        std::map<std::size_t, SignedMessage> votes;
    };
    std::vector<std::optional<SignedMessage>> prevotes_;    // First prevote of each validator.
    std::vector<std::optional<SignedMessage>> precommits_;  // First precommit of each validator.
    std::vector<std::uint8_t> extra_prevotes_;              // Conflicting values counted.
    std::vector<std::uint8_t> extra_precommits_;
    std::map<std::optional<BlockHash>, Tally> prevote_tally_;
    std::map<std::optional<CheckpointRef>, Tally> precommit_tally_;
    std::uint64_t prevote_total_ = 0;
    std::uint64_t precommit_total_ = 0;
    std::vector<bool> seen_;
    std::uint64_t seen_power_ = 0;
};

}  // namespace custos::consensus
