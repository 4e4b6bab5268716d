#include "sim/simulation.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <sodium.h>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "sim/world.hpp"

namespace custos::sim {
namespace {

constexpr std::int64_t clock_precision_ms = 500;
constexpr std::int64_t fault_tick_min_ms = 500;
constexpr std::int64_t fault_tick_max_ms = 3000;
constexpr std::int64_t restart_min_ms = 200;
constexpr std::int64_t restart_max_ms = 5000;
// A restarted node votes again after up to this long (custos-node: once it heard its peers).
constexpr std::int64_t resume_voting_max_ms = 2000;
constexpr std::int64_t reorder_delay_max_ms = 2000;
constexpr std::size_t verified_cache_max = 4096;

crypto::SecretKey validator_key(std::size_t index) {
    const Hash32 seed = crypto::sha256("custos-sim validator " + std::to_string(index));
    auto key = crypto::SecretKey::from_seed(seed.view());
    CUSTOS_ASSERT(key.has_value(), "a 32-byte seed always makes a key");
    return std::move(*key);
}

std::string validator_name(std::size_t index) {
    return "AG" + std::to_string(index) + ".validator";
}

}  // namespace

World::World(const SimConfig& config, bool measure_core)
    : config_(config),
      measure_core_(measure_core),
      rng_(config.seed),
      trace_(std::getenv("CUSTOS_SIM_TRACE") != nullptr) {
    // Idempotent; SecretKey's guarded memory needs libsodium initialised.
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium initialises");
}

void World::setup() {
    const std::size_t count = config_.validators;
    CUSTOS_ASSERT(count >= 1 && count <= 10, "validators in 1..10");
    // With set changes one more node (and agency) exists, outside the genesis set.
    const std::size_t node_count = config_.set_change ? count + 1 : count;
    genesis_ = std::make_unique<ledger::Genesis>();
    genesis_->chain_id = std::string(sim_chain_id);
    genesis_->genesis_time = ledger::TimeMs{sim_genesis_time_ms};
    std::vector<crypto::SecretKey> keys;
    for (std::size_t index = 0; index < count; ++index) {
        genesis_->agencies.push_back(ledger::Agency{"AG" + std::to_string(index), "Agency", "EU"});
        keys.push_back(validator_key(index));
        const std::uint64_t power = config_.unequal_power ? 1 + rng_.below(9) : 10;
        genesis_->validators.validators.push_back(
            ledger::Validator{validator_name(index), "AG" + std::to_string(index), keys.back().public_key(),
                              power, "127.0.0.1:" + std::to_string(9000 + index)});
    }
    if (config_.set_change) {
        genesis_->agencies.push_back(ledger::Agency{"AG" + std::to_string(count), "Agency", "EU"});
        keys.push_back(validator_key(count));
        std::vector<crypto::SecretKey> admin_keys;
        setup_governance(admin_keys);
    }
    if (config_.heartbeat_ms > 0) setup_workload();
    auto valid = ledger::validate_genesis(*genesis_);
    CUSTOS_ASSERT(valid.has_value(), "the simulator's genesis is valid");

    params_.chain_id = genesis_->chain_id;
    params_.validators = genesis_->validators;
    params_.clock_precision_ms = clock_precision_ms;
    params_.heartbeat_ms = config_.sabotage_eager_empty ? 0 : config_.heartbeat_ms;
    verifier_ = std::make_unique<consensus::MessageVerifier>(params_.chain_id, params_.validators);

    // Byzantine validators: the lowest-power ones, as many as asked while their power stays
    // below a third of the total (f of 3f+1 by power).
    std::vector<std::size_t> order(count);
    for (std::size_t index = 0; index < count; ++index)
        order[index] = index;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t left, std::size_t right) {
        return params_.validators.validators[left].power < params_.validators.validators[right].power;
    });
    const std::uint64_t total = params_.validators.total_power();
    std::uint64_t byzantine_power = 0;
    std::vector<bool> honest(node_count, true);
    for (std::size_t chosen = 0; chosen < config_.byzantine && chosen < count; ++chosen) {
        const auto power = params_.validators.validators[order[chosen]].power;
        if ((byzantine_power + power) * 3 >= total) break;
        byzantine_power += power;
        honest[order[chosen]] = false;
    }
    checker_ = std::make_unique<InvariantChecker>(params_.chain_id, params_.validators, honest);
    if (config_.heartbeat_ms > 0)
        checker_->set_heartbeat(config_.heartbeat_ms, ledger::TimeMs{sim_genesis_time_ms - 1});
    if (config_.set_change) {
        std::vector<std::string> names;
        for (std::size_t index = 0; index < node_count; ++index) {
            names.push_back(validator_name(index));
            node_of_name_[validator_name(index)] = index;
        }
        checker_->set_node_names(std::move(names));
    }
    blocked_.assign(node_count, std::vector<bool>(node_count, false));
    nodes_.resize(node_count);
    for (std::size_t index = 0; index < node_count; ++index) {
        Node& node = nodes_[index];
        node.index = index;
        node.honest = honest[index];
        node.mode =
            config_.byzantine_mode ? *config_.byzantine_mode : static_cast<ByzantineMode>(rng_.below(5));
        node.signer = std::make_unique<MeteredSigner>(validator_name(index), std::move(keys[index]),
                                                      measure_core_ ? &stats_.sign_seconds : nullptr);
        node.ledger = std::make_unique<ledger::MemoryLedger>(*genesis_);
        node.skew_ms = rng_.range(-clock_precision_ms / 2, clock_precision_ms / 2);
    }
}

