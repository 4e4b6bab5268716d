// Input handling: where each input lands in the core's state. The rules of Algorithm 1 that
// react to that state are in core_rules.cpp.
#include "consensus/core.hpp"

#include "common/assert.hpp"
#include "crypto/signed_note.hpp"

namespace custos::consensus {
namespace {

std::vector<std::uint64_t> powers_of(const ledger::ValidatorSet& set) {
    std::vector<std::uint64_t> powers;
    for (const auto& validator : set.validators)
        powers.push_back(validator.power);
    return powers;
}

std::size_t index_of(const ledger::ValidatorSet& set, const std::string& name) {
    for (std::size_t index = 0; index < set.validators.size(); ++index) {
        if (set.validators[index].name == name) return index;
    }
    return set.validators.size();
}

// Height and round a proposal or vote is for.
std::pair<Height, Round> slot_of(const Body& body) {
    if (const auto* proposal = std::get_if<Proposal>(&body)) return {proposal->height, proposal->round};
    const auto& vote = std::get<Vote>(body);
    return {vote.height, vote.round};
}

}  // namespace

Core::Core(Params params, const Signer& signer, StartState start)
    : params_(std::move(params)),
      signer_(signer),
      rotation_(powers_of(params_.validators)),
      height_(start.height),
      previous_time_(start.previous_time),
      previous_block_(start.previous_block) {
    voting_ = start.voting;
    self_ = index_of(params_.validators, signer_.name());
    CUSTOS_ASSERT(self_ < params_.validators.validators.size(), "the signer is a validator of the set");
    CUSTOS_ASSERT(params_.validators.validators[self_].key == signer_.public_key(),
                  "signer key matches the set");
    CUSTOS_ASSERT(height_.value >= 1, "heights start at 1");
    for (const auto& validator : params_.validators.validators)
        total_power_ += validator.power;
    if (start.persisted) {
        auto& persisted = *start.persisted;
        // The signing record always survives: it guards earlier heights too.
        last_proposal_ = persisted.last_proposal;
        last_prevote_ = persisted.last_prevote;
        last_precommit_ = persisted.last_precommit;
        CUSTOS_ASSERT(persisted.height <= height_, "persisted consensus state is never ahead of the chain");
        if (persisted.height == height_) {
            round_ = persisted.round;
            locked_round_ = persisted.locked_round;
            locked_block_ = persisted.locked_block;
            if (locked_block_) locked_id_ = block_hash(locked_block_->header);
            valid_round_ = persisted.valid_round;
            valid_block_ = persisted.valid_block;
            if (valid_block_) proposed_blocks_.insert(block_hash(valid_block_->header));
            if (locked_id_) proposed_blocks_.insert(*locked_id_);
            valid_proof_ = persisted.valid_proof;
            // Own signed votes of this height go back into the tallies, so they are counted and
            // re-sent: a peer may still need them after this node moved on.
            for (const auto* last : {&last_prevote_, &last_precommit_}) {
                if (*last && std::get<Vote>((*last)->body).height == height_) {
                    (void)round_state(std::get<Vote>((*last)->body).round).add_vote(self_, **last, true);
                }
            }
            for (const auto& vote : valid_proof_) {
                const auto sender = index_of(params_.validators, vote.validator);
                CUSTOS_ASSERT(sender < params_.validators.validators.size(),
                              "persisted votes are from validators");
                (void)round_state(*valid_round_).add_vote(sender, vote, true);
            }
        }
    }
}

Ready Core::start(TimeMs now) {
    now_ = now;
    ready_ = Ready{};
    dirty_ = true;
    start_round(round_);
    schedule(TimeoutKind::rebroadcast, round_);
    evaluate();
    if (dirty_) ready_.persist = snapshot();
    dirty_ = false;
    return std::exchange(ready_, Ready{});
}

Ready Core::step(Input input, TimeMs now) {
    if (now > now_) now_ = now;  // Local time as the core sees it never goes back.
    ready_ = Ready{};
    std::visit(
        [this](auto& value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, MessageReceived>) on_message(value.message);
            if constexpr (std::is_same_v<T, TimeoutFired>) on_timeout(value.timeout);
            if constexpr (std::is_same_v<T, ProposalBuilt>) on_proposal_built(value);
            if constexpr (std::is_same_v<T, ValidityVerdict>) on_verdict(value);
            if constexpr (std::is_same_v<T, SetVoting>) on_set_voting(value.allowed);
            if constexpr (std::is_same_v<T, EventsPending>) on_events_pending();
        },
        input);
    evaluate();
    if (dirty_) ready_.persist = snapshot();
    dirty_ = false;
    return std::exchange(ready_, Ready{});
}

void Core::on_message(const VerifiedMessage& message) {
    if (const auto* commit = std::get_if<Commit>(&message.body())) {
        on_commit(*commit);
        return;
    }
    const auto [height, round] = slot_of(message.body());
    if (height < height_) {
        answer_laggard(message);
    } else if (height == height_) {
        on_current_height(message);
    } else if (height.value <= height_.value + heights_ahead_max &&
               buffered_.size() < buffered_messages_max) {
        buffered_.push_back(message);
    }
}

