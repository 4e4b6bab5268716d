// The consensus core: Tendermint (Buchman, Kwon, Milosevic 2018, Algorithm 1) as a pure state
// machine in the style of etcd's raft: `step(input, now) -> Ready`. No sockets, threads, clocks,
// randomness or disk: the caller feeds verified messages, fired timeouts, the block it built, its
// validity verdicts and the current time, and carries out the Ready in this order:
//   1. persist `ready.persist` (and the decided blocks) durably,
//   2. then send `ready.messages`, schedule `ready.timeouts`, answer the requests.
// Step 1 before 2 is what makes "never two different signatures for one height, round and
// type" hold across crashes: the signing record is part of the persisted state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "consensus/messages.hpp"
#include "consensus/proposer.hpp"
#include "consensus/round_state.hpp"
#include "consensus/verifier.hpp"
#include "ledger/types.hpp"

namespace custos::consensus {

// Windows and bounds: everything the core keeps is limited by one of these.
inline constexpr std::uint32_t rounds_ahead_max = 16;       // Future rounds accepted.
inline constexpr std::size_t rounds_kept_max = 40;          // Rounds of one height kept.
inline constexpr std::uint64_t heights_ahead_max = 2;       // Future heights buffered.
inline constexpr std::size_t buffered_messages_max = 1024;  // Future-height messages kept.
inline constexpr std::size_t evidence_max = 256;            // Equivocations kept.
inline constexpr std::size_t verdicts_max = 256;            // Validity verdicts per height.
inline constexpr std::size_t evaluate_iterations_max = 64;  // Rule passes per input.

struct Params {
    std::string chain_id;
    ledger::ValidatorSet validators;
    // Timeouts grow linearly per round: base + delta * round.
    std::int64_t timeout_propose_ms = 1000;
    std::int64_t timeout_propose_delta_ms = 500;
    std::int64_t timeout_prevote_ms = 500;
    std::int64_t timeout_prevote_delta_ms = 250;
    std::int64_t timeout_precommit_ms = 500;
    std::int64_t timeout_precommit_delta_ms = 250;
    // Own latest messages are re-sent this often, so lost messages do not stall a height.
    std::int64_t rebroadcast_ms = 1000;
    // Proposal time must lie in [receive - precision - delay(round), receive + precision].
    std::int64_t clock_precision_ms = 500;
    std::int64_t message_delay_ms = 1000;
    std::int64_t message_delay_delta_ms = 500;
    // Quiet when idle (genesis `heartbeat_interval_ms`; 0: off, a block at every height at once).
    // With a heartbeat, round 0 of a height waits before its propose step until the runtime
    // reports events (EventsPending), another validator's proposal or vote of the height
    // arrives, or heartbeat_ms has passed since the previous block's time; and a block without
    // events is valid only with a time at least heartbeat_ms after the previous block's.
    std::int64_t heartbeat_ms = 0;
};

enum class Step : std::uint8_t { propose, prevote, precommit };
// heartbeat: the height's heartbeat interval has passed (its delay is computed from the previous
// block's time and the local time, not from the round).
enum class TimeoutKind : std::uint8_t { propose, prevote, precommit, rebroadcast, heartbeat };

struct Timeout {
    TimeoutKind kind = TimeoutKind::propose;
    Height height;
    Round round;
    std::int64_t delay_ms = 0;
};

// What must be on disk before any message of the same Ready leaves the node.
struct PersistentState {
    Height height;
    Round round;
    std::optional<Round> locked_round;
    std::optional<Block> locked_block;
    std::optional<Round> valid_round;
    std::optional<Block> valid_block;
    // The prevotes (> 2/3) that made valid_block valid in valid_round. Kept so that after a
    // crash the node can still prove the lock it re-proposes: without them, a value locked by
    // a node whose peers lost their copies of that round could never be re-proposed.
    std::vector<SignedMessage> valid_proof;
    // Last signed message of each kind: the core never signs a different one for the same or an
    // earlier (height, round), and re-sends the stored one instead.
    std::optional<SignedMessage> last_proposal;
    std::optional<SignedMessage> last_prevote;
    std::optional<SignedMessage> last_precommit;
};

struct StartState {
    Height height{1};          // The height to decide next.
    TimeMs previous_time;      // Time of the block before (genesis time at height 1).
    BlockHash previous_block;  // All zero at height 1.
    std::optional<PersistentState> persisted;
    // Whether this validator signs proposals and votes from the start (see SetVoting).
    bool voting = true;
};

struct Evidence {
    std::string validator;
    SignedMessage first;
    SignedMessage second;
};

struct Decision {
    Block block;
    BlockHash block_id;
    Round round;
    ledger::Certificate certificate;
};

struct ProposalRequest {
    Height height;
    Round round;
    // The earliest time the block may carry (after the previous block's; for a block without
    // events, the heartbeat interval after it). The runtime builds the block after a batching
    // wait and gives it the later of this and its clock then, so that the block's time is not
    // before the events it orders were admitted.
    TimeMs time;
};

struct ValidationRequest {
    Height height;
    BlockHash block_id;
    Block block;
};

struct Outbound {
    std::optional<std::size_t> to;  // Validator index; nullopt broadcasts to all others.
    SignedMessage message;
};

// A validator that is still voting at an earlier height: the runtime sends it the commit
// (block and certificate) of that height from its block store.
struct PeerBehind {
    std::size_t validator = 0;
    Height height;
};

struct Ready {
    std::optional<PersistentState> persist;
    std::vector<Outbound> messages;
    std::vector<Timeout> timeouts;
    std::vector<Decision> decisions;
    std::vector<ProposalRequest> proposal_requests;
    std::vector<ValidationRequest> validation_requests;
    std::vector<Evidence> evidence;
    std::vector<PeerBehind> peers_behind;
};

// Inputs.
struct MessageReceived {
    VerifiedMessage message;
};
struct TimeoutFired {
    Timeout timeout;
};
struct ProposalBuilt {
    Height height;
    Round round;
    Block block;
};
struct ValidityVerdict {
    Height height;
    BlockHash block_id;
    bool valid = false;
};
struct Tick {};
// Whether this validator takes part in voting. While it does not (the runtime's call: e.g. it is
// syncing, more than one block behind the others), the core follows rounds and decides from
// commits and precommits as usual but signs nothing new: no proposal request, proposal, prevote
// or precommit. Not signing is always safe (it looks like lost messages). When voting resumes in
// a step past propose, the core takes the current round up again from its propose step (a
// validator late to the round): never the next round alone, where nobody else may come.
struct SetVoting {
    bool allowed = true;
};
// The runtime's pool holds events to order. Idempotent; the core forgets it at each new height
// (and when the block its proposer built from the pool came out empty), so the runtime sends it
// again whenever its pool holds events and events_pending() is false.
struct EventsPending {};
using Input = std::variant<MessageReceived, TimeoutFired, ProposalBuilt, ValidityVerdict, Tick, SetVoting,
                           EventsPending>;

class Core {
public:
    Core(Params params, const Signer& signer, StartState start);