ledger::ApplyContext World::apply_context(const Node& node) const {
    return ledger::ApplyContext{.genesis = node.ledger->genesis(),
                                .validators = node.ledger->validators(),
                                .log_nodes = node.ledger->log_nodes(),
                                .previous = node.ledger->last_header(),
                                .verify_signatures = true,
                                .state_nodes = &node.ledger->state_nodes(),
                                .governance = node.ledger->governance()};
}

void World::start_node(std::size_t index) {
    Node& node = nodes_[index];
    node.up = true;
    std::deque<consensus::Input> follow_ups;
    build_core(index, follow_ups);
    while (node.up && node.core) {
        if (follow_ups.empty()) {
            auto change = pool_change(node);
            if (!change) break;
            follow_ups.push_back(std::move(*change));
        }
        auto input = std::move(follow_ups.front());
        follow_ups.pop_front();
        auto next = node.core->step(std::move(input), local_time(node));
        carry_out(index, next, follow_ups);
    }
}

void World::restart_node(std::size_t index) {
    Node& node = nodes_[index];
    node.paused = true;
    ++node.restarts;
    start_node(index);
    push(Event{now_ + rng_.range(0, resume_voting_max_ms), 0, EventKind::resume_voting, index, index,
               node.restarts});
}

void World::build_core(std::size_t index, std::deque<consensus::Input>& follow_ups) {
    Node& node = nodes_[index];
    node.core.reset();
    const auto* last = node.ledger->last_header();
    const ledger::Height next{node.ledger->height().value + 1};
    if (!config_.set_change) {
        consensus::StartState start{next, last ? last->time : ledger::TimeMs{sim_genesis_time_ms - 1},
                                    last ? ledger::block_hash(*last) : ledger::BlockHash{}, node.persisted,
                                    !node.paused};
        node.core = std::make_unique<consensus::Core>(params_, *node.signer, std::move(start));
    } else {
        // The set in force at the next height; a node outside it is an observer (no core) that
        // only syncs, exactly as custos-node runs.
        const auto& set = node.ledger->validators();
        node.core_set_hash = set_info(set).hash;
        if (set.find(node.signer->public_key()) == nullptr) {
            checker_->on_height(index, next);
            return;
        }
        consensus::Params params = params_;
        params.validators = set;
        consensus::StartState start{next, last ? last->time : ledger::TimeMs{sim_genesis_time_ms - 1},
                                    last ? ledger::block_hash(*last) : ledger::BlockHash{}, node.persisted,
                                    !node.paused};
        node.core = std::make_unique<consensus::Core>(std::move(params), *node.signer, std::move(start));
    }
    checker_->on_height(index, node.core->height());
    auto ready = node.core->start(local_time(node));
    carry_out(index, ready, follow_ups);
}