void Core::on_current_height(const VerifiedMessage& message) {
    const auto [height, round] = slot_of(message.body());
    if (round.value > round_.value + rounds_ahead_max) return;
    if (std::holds_alternative<Proposal>(message.body())) {
        add_proposal(message.message(), message.sender());
    } else {
        add_vote(message.message(), message.sender());
    }
    // Another validator is at work on this height (it saw events, its heartbeat passed, or it
    // holds a lock): an idle round 0 starts its propose timeout, so this node never sits out a
    // height the others need it for.
    if (idle_) wake();
}

void Core::add_proposal(const SignedMessage& message, std::size_t sender) {
    const auto& proposal = std::get<Proposal>(message.body);
    // Only the round's proposer may propose; anything else is noise, not evidence.
    if (rotation_.proposer(proposal.height, proposal.round) != sender) return;
    auto& round = round_state(proposal.round);
    const SignedMessage* held = round.proposal() ? &round.proposal()->message : nullptr;
    ProposalRecord record{message, now_, checkpoint_ref(proposal.block.header)};
    // Votes for a proposed block may complete a proof-of-lock, so they count even from an
    // equivocator (see RoundState::add_vote).
    if (proposed_blocks_.size() < rounds_kept_max * 2) proposed_blocks_.insert(proposal.block_id);
    switch (round.set_proposal(sender, record)) {
        case AddResult::added:
            request_verdict(proposal);
            break;
        case AddResult::duplicate:
            break;
        case AddResult::conflict:
            record_evidence(sender, *held, message);
            break;
    }
}

void Core::add_vote(const SignedMessage& message, std::size_t sender) {
    const auto& vote = std::get<Vote>(message.body);
    auto& round = round_state(vote.round);
    const bool known = vote.block && proposed_blocks_.contains(*vote.block);
    if (round.add_vote(sender, message, known) == AddResult::conflict) {
        record_evidence(sender, *round.held_vote(sender, vote.type), message);
    }
}

void Core::record_evidence(std::size_t sender, const SignedMessage& first, const SignedMessage& second) {
    const auto [height, round] = slot_of(first.body);
    const char kind = std::holds_alternative<Proposal>(first.body)           ? 'P'
                      : std::get<Vote>(first.body).type == VoteType::prevote ? 'v'
                                                                             : 'c';
    std::string key = std::to_string(sender) + "/" + std::to_string(height.value) + "/" +
                      std::to_string(round.value) + "/" + kind;
    if (evidence_.size() >= evidence_max || evidence_keys_.contains(key)) return;
    evidence_keys_.insert(std::move(key));
    Evidence evidence{params_.validators.validators[sender].name, first, second};
    evidence_.push_back(evidence);
    ready_.evidence.push_back(std::move(evidence));
}

void Core::answer_laggard(const VerifiedMessage& message) {
    // A validator still voting at an earlier height missed the decision: the runtime sends it
    // the commit from the block store. Only prevotes trigger this, which bounds the answers to
    // the laggard's rebroadcast rate.
    const auto* vote = std::get_if<Vote>(&message.body());
    if (vote == nullptr || vote->type != VoteType::prevote) return;
    ready_.peers_behind.push_back(PeerBehind{message.sender(), vote->height});
}

void Core::on_commit(const Commit& commit) {
    // The verifier checked the certificate (> 2/3 of the power signed this block and round).
    if (commit.block.header.height != height_) return;
    decide(commit.block, block_hash(commit.block.header), commit.round, commit.certificate);
}

void Core::on_timeout(const Timeout& timeout) {
    if (timeout.kind == TimeoutKind::rebroadcast) {
        const std::tuple position{height_.value, round_.value, step_};
        if (position == rebroadcast_position_) rebroadcast();
        rebroadcast_position_ = position;
        schedule(TimeoutKind::rebroadcast, round_);
        return;
    }
    if (timeout.kind == TimeoutKind::heartbeat) {
        if (timeout.height != height_) return;
        heartbeat_fired_ = true;
        wake();
        return;
    }
    if (timeout.height != height_ || timeout.round != round_) return;
    if (timeout.kind == TimeoutKind::propose && step_ == Step::propose) {  // Algorithm 1 line 57.
        send_prevote(std::nullopt);
        step_ = Step::prevote;
    } else if (timeout.kind == TimeoutKind::prevote && step_ == Step::prevote) {  // Line 61.
        send_precommit(std::nullopt);
        step_ = Step::precommit;
    } else if (timeout.kind == TimeoutKind::precommit) {  // Line 65.
        start_round(Round{round_.value + 1});
    }
}

