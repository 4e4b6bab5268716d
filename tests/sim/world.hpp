// Internal to the simulator: the nodes, the event queue and the network.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "consensus/core.hpp"
#include "consensus/verifier.hpp"
#include "ledger/blocks/memory_ledger.hpp"
#include "sim/rng.hpp"
#include "sim/simulation.hpp"

namespace custos::sim {

inline constexpr std::string_view sim_chain_id = "custos-sim";
inline constexpr std::int64_t sim_genesis_time_ms = 1'800'000'000'000;
inline constexpr std::int64_t sync_interval_ms = 500;  // Block sync requests (set_change runs).
inline constexpr std::uint64_t sync_batch = 4;         // Commits sent per sync request.
inline constexpr std::size_t set_cache_entries_max = 4096;

// Signs with the validator's key and, for the benchmark, counts the time spent signing.
class MeteredSigner final : public consensus::Signer {
public:
    MeteredSigner(std::string name, crypto::SecretKey key, double* seconds)
        : inner_(std::move(name), std::move(key)), seconds_(seconds) {}
    [[nodiscard]] const std::string& name() const override { return inner_.name(); }
    [[nodiscard]] const crypto::PublicKey& public_key() const override { return inner_.public_key(); }
    [[nodiscard]] crypto::Signature sign(std::string_view bytes) const override {
        if (seconds_ == nullptr) return inner_.sign(bytes);
        const auto begin = std::chrono::steady_clock::now();
        auto signature = inner_.sign(bytes);
        *seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        return signature;
    }

private:
    consensus::KeySigner inner_;
    double* seconds_;
};

struct Node {
    std::size_t index = 0;
    bool honest = true;
    ByzantineMode mode = ByzantineMode::mixed;
    std::unique_ptr<MeteredSigner> signer;
    // Durable: survives a crash.
    std::unique_ptr<ledger::MemoryLedger> ledger;
    std::optional<consensus::PersistentState> persisted;
    std::map<std::uint64_t, consensus::Commit> commits;  // Certificates by height (block store).
    // Volatile: lost in a crash.
    std::unique_ptr<consensus::Core> core;
    bool up = true;
    // After a restart the node follows without voting until a resume event, as custos-node
    // waits to hear its peers' heights before it signs anything (SetVoting).
    bool paused = false;
    std::uint64_t restarts = 0;  // Matches a resume_voting event to its restart.
    std::uint64_t epoch = 0;     // Bumped by each crash; timeouts of an older epoch are dropped.
    std::int64_t skew_ms = 0;
    Hash32 core_set_hash;           // The set the core was built with (no core: not a member).
    std::vector<std::size_t> pool;  // Workload events heard of (indices; volatile: lost in a crash).
};

// A validator set some node's ledger holds, with its hash and a verifier for its members.
struct SetInfo {
    ledger::ValidatorSet set;  // A copy: a cache hit is checked against it (addresses are reused).
    Hash32 hash;
    std::unique_ptr<consensus::MessageVerifier> verifier;
};

enum class EventKind : std::uint8_t {
    deliver,
    timeout,
    fault_tick,
    restart,
    resume_voting,
    heal,
    sync_tick,
    submit,         // Heartbeat runs: a client submits a burst of events to one node.
    event_arrival,  // ... an event reaches a node's pool (`item`: its workload index).
    probe           // ... the probe event after the idle gap.
};

struct Event {
    std::int64_t time = 0;
    std::uint64_t sequence = 0;  // Ties at the same time are processed in scheduling order.
    EventKind kind = EventKind::deliver;
    std::size_t node = 0;
    std::size_t from = 0;
    std::uint64_t epoch = 0;  // timeout: the node's epoch; resume_voting: its restart count.
    std::shared_ptr<const std::string> bytes;
    consensus::Timeout timeout;
    std::size_t item = 0;  // event_arrival: the workload event.
};

struct EventLater {
    bool operator()(const Event& left, const Event& right) const {
        return std::pair{left.time, left.sequence} > std::pair{right.time, right.sequence};
    }
};

class World {
public:
    World(const SimConfig& config, bool measure_core);
    SimResult run();

private:
    void setup();
    void start_node(std::size_t index);
    [[nodiscard]] std::string describe_nodes() const;  // Each node's height, round and step.
    void restart_node(std::size_t index);              // After a crash: paused until a resume_voting event.
    // Builds the core for the node's next height with the set in force there (none when the node
    // is not a member), as the runtime does at start and at a set boundary; runs its start().
    void build_core(std::size_t index, std::deque<consensus::Input>& follow_ups);
    // sim/governance.cpp (set_change runs only).
    void setup_governance(std::vector<crypto::SecretKey>& admin_keys);
    [[nodiscard]] std::vector<ledger::Envelope> governance_candidates(const Node& node) const;
    void deliver_with_sets(Event& event);
    void apply_commit(std::size_t index, const consensus::Commit& commit);
    void sync_tick();
    [[nodiscard]] std::uint64_t count_set_changes() const;
    [[nodiscard]] const SetInfo& set_info(const ledger::ValidatorSet& set);
    [[nodiscard]] std::optional<std::size_t> node_for(const Node& node, std::optional<std::size_t> to) const;
    void crash_node(std::size_t index);
    void handle(Event& event);
    void fault_tick();
    void heal();
    void drive(std::size_t index, consensus::Input input);
    void carry_out(std::size_t index, consensus::Ready& ready, std::deque<consensus::Input>& follow_ups);
    void send_honest(std::size_t index, const consensus::Outbound& outbound);
    void send_byzantine(std::size_t index, const consensus::Outbound& outbound);
    void transmit(std::size_t from, std::optional<std::size_t> to, const std::string& bytes);
    void transmit_one(std::size_t from, std::size_t to, const std::shared_ptr<const std::string>& bytes);
    void push(Event event);
    [[nodiscard]] ledger::TimeMs local_time(const Node& node) const {
        return {sim_genesis_time_ms + now_ + node.skew_ms};
    }
    [[nodiscard]] ledger::ApplyContext apply_context(const Node& node) const;
    [[nodiscard]] consensus::SignedMessage forge_conflict(std::size_t index,
                                                          const consensus::SignedMessage& message);
    [[nodiscard]] bool liveness_reached() const;
    // sim/workload.cpp (heartbeat runs only).
    void setup_workload();
    void submit_burst();
    std::size_t make_event();
    void hear_event(std::size_t index, std::size_t item);
    void gossip_event(std::size_t entry, std::size_t item);
    void submit_probe();
    void resubmit_uncommitted();
    [[nodiscard]] bool committed_everywhere(std::size_t item) const;
    [[nodiscard]] std::vector<ledger::Envelope> pool_candidates(Node& node) const;
    // EventsPending for the node's core when its pool holds events the core does not know of.
    [[nodiscard]] std::optional<consensus::Input> pool_change(Node& node) const;
    void after_decision();  // Schedules the probe once the idle gap after healing has passed.
    [[nodiscard]] std::optional<Violation> workload_violation() const;
    [[nodiscard]] bool workload_done() const;