void World::crash_node(std::size_t index) {
    Node& node = nodes_[index];
    node.up = false;
    node.core.reset();  // Everything not persisted is gone.
    node.pool.clear();
    ++node.epoch;
    ++stats_.crashes;
    push(Event{now_ + rng_.range(restart_min_ms, restart_max_ms), 0, EventKind::restart, index});
}

void World::drive(std::size_t index, consensus::Input input) {
    Node& node = nodes_[index];
    std::deque<consensus::Input> follow_ups;
    follow_ups.push_back(std::move(input));
    while (node.up && node.core) {
        if (follow_ups.empty()) {
            // As custos-node's runtime: the core forgets at each height that the pool holds events.
            auto change = pool_change(node);
            if (!change) break;
            follow_ups.push_back(std::move(*change));
        }
        auto next_input = std::move(follow_ups.front());
        follow_ups.pop_front();
        if (const auto* received = std::get_if<consensus::MessageReceived>(&next_input)) {
            if (std::holds_alternative<consensus::Vote>(received->message.body())) ++stats_.votes_processed;
        }
        consensus::Ready ready;
        if (measure_core_) {
            const auto begin = std::chrono::steady_clock::now();
            ready = node.core->step(std::move(next_input), local_time(node));
            stats_.core_seconds +=
                std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
        } else {
            ready = node.core->step(std::move(next_input), local_time(node));
        }
        carry_out(index, ready, follow_ups);
    }
    if (trace_ && node.up && node.core) {
        std::fprintf(stderr, "t=%lld node %zu h=%llu r=%u step=%d locked=%d\n", static_cast<long long>(now_),
                     index, static_cast<unsigned long long>(node.core->height().value),
                     node.core->round().value, static_cast<int>(node.core->current_step()),
                     node.core->locked_round() ? static_cast<int>(node.core->locked_round()->value) : -1);
    }
    if (node.up && node.core) checker_->on_height(index, node.core->height());
}

void World::carry_out(std::size_t index, consensus::Ready& ready, std::deque<consensus::Input>& follow_ups) {
    Node& node = nodes_[index];
    // 1. Persist: decided blocks and the consensus state, before anything leaves the node.
    for (const auto& decision : ready.decisions) {
        // The set in force at the decided height, read before the block is applied.
        const ledger::ValidatorSet in_force = node.ledger->validators();
        auto applied = node.ledger->apply(decision.block);
        Status status = applied ? Status{} : Status{tl::unexpected(applied.error())};
        checker_->on_decision(index, decision, status, &in_force);
        node.commits.emplace(decision.block.header.height.value,
                             consensus::Commit{decision.block, decision.round, decision.certificate});
    }
    if (!ready.decisions.empty()) after_decision();
    if (ready.persist) node.persisted = *ready.persist;
    stats_.evidence_found += ready.evidence.size();
    if (faults_active_ && node.honest && rng_.chance(config_.crash_mid_ready)) {
        crash_node(index);  // Persisted, but nothing sent: the restart must cope.
        return;
    }
    // A set boundary: rebuild the core from the persisted state (as after a restart) and drop
    // the rest of this Ready, as the node runtime does (consensus/runtime/node_sets.cpp).
    if (config_.set_change && !ready.decisions.empty() &&
        set_info(node.ledger->validators()).hash != node.core_set_hash) {
        ++node.epoch;  // The old core's timeouts are dropped with it.
        follow_ups.clear();
        build_core(index, follow_ups);
        return;
    }
    // 2. Then send, schedule and answer.
    for (const auto& outbound : ready.messages) {
        // Validator indices are into the core's set; the network addresses nodes.
        const consensus::Outbound addressed{node_for(node, outbound.to), outbound.message};
        if (outbound.to && !addressed.to) continue;
        if (node.honest) {
            send_honest(index, addressed);
        } else {
            send_byzantine(index, addressed);
        }
    }
    for (const auto& behind : ready.peers_behind) {
        auto found = node.commits.find(behind.height.value);
        const auto to = node_for(node, behind.validator);
        if (found != node.commits.end() && to) {
            transmit(index, *to, consensus::encode(consensus::SignedMessage{found->second, {}, {}}));
        }
    }
    for (const auto& timeout : ready.timeouts) {
        push(Event{now_ + timeout.delay_ms, 0, EventKind::timeout, index, index, node.epoch, {}, timeout});
    }
    for (const auto& request : ready.proposal_requests) {
        auto candidates = governance_candidates(node);
        for (auto& envelope : pool_candidates(node))
            candidates.push_back(std::move(envelope));
        auto built = node.ledger->build(
            ledger::BlockProposal{std::move(candidates), request.time, node.signer->name()});
        CUSTOS_ASSERT(built.has_value(), "a block of valid or dropped candidates always builds");
        follow_ups.push_back(
            consensus::ProposalBuilt{request.height, request.round, std::move(built->block)});
    }
    for (const auto& request : ready.validation_requests) {
        auto applied = ledger::apply_block(node.ledger->state(), request.block, apply_context(node));
        const bool valid = request.height.value == node.ledger->height().value + 1 && applied.has_value();
        if (trace_) {
            std::fprintf(stderr, "t=%lld node %zu verdict h=%llu %s\n", static_cast<long long>(now_), index,
                         static_cast<unsigned long long>(request.height.value),
                         applied ? "valid" : applied.error().to_string().c_str());
        }
        follow_ups.push_back(consensus::ValidityVerdict{request.height, request.block_id, valid});
    }
}