void Core::rebroadcast() {
    // Every own message of this height, not only the latest round: a peer still in an earlier
    // round may be waiting for exactly that precommit, and the network may have lost it.
    // Bounded by rounds_kept_max rounds of one proposal and two votes each.
    // For the current and the previous round, relay every validator's first votes too: the
    // precommits that took us out of the previous round (or the f+1 messages that made us skip)
    // are what a peer stuck there needs, and their signers may have lost them in a crash.
    for (const auto& [round_number, round] : rounds_) {
        if (const auto& record = round.proposal(); record && record->message.validator == signer_.name()) {
            ready_.messages.push_back(Outbound{std::nullopt, record->message});
        }
        const bool relay = round_number + 1 >= round_.value;
        for (std::size_t index = 0; index < params_.validators.validators.size(); ++index) {
            if (index != self_ && !relay) continue;
            for (const auto type : {VoteType::prevote, VoteType::precommit}) {
                if (const auto* vote = round.held_vote(index, type)) {
                    ready_.messages.push_back(Outbound{std::nullopt, *vote});
                }
            }
        }
    }
    // Relay the proof-of-lock behind our valid value: a peer that saw a different half of an
    // equivocation, or lost its copies in a crash, needs exactly these prevotes to accept the
    // value when it is re-proposed.
    for (const auto& vote : valid_proof_) {
        if (vote.validator != signer_.name()) ready_.messages.push_back(Outbound{std::nullopt, vote});
    }
}

void Core::on_proposal_built(const ProposalBuilt& built) {
    if (built.height != height_ || built.round != round_ || step_ != Step::propose) return;
    if (rotation_.proposer(height_, round_) != self_) return;
    const auto& header = built.block.header;
    CUSTOS_ASSERT(
        header.height == height_ && header.time > previous_time_ && header.chain_id == params_.chain_id,
        "the application builds a block for this height, after the previous block");
    if (!empty_block_allowed(built.block)) {
        // The pool's events were all dropped when the block was built: nothing to order after
        // all. Wait again for events or the heartbeat rather than propose what others refuse.
        events_pending_ = false;
        proposal_deferred_ = true;
        schedule_heartbeat();
        return;
    }
    propose_block(built.block, std::nullopt);
}

void Core::on_verdict(const ValidityVerdict& verdict) {
    if (verdict.height != height_ || verdicts_.size() >= verdicts_max) return;
    verdicts_.emplace(verdict.block_id, verdict.valid);
}

void Core::on_set_voting(bool allowed) {
    if (allowed == voting_) return;
    voting_ = allowed;
    if (!voting_) return;
    if (step_ == Step::propose) {
        act_as_proposer();  // The propose timeout of this round is already scheduled.
        return;
    }
    // Past the propose step, this validator signed nothing new in the round while it paused, and
    // the others may be waiting for exactly its votes (with only 2f+1 of the power up, they are).
    // Moving on to the next round alone would leave it there by itself, waiting for them, and
    // them in this round, waiting for it. It takes this round up again from the propose step,
    // as a validator late to it would: the rules run again over the messages it holds, and what
    // it signed here before pausing is re-sent, never replaced (sign_guarded).
    auto& round = round_state(round_);
    round.prevote_timeout_scheduled = false;
    round.locked_or_valid_updated = false;
    step_ = Step::propose;
    idle_ = false;
    dirty_ = true;
    schedule(TimeoutKind::propose, round_);
    act_as_proposer();
}

void Core::on_events_pending() {
    if (events_pending_) return;
    events_pending_ = true;
    wake();
}

void Core::request_verdict(const Proposal& proposal) {
    const auto& id = proposal.block_id;
    if (verdicts_.contains(id) || verdicts_requested_.contains(id)) return;
    const auto& header = proposal.block.header;
    // The checks the core can make itself; the ledger's checks are the application's verdict.
    // A block without events before the heartbeat interval is invalid (consensus/README.md,
    // "Quiet when idle"): a pure function of the block and the previous block's time, so every
    // honest validator gives it the same verdict, whatever its clock or its pool.
    if (header.height != height_ || header.chain_id != params_.chain_id || header.time <= previous_time_ ||
        header.previous != previous_block_ || !empty_block_allowed(proposal.block)) {
        if (verdicts_.size() < verdicts_max) verdicts_.emplace(id, false);
        return;
    }
    if (verdicts_requested_.size() >= verdicts_max) return;
    verdicts_requested_.insert(id);
    ready_.validation_requests.push_back(ValidationRequest{height_, id, proposal.block});
}

std::optional<bool> Core::verdict(const BlockHash& block_id) const {
    auto found = verdicts_.find(block_id);
    if (found == verdicts_.end()) return std::nullopt;
    return found->second;
}

RoundState& Core::round_state(Round round) {
    auto found = rounds_.find(round.value);
    if (found != rounds_.end()) return found->second;
    if (rounds_.size() >= rounds_kept_max) {
        // Forget the oldest round that no rule can still need.
        for (auto it = rounds_.begin(); it != rounds_.end(); ++it) {
            const Round old{it->first};
            if (old != round_ && old != locked_round_ && old != valid_round_) {
                rounds_.erase(it);
                break;
            }
        }
    }
    return rounds_.emplace(round.value, RoundState(powers_of(params_.validators))).first->second;
}

}  // namespace custos::consensus