    [[nodiscard]] Ready start(TimeMs now);
    [[nodiscard]] Ready step(Input input, TimeMs now);

    [[nodiscard]] Height height() const { return height_; }
    [[nodiscard]] Round round() const { return round_; }
    [[nodiscard]] Step current_step() const { return step_; }
    [[nodiscard]] std::optional<Round> locked_round() const { return locked_round_; }
    [[nodiscard]] bool voting() const { return voting_; }
    [[nodiscard]] bool events_pending() const { return events_pending_; }
    // Round 0 waiting for events or the heartbeat, its propose timeout not yet running.
    [[nodiscard]] bool idle() const { return idle_; }
    [[nodiscard]] const std::deque<Evidence>& evidence() const { return evidence_; }
    [[nodiscard]] std::size_t buffered_messages() const { return buffered_.size(); }
    [[nodiscard]] std::size_t self_index() const { return self_; }
    [[nodiscard]] std::size_t proposer(Height height, Round round) {
        return rotation_.proposer(height, round);
    }

private:
    // Input handlers (core.cpp).
    void on_message(const VerifiedMessage& message);
    void on_current_height(const VerifiedMessage& message);
    void on_timeout(const Timeout& timeout);
    void on_proposal_built(const ProposalBuilt& built);
    void on_verdict(const ValidityVerdict& verdict);
    void on_set_voting(bool allowed);
    void on_events_pending();
    void on_commit(const Commit& commit);
    void add_proposal(const SignedMessage& message, std::size_t sender);
    void add_vote(const SignedMessage& message, std::size_t sender);
    void answer_laggard(const VerifiedMessage& message);
    void rebroadcast();