void World::send_honest(std::size_t index, const consensus::Outbound& outbound) {
    checker_->on_signed(index, outbound.message);
    if (trace_) {
        if (const auto* proposal = std::get_if<consensus::Proposal>(&outbound.message.body)) {
            std::fprintf(stderr, "node %zu sends proposal h=%llu r=%u pol=%d block=%.12s time=%lld\n", index,
                         static_cast<unsigned long long>(proposal->height.value), proposal->round.value,
                         proposal->pol_round ? static_cast<int>(proposal->pol_round->value) : -1,
                         crypto::hex_encode(proposal->block_id.hash.view()).c_str(),
                         static_cast<long long>(proposal->block.header.time.value));
        } else {
            std::fprintf(stderr, "node %zu sends %.300s\n", index,
                         consensus::encode(outbound.message).c_str());
        }
    }
    transmit(index, outbound.to, consensus::encode(outbound.message));
    const auto* vote = std::get_if<consensus::Vote>(&outbound.message.body);
    if (config_.sabotage_double_sign && !sabotaged_ && index == 0 && vote &&
        vote->type == consensus::VoteType::prevote) {
        // On purpose: an honest node signs a second, different prevote for the same slot.
        sabotaged_ = true;
        auto other = vote->block ? std::optional<ledger::BlockHash>{} : std::optional(ledger::BlockHash{});
        auto second = consensus::sign_vote(*nodes_[index].signer, params_.chain_id,
                                           consensus::make_prevote(vote->height, vote->round, other));
        checker_->on_signed(index, second);
        transmit(index, std::nullopt, consensus::encode(second));
    }
}

void World::transmit(std::size_t from, std::optional<std::size_t> to, const std::string& bytes) {
    // One shared copy of the bytes for every receiver (an oversized message is 2 MiB).
    const auto shared = std::make_shared<const std::string>(bytes);
    if (to) {
        transmit_one(from, *to, shared);
        return;
    }
    for (std::size_t peer = 0; peer < nodes_.size(); ++peer) {
        if (peer != from) transmit_one(from, peer, shared);
    }
}

void World::transmit_one(std::size_t from, std::size_t to, const std::shared_ptr<const std::string>& bytes) {
    std::int64_t delay = rng_.range(0, config_.delay_max_ms);
    if (faults_active_) {
        if (blocked_[from][to] || rng_.chance(config_.loss)) return;
        if (rng_.chance(config_.reorder)) delay += rng_.range(0, reorder_delay_max_ms);
        if (rng_.chance(config_.duplicate)) {
            push(Event{now_ + delay + rng_.range(0, config_.delay_max_ms), 0, EventKind::deliver, to, from, 0,
                       bytes});
        }
    }
    push(Event{now_ + delay, 0, EventKind::deliver, to, from, 0, bytes});
}

