// The upon-rules of Algorithm 1 ("The latest gossip on BFT consensus"), evaluated after every
// input until none fires. Line numbers refer to the paper's Algorithm 1.
#include "common/assert.hpp"
#include "consensus/core.hpp"
#include "crypto/signed_note.hpp"

namespace custos::consensus {
namespace {

std::int64_t grow(std::int64_t base, std::int64_t delta, Round round) {
    return base +
           delta * static_cast<std::int64_t>(std::min<std::uint32_t>(round.value, rounds_kept_max * 4));
}

}  // namespace

void Core::evaluate() {
    for (std::size_t pass = 0; pass < evaluate_iterations_max; ++pass) {
        if (try_decide()) continue;
        if (try_round_skip()) continue;
        if (try_propose_step()) continue;
        if (try_prevote_rules()) continue;
        return;
    }
}

bool Core::try_decide() {  // Line 49: a proposal and 2f+1 precommits for it, in any round.
    for (const auto& [round_number, round] : rounds_) {
        const auto& record = round.proposal();
        if (!record || !ledger::exceeds_two_thirds(round.precommit_power(record->checkpoint), total_power_)) {
            continue;
        }
        const auto& proposal = record->proposal();
        if (verdict(proposal.block_id) != true) continue;
        const Round round_value{round_number};
        const Block block = proposal.block;
        const BlockHash block_id = proposal.block_id;
        decide(block, block_id, round_value, build_certificate(block, round_value));
        return true;
    }
    return false;
}

bool Core::try_round_skip() {  // Line 55: f+1 of the power is already in a later round.
    for (auto it = rounds_.rbegin(); it != rounds_.rend() && it->first > round_.value; ++it) {
        if (it->second.seen_power() * 3 > total_power_) {
            start_round(Round{it->first});
            return true;
        }
    }
    return false;
}

bool Core::try_propose_step() {  // Lines 22 and 28.
    if (step_ != Step::propose) return false;
    auto& round = round_state(round_);
    if (!round.proposal()) return false;
    const auto& record = *round.proposal();
    const auto& proposal = record.proposal();
    const auto valid = verdict(proposal.block_id);
    if (!valid) return false;  // Waiting for the application's verdict.
    const bool unlocked_or_same = !locked_round_ || locked_id_ == proposal.block_id;
    if (!proposal.pol_round) {
        const bool accept = *valid && timely(record) && unlocked_or_same;
        send_prevote(accept ? std::optional(proposal.block_id) : std::nullopt);
        step_ = Step::prevote;
        return true;
    }
    const Round pol = *proposal.pol_round;
    auto found = rounds_.find(pol.value);
    if (pol >= round_ || found == rounds_.end() ||
        !ledger::exceeds_two_thirds(found->second.prevote_power(proposal.block_id), total_power_)) {
        return false;
    }
    const bool accept = *valid && (unlocked_or_same || *locked_round_ <= pol);
    send_prevote(accept ? std::optional(proposal.block_id) : std::nullopt);
    step_ = Step::prevote;
    return true;
}

bool Core::try_prevote_rules() {  // Lines 34, 36, 44 and 47.
    auto& round = round_state(round_);
    bool changed = false;
    if (step_ == Step::prevote && !round.prevote_timeout_scheduled &&
        ledger::exceeds_two_thirds(round.prevote_total(), total_power_)) {
        round.prevote_timeout_scheduled = true;
        schedule(TimeoutKind::prevote, round_);
        changed = true;
    }
    const auto& record = round.proposal();
    if (step_ != Step::propose && record && !round.locked_or_valid_updated &&
        verdict(record->proposal().block_id) == true &&
        ledger::exceeds_two_thirds(round.prevote_power(record->proposal().block_id), total_power_)) {
        round.locked_or_valid_updated = true;
        const Block block = record->proposal().block;
        if (step_ == Step::prevote) {
            locked_round_ = round_;
            locked_block_ = block;
            locked_id_ = record->proposal().block_id;
            send_precommit(record->checkpoint);
            step_ = Step::precommit;
        }
        valid_round_ = round_;
        valid_block_ = block;
        valid_proof_.clear();
        for (const auto& [index, vote] : *round.prevotes_for(record->proposal().block_id))
            valid_proof_.push_back(vote);
        dirty_ = true;
        return true;
    }
    if (step_ == Step::prevote &&
        ledger::exceeds_two_thirds(round.prevote_power(std::nullopt), total_power_)) {
        send_precommit(std::nullopt);
        step_ = Step::precommit;
        return true;
    }
    if (!round.precommit_timeout_scheduled &&
        ledger::exceeds_two_thirds(round.precommit_total(), total_power_)) {
        round.precommit_timeout_scheduled = true;
        schedule(TimeoutKind::precommit, round_);
        changed = true;
    }
    return changed;
}

void Core::start_round(Round round) {  // Line 11.
    round_ = round;
    step_ = Step::propose;
    dirty_ = true;
    proposal_deferred_ = false;
    if (round.value == 0 && !has_work()) {
        // Quiet when idle: round 0 waits before its propose step (no propose timeout, so no nil
        // votes and no later rounds) until wake(). Later rounds never wait: one only starts when
        // round 0 did, and from then on the timeouts run as Algorithm 1 has them.
        idle_ = true;
        schedule_heartbeat();
        return;
    }
    idle_ = false;
    schedule(TimeoutKind::propose, round_);
    act_as_proposer();
}

void Core::act_as_proposer() {
    if (!voting_ || rotation_.proposer(height_, round_) != self_) return;
    if (valid_block_) {
        propose_block(*valid_block_, valid_round_);
        return;
    }
    if (!events_pending_ && !heartbeat_passed()) {
        // Nothing to order and no heartbeat due: an empty block now would be invalid. Proposed
        // once events are reported or the heartbeat fires (wake), within this round's timeout.
        proposal_deferred_ = true;
        schedule_heartbeat();
        return;
    }
    proposal_deferred_ = false;
    TimeMs time = std::max(now_, TimeMs{previous_time_.value + 1});
    // Without events the block is a heartbeat: its time must show the interval passed (the
    // heartbeat timer may fire a little before the local clock says so).
    if (!events_pending_) time = std::max(time, TimeMs{previous_time_.value + params_.heartbeat_ms});
    ready_.proposal_requests.push_back(ProposalRequest{height_, round_, time});
}

bool Core::heartbeat_passed() const {
    return params_.heartbeat_ms <= 0 || heartbeat_fired_ ||
           now_.value >= previous_time_.value + params_.heartbeat_ms;
}

bool Core::has_work() const {
    // Signed something at this height already (before a restart): the others may need the rest.
    const auto signed_here = [this](const std::optional<SignedMessage>& last) {
        return last && std::holds_alternative<Vote>(last->body) &&
               std::get<Vote>(last->body).height == height_;
    };
    return events_pending_ || heartbeat_passed() || valid_block_ || locked_block_ ||
           signed_here(last_prevote_) || signed_here(last_precommit_);
}

bool Core::empty_block_allowed(const Block& block) const {
    return !block.events.empty() || block.header.time.value >= previous_time_.value + params_.heartbeat_ms;
}

void Core::schedule_heartbeat() {
    if (heartbeat_scheduled_ || params_.heartbeat_ms <= 0) return;
    heartbeat_scheduled_ = true;
    const std::int64_t due = previous_time_.value + params_.heartbeat_ms;
    ready_.timeouts.push_back(
        Timeout{TimeoutKind::heartbeat, height_, Round{0}, std::max<std::int64_t>(1, due - now_.value)});
}

void Core::wake() {
    if (idle_ && round_.value == 0 && step_ == Step::propose) {
        idle_ = false;
        schedule(TimeoutKind::propose, round_);
        act_as_proposer();
        return;
    }
    idle_ = false;
    if (proposal_deferred_ && step_ == Step::propose) act_as_proposer();
}

void Core::propose_block(const Block& block, std::optional<Round> pol_round) {
    if (!voting_) return;  // See SetVoting: signing nothing new.
    Proposal proposal{height_, round_, pol_round, block, block_hash(block.header)};
    auto message = sign_guarded(last_proposal_, height_, round_,
                                [&] { return sign_proposal(signer_, params_.chain_id, proposal); });
    if (!message) return;
    // The block we proposed (now or before a restart) was built by our own application.
    const auto& signed_proposal = std::get<Proposal>(message->body);
    if (verdicts_.size() < verdicts_max) verdicts_.emplace(signed_proposal.block_id, true);
    ready_.messages.push_back(Outbound{std::nullopt, *message});
    add_proposal(*message, self_);
}

void Core::send_prevote(std::optional<BlockHash> block) {
    if (!voting_) return;  // See SetVoting: signing nothing new.
    auto message = sign_guarded(last_prevote_, height_, round_, [&] {
        return sign_vote(signer_, params_.chain_id, make_prevote(height_, round_, block));
    });
    if (!message) return;
    ready_.messages.push_back(Outbound{std::nullopt, *message});
    add_vote(*message, self_);
}

void Core::send_precommit(const std::optional<CheckpointRef>& checkpoint) {
    if (!voting_) return;  // See SetVoting: signing nothing new.
    auto message = sign_guarded(last_precommit_, height_, round_, [&] {
        return sign_vote(signer_, params_.chain_id, make_precommit(height_, round_, checkpoint));
    });
    if (!message) return;
    ready_.messages.push_back(Outbound{std::nullopt, *message});
    add_vote(*message, self_);
}

std::optional<SignedMessage> Core::sign_guarded(std::optional<SignedMessage>& last, Height height,
                                                Round round, const std::function<SignedMessage()>& sign) {
    if (last) {
        const auto& body = last->body;
        const auto held = std::holds_alternative<Proposal>(body)
                              ? std::pair{std::get<Proposal>(body).height, std::get<Proposal>(body).round}
                              : std::pair{std::get<Vote>(body).height, std::get<Vote>(body).round};
        // Same slot: re-send what was signed, never a different one. Earlier slot: never sign.
        if (held == std::pair{height, round}) return last;
        if (held > std::pair{height, round}) return std::nullopt;
    }
    last = sign();
    dirty_ = true;
    return last;
}

void Core::schedule(TimeoutKind kind, Round round) {
    std::int64_t delay_ms = params_.rebroadcast_ms;
    if (kind == TimeoutKind::propose) {
        delay_ms = grow(params_.timeout_propose_ms, params_.timeout_propose_delta_ms, round);
    } else if (kind == TimeoutKind::prevote) {
        delay_ms = grow(params_.timeout_prevote_ms, params_.timeout_prevote_delta_ms, round);
    } else if (kind == TimeoutKind::precommit) {
        delay_ms = grow(params_.timeout_precommit_ms, params_.timeout_precommit_delta_ms, round);
    }
    ready_.timeouts.push_back(Timeout{kind, height_, round, delay_ms});
}

bool Core::timely(const ProposalRecord& record) const {
    const auto time = record.proposal().block.header.time.value;
    const auto received = record.received_at.value;
    const auto delay =
        grow(params_.message_delay_ms, params_.message_delay_delta_ms, record.proposal().round);
    return time >= received - params_.clock_precision_ms - delay &&
           time <= received + params_.clock_precision_ms;
}

ledger::Certificate Core::build_certificate(const Block& block, Round round) const {
    const auto checkpoint = checkpoint_ref(block.header);
    crypto::Note note;
    note.body = ledger::checkpoint_body(block.header, checkpoint.block, round);
    const auto* precommits = rounds_.at(round.value).precommits_for(checkpoint);
    CUSTOS_ASSERT(precommits != nullptr, "a decision has its precommits");
    for (const auto& [index, message] : *precommits) {
        const auto& validator = params_.validators.validators[index];
        const auto& bytes = message.signature.bytes;
        note.signatures.push_back(crypto::NoteSignature{validator.name,
                                                        crypto::note_key_hash(validator.name, validator.key),
                                                        Bytes(bytes.begin(), bytes.end())});
    }
    return ledger::Certificate{crypto::format_note(note)};
}

void Core::decide(const Block& block, const BlockHash& block_id, Round round,
                  ledger::Certificate certificate) {
    CUSTOS_ASSERT(block.header.height == height_, "decisions are for the current height");
    ready_.decisions.push_back(Decision{block, block_id, round, std::move(certificate)});
    previous_time_ = block.header.time;
    previous_block_ = block_id;
    height_ = Height{height_.value + 1};
    locked_round_.reset();
    locked_block_.reset();
    locked_id_.reset();
    valid_round_.reset();
    valid_block_.reset();
    valid_proof_.clear();
    rounds_.clear();
    verdicts_.clear();
    verdicts_requested_.clear();
    proposed_blocks_.clear();
    events_pending_ = false;  // The runtime reports its pool again for the new height.
    heartbeat_fired_ = false;
    heartbeat_scheduled_ = false;
    start_round(Round{0});
    // Messages that arrived early for the new height are handled now; later ones stay.
    std::deque<VerifiedMessage> waiting;
    waiting.swap(buffered_);
    for (auto& message : waiting)
        on_message(message);
}

PersistentState Core::snapshot() const {
    PersistentState state;
    state.height = height_;
    state.round = round_;
    state.locked_round = locked_round_;
    state.locked_block = locked_block_;
    state.valid_round = valid_round_;
    state.valid_block = valid_block_;
    state.valid_proof = valid_proof_;
    state.last_proposal = last_proposal_;
    state.last_prevote = last_prevote_;
    state.last_precommit = last_precommit_;
    return state;
}

}  // namespace custos::consensus