    // Tendermint's rules (core_rules.cpp).
    void evaluate();
    bool try_decide();
    bool try_round_skip();
    bool try_propose_step();
    bool try_prevote_rules();
    void start_round(Round round);
    void act_as_proposer();
    // Quiet when idle (core_rules.cpp).
    [[nodiscard]] bool heartbeat_passed() const;
    [[nodiscard]] bool has_work() const;
    [[nodiscard]] bool empty_block_allowed(const Block& block) const;
    void schedule_heartbeat();
    void wake();
    void decide(const Block& block, const BlockHash& block_id, Round round, ledger::Certificate certificate);
    [[nodiscard]] ledger::Certificate build_certificate(const Block& block, Round round) const;
    void propose_block(const Block& block, std::optional<Round> pol_round);
    void send_prevote(std::optional<BlockHash> block);
    void send_precommit(const std::optional<CheckpointRef>& checkpoint);
    void schedule(TimeoutKind kind, Round round);
    [[nodiscard]] bool timely(const ProposalRecord& proposal) const;
    [[nodiscard]] std::optional<bool> verdict(const BlockHash& block_id) const;
    void request_verdict(const Proposal& proposal);
    RoundState& round_state(Round round);
    void record_evidence(std::size_t sender, const SignedMessage& first, const SignedMessage& second);

    // Signing with the never-twice guard (core_rules.cpp).
    std::optional<SignedMessage> sign_guarded(std::optional<SignedMessage>& last, Height height, Round round,
                                              const std::function<SignedMessage()>& sign);
    [[nodiscard]] PersistentState snapshot() const;

    Params params_;
    const Signer& signer_;
    std::size_t self_ = 0;
    ProposerRotation rotation_;
    std::uint64_t total_power_ = 0;

    Height height_;
    Round round_;
    Step step_ = Step::propose;
    bool voting_ = true;
    TimeMs now_;
    TimeMs previous_time_;
    BlockHash previous_block_;
    std::optional<Round> locked_round_;
    std::optional<Block> locked_block_;
    std::optional<BlockHash> locked_id_;
    std::optional<Round> valid_round_;
    std::optional<Block> valid_block_;
    std::vector<SignedMessage> valid_proof_;
    std::optional<SignedMessage> last_proposal_;
    std::optional<SignedMessage> last_prevote_;
    std::optional<SignedMessage> last_precommit_;
    // Quiet when idle (Params::heartbeat_ms); all of it is for the current height only.
    bool events_pending_ = false;
    bool heartbeat_fired_ = false;
    bool heartbeat_scheduled_ = false;
    bool idle_ = false;               // Round 0 waits: its propose timeout is not running yet.
    bool proposal_deferred_ = false;  // Proposer with nothing to propose yet in this round.

    std::map<std::uint32_t, RoundState> rounds_;
    std::map<BlockHash, bool> verdicts_;
    std::set<BlockHash> verdicts_requested_;
    std::set<BlockHash> proposed_blocks_;  // Blocks proposed at this height (bounded).
    std::deque<VerifiedMessage> buffered_;
    std::deque<Evidence> evidence_;
    std::set<std::string> evidence_keys_;

    // Where the core stood at the last rebroadcast tick: own messages are re-sent only when a
    // whole interval passed without progress, which keeps a healthy network quiet.
    std::tuple<std::uint64_t, std::uint32_t, Step> rebroadcast_position_{0, 0, Step::propose};

    Ready ready_;
    bool dirty_ = false;
};

}  // namespace custos::consensus