void World::push(Event event) {
    event.sequence = sequence_++;
    queue_.push(std::move(event));
}

void World::handle(Event& event) {
    Node& node = nodes_[event.node];
    switch (event.kind) {
        case EventKind::deliver: {
            if (!node.up) return;
            if (config_.set_change) {
                deliver_with_sets(event);
                return;
            }
            ++stats_.messages_delivered;
            if (event.bytes->size() > consensus::message_bytes_max) return;  // Refused by size alone.
            const Hash32 digest = crypto::sha256(*event.bytes);
            auto cached = verified_cache_.find(digest);
            if (cached == verified_cache_.end()) {
                if (verified_cache_.size() >= verified_cache_max) verified_cache_.clear();
                auto verified = verifier_->verify(*event.bytes);
                if (!verified && trace_) {
                    std::fprintf(stderr, "refused: %s\n", verified.error().to_string().c_str());
                }
                std::optional<consensus::VerifiedMessage> entry;
                if (verified) entry = std::move(*verified);
                cached = verified_cache_.emplace(digest, std::move(entry)).first;
            }
            if (!cached->second) return;  // Refused at the edge: never reaches the core.
            drive(event.node, consensus::MessageReceived{*cached->second});
            return;
        }
        case EventKind::timeout:
            if (node.up && event.epoch == node.epoch)
                drive(event.node, consensus::TimeoutFired{event.timeout});
            return;
        case EventKind::restart:
            if (!node.up) restart_node(event.node);
            return;
        case EventKind::resume_voting:
            if (!node.up || event.epoch != node.restarts || !node.paused) return;
            node.paused = false;
            if (node.core) drive(event.node, consensus::SetVoting{true});
            return;
        case EventKind::fault_tick:
            fault_tick();
            return;
        case EventKind::heal:
            heal();
            return;
        case EventKind::sync_tick:
            sync_tick();
            return;
        case EventKind::submit:
            submit_burst();
            return;
        case EventKind::event_arrival:
            hear_event(event.node, event.item);
            return;
        case EventKind::probe:
            submit_probe();
            return;
    }
}

void World::fault_tick() {
    if (!faults_active_) return;
    const std::size_t count = nodes_.size();
    for (auto& row : blocked_)
        std::fill(row.begin(), row.end(), false);
    if (rng_.chance(config_.partition)) {
        if (rng_.chance(0.5)) {  // Symmetric: two sides that cannot hear each other.
            std::vector<bool> side(count);
            for (std::size_t index = 0; index < count; ++index)
                side[index] = rng_.chance(0.5);
            for (std::size_t from = 0; from < count; ++from) {
                for (std::size_t to = 0; to < count; ++to)
                    blocked_[from][to] = side[from] != side[to];
            }
        } else {  // Asymmetric: some links fail in one direction only.
            for (std::size_t from = 0; from < count; ++from) {
                for (std::size_t to = 0; to < count; ++to)
                    blocked_[from][to] = from != to && rng_.chance(0.3);
            }
        }
    }
    std::size_t down = 0;
    for (const auto& node : nodes_)
        down += node.up ? 0 : 1;
    if (rng_.chance(config_.crash) && down < 2) {
        const std::size_t victim = rng_.below(count);
        if (nodes_[victim].up && nodes_[victim].honest) crash_node(victim);
    }
    push(Event{now_ + rng_.range(fault_tick_min_ms, fault_tick_max_ms), 0, EventKind::fault_tick});
}