    SimConfig config_;
    bool measure_core_;
    Rng rng_;
    bool trace_ = false;  // CUSTOS_SIM_TRACE set: print every step to stderr.
    std::unique_ptr<ledger::Genesis> genesis_;
    consensus::Params params_;
    std::unique_ptr<consensus::MessageVerifier> verifier_;
    // Every node verifies with the same set and chain id, and verification is a pure function of
    // the bytes, so one verdict per distinct message serves all receivers (bounded).
    std::map<Hash32, std::optional<consensus::VerifiedMessage>> verified_cache_;
    std::unique_ptr<InvariantChecker> checker_;
    // set_change runs: sets by address (every node's ledger keeps its sets for the whole run).
    std::map<const ledger::ValidatorSet*, SetInfo> set_infos_;
    std::map<std::string, std::size_t> node_of_name_;
    std::map<Hash32, std::optional<ledger::Height>> message_heights_;  // By message digest.
    std::map<std::pair<Hash32, Hash32>, std::optional<consensus::VerifiedMessage>> set_verified_;
    // The governance events, in two phases (add; then remove and change power).
    std::vector<ledger::Envelope> governance_add_;
    std::vector<ledger::Envelope> governance_change_;
    ledger::EventId add_proposal_id_;
    std::vector<Node> nodes_;
    std::priority_queue<Event, std::vector<Event>, EventLater> queue_;
    std::uint64_t sequence_ = 0;
    std::int64_t now_ = 0;
    bool faults_active_ = true;
    std::vector<std::vector<bool>> blocked_;  // blocked_[from][to]
    std::int64_t heal_time_ = -1;
    std::uint64_t liveness_target_ = 0;
    bool sabotaged_ = false;
    SimStats stats_;
    // Heartbeat runs: the workload's events, when each was submitted, the custodian who signs them.
    std::optional<crypto::SecretKey> custodian_;
    std::vector<ledger::Envelope> workload_;
    std::vector<ledger::EventId> workload_ids_;
    std::optional<std::size_t> probe_;  // Workload index of the probe, once submitted.
    std::int64_t probe_time_ = -1;
    bool probe_scheduled_ = false;
};

}  // namespace custos::sim
