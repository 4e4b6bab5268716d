// Quiet when idle in the simulator (SimConfig::heartbeat_ms): clients submit register events in
// bursts with idle gaps, gossip carries them to the other nodes' pools (lost on a blocked link or
// with a crash), and each node's core hears of its pool as custos-node's runtime reports it
// (EventsPending whenever the pool holds events the core does not know of). After the faults
// heal, what is not yet committed is submitted again, and once the network has been idle for two
// heartbeats a probe event must be ordered at once (within half a heartbeat).
#include <algorithm>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"
#include "sim/world.hpp"

namespace custos::sim {
namespace {

constexpr std::uint64_t burst_events_max = 3;
// The probe goes out this long after the first block decided once the idle gap passed: the next
// heartbeat is then almost a whole interval away, so only a prompt proposal meets its bound.
constexpr std::int64_t probe_after_block_ms = 1000;

}  // namespace

void World::setup_workload() {
    auto key = crypto::SecretKey::from_seed(crypto::sha256("custos-sim custodian").view());
    CUSTOS_ASSERT(key.has_value(), "a 32-byte seed always makes a key");
    custodian_ = std::move(*key);
    genesis_->officers.push_back(
        ledger::Officer{custodian_->public_key(), "AG0", {ledger::Role::custodian}, "AG0 custodian"});
    std::sort(genesis_->officers.begin(), genesis_->officers.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
}

std::size_t World::make_event() {
    const std::string item = "SIM-" + std::to_string(workload_.size() + 1);
    ledger::Event event;
    event.chain_id = std::string(sim_chain_id);
    event.kind = ledger::EventKind::register_item;
    event.item = item;
    event.case_id = "CASE-1";
    event.agency = "AG0";
    event.time = ledger::TimeMs{sim_genesis_time_ms + now_};
    event.location = "Evidence room 1";
    event.legal_authority = ledger::LegalAuthority{ledger::AuthorityKind::warrant, "W-SIM-1"};
    event.digests = ledger::Digests{crypto::sha256("content of " + item)};
    event.description = "Simulated exhibit " + item;
    event.seal = "SEAL-" + item;
    workload_ids_.push_back(ledger::event_id(event));
    workload_.push_back(ledger::sign_event(event, *custodian_));
    ++stats_.events_submitted;
    return workload_.size() - 1;
}

void World::submit_burst() {
    if (!faults_active_) return;  // After healing: the resubmission, the idle gap, the probe.
    const std::size_t entry = rng_.below(nodes_.size());
    const auto count = 1 + rng_.below(burst_events_max);
    for (std::uint64_t made = 0; made < count; ++made)
        gossip_event(entry, make_event());
    push(Event{now_ + rng_.range(0, config_.heartbeat_ms * 3 / 2), 0, EventKind::submit});
}

void World::gossip_event(std::size_t entry, std::size_t item) {
    hear_event(entry, item);
    for (std::size_t peer = 0; peer < nodes_.size(); ++peer) {
        if (peer == entry) continue;
        if (faults_active_ && (blocked_[entry][peer] || rng_.chance(config_.loss))) continue;
        Event arrival{now_ + rng_.range(0, config_.delay_max_ms), 0, EventKind::event_arrival, peer, entry};
        arrival.item = item;
        push(std::move(arrival));
    }
}

void World::hear_event(std::size_t index, std::size_t item) {
    Node& node = nodes_[index];
    if (!node.up || std::find(node.pool.begin(), node.pool.end(), item) != node.pool.end()) return;
    if (node.ledger->event_index(workload_ids_[item])) return;
    node.pool.push_back(item);
    if (auto change = pool_change(node)) drive(index, std::move(*change));
}

std::vector<ledger::Envelope> World::pool_candidates(Node& node) const {
    std::erase_if(node.pool, [&](std::size_t item) {
        return node.ledger->event_index(workload_ids_[item]).has_value();
    });
    std::vector<ledger::Envelope> out;
    for (const auto item : node.pool)
        out.push_back(workload_[item]);
    return out;
}

std::optional<consensus::Input> World::pool_change(Node& node) const {
    if (config_.sabotage_ignore_events || !node.core || node.core->events_pending()) return std::nullopt;
    if (pool_candidates(node).empty()) return std::nullopt;
    return consensus::EventsPending{};
}

void World::submit_probe() {
    std::vector<std::size_t> honest;
    for (const auto& node : nodes_) {
        if (node.honest && node.up) honest.push_back(node.index);
    }
    CUSTOS_ASSERT(!honest.empty(), "after healing every node is up");
    probe_ = make_event();
    probe_time_ = now_;
    gossip_event(honest[rng_.below(honest.size())], *probe_);
}

void World::resubmit_uncommitted() {
    // Clients whose events were lost with a crash or a blocked link submit them again, to every node.
    for (std::size_t item = 0; item < workload_.size(); ++item) {
        if (committed_everywhere(item)) continue;
        for (std::size_t index = 0; index < nodes_.size(); ++index)
            hear_event(index, item);
    }
}

bool World::committed_everywhere(std::size_t item) const {
    return std::all_of(nodes_.begin(), nodes_.end(), [&](const Node& node) {
        return !node.honest || node.ledger->event_index(workload_ids_[item]).has_value();
    });
}

void World::after_decision() {
    if (config_.heartbeat_ms <= 0 || faults_active_ || probe_scheduled_) return;
    if (now_ < heal_time_ + 2 * config_.heartbeat_ms) return;
    probe_scheduled_ = true;
    push(Event{now_ + probe_after_block_ms, 0, EventKind::probe});
}

bool World::workload_done() const {
    if (config_.heartbeat_ms <= 0) return true;
    if (!probe_) return false;
    for (std::size_t item = 0; item < workload_.size(); ++item) {
        if (!committed_everywhere(item)) return false;
    }
    return true;
}

std::optional<Violation> World::workload_violation() const {
    if (!probe_ || now_ <= probe_time_ + config_.heartbeat_ms / 2 || committed_everywhere(*probe_)) {
        return std::nullopt;
    }
    return Violation{Invariant::liveness,
                     "the probe event submitted at t=" + std::to_string(probe_time_) +
                         " ms after an idle gap was not committed by every honest node within " +
                         std::to_string(config_.heartbeat_ms / 2) +
                         " ms (events must be ordered at once, not with the next heartbeat); " +
                         describe_nodes()};
}

}  // namespace custos::sim