void World::heal() {
    if (!faults_active_) return;
    faults_active_ = false;
    heal_time_ = now_;
    for (auto& row : blocked_)
        std::fill(row.begin(), row.end(), false);
    const auto& decided = checker_->decided();
    liveness_target_ = (decided.empty() ? 0 : decided.rbegin()->first) + config_.liveness_heights;
    for (std::size_t index = 0; index < nodes_.size(); ++index) {
        if (!nodes_[index].up) restart_node(index);
    }
    if (config_.heartbeat_ms > 0) resubmit_uncommitted();
}

std::string World::describe_nodes() const {
    static constexpr const char* steps[] = {"propose", "prevote", "precommit"};
    std::string out = "nodes:";
    for (const auto& node : nodes_) {
        out += " [" + std::to_string(node.index) + (node.honest ? "" : " byzantine") +
               (node.up ? "" : " down") + " stored=" + std::to_string(node.ledger->height().value);
        if (node.core) {
            out += " h=" + std::to_string(node.core->height().value) +
                   " r=" + std::to_string(node.core->round().value) + " " +
                   steps[static_cast<std::size_t>(node.core->current_step())] +
                   (node.core->voting() ? "" : " not-voting");
        }
        out += "]";
    }
    return out;
}

bool World::liveness_reached() const {
    for (const auto& node : nodes_) {
        if (node.honest && node.ledger->height().value < liveness_target_) return false;
    }
    // A set-change run must also see both changes in force (the network really switched sets);
    // a heartbeat run, every event committed and the probe ordered.
    return (!config_.set_change || count_set_changes() >= 2) && workload_done();
}

SimResult World::run() {
    setup();
    for (std::size_t index = 0; index < nodes_.size(); ++index)
        start_node(index);
    push(Event{rng_.range(fault_tick_min_ms, fault_tick_max_ms), 0, EventKind::fault_tick});
    // A heartbeat run's fault phase spans a few heartbeats, so that idle gaps (and heartbeats)
    // meet crashes and partitions.
    const std::int64_t fault_ms =
        config_.heartbeat_ms > 0 ? std::max(config_.fault_ms, 3 * config_.heartbeat_ms) : config_.fault_ms;
    push(Event{fault_ms, 0, EventKind::heal});
    if (config_.set_change) push(Event{sync_interval_ms, 0, EventKind::sync_tick});
    if (config_.heartbeat_ms > 0) push(Event{rng_.range(0, config_.heartbeat_ms), 0, EventKind::submit});
    // A heartbeat run's liveness phase holds an idle gap of two heartbeats before its probe.
    const std::int64_t liveness_ms = config_.heartbeat_ms > 0
                                         ? std::max(config_.liveness_ms, 4 * config_.heartbeat_ms + 30'000)
                                         : config_.liveness_ms;
    SimResult result;
    while (!queue_.empty() && !checker_->violation()) {
        if (stats_.steps++ >= config_.steps_max) {
            result.violation = Violation{Invariant::liveness, "step bound reached before liveness"};
            break;
        }
        Event event = queue_.top();
        queue_.pop();
        now_ = event.time;
        handle(event);
        const auto& decided = checker_->decided();
        if (faults_active_ && !decided.empty() && decided.rbegin()->first >= config_.heights) heal();
        if (!faults_active_ && liveness_reached()) break;
        if (auto missed = workload_violation()) {
            result.violation = std::move(missed);
            break;
        }
        if (!faults_active_ && now_ > heal_time_ + liveness_ms) {
            result.violation = Violation{
                Invariant::liveness,
                "honest nodes did not reach height " + std::to_string(liveness_target_) +
                    (config_.set_change ? " with both validator-set changes in force" : "") + " within " +
                    std::to_string(liveness_ms) + " ms after the faults healed; " + describe_nodes()};
            break;
        }
    }
    if (checker_->violation()) result.violation = checker_->violation();
    stats_.heights_decided = checker_->decided().empty() ? 0 : checker_->decided().rbegin()->first;
    stats_.simulated_ms = now_;
    if (config_.set_change) stats_.set_changes = count_set_changes();
    stats_.empty_blocks = checker_->empty_blocks();
    result.stats = stats_;
    return result;
}

SimResult run_simulation(const SimConfig& config, bool measure_core) {
    World world(config, measure_core);
    return world.run();
}

}  // namespace custos::sim
