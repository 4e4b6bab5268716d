// The deterministic simulator: one 64-bit seed drives the network (delay, loss, duplication,
// reordering, symmetric and asymmetric partitions), crashes and restarts that lose what was not
// persisted (a restarted validator follows without voting for up to 2 s, as custos-node waits to
// hear its peers), clock skew within the configured precision, and Byzantine validators. It runs the
// real core, real Ed25519 signatures, the real message verifier and the ledger's real block
// building and application on an in-memory ledger per node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/invariants.hpp"

namespace custos::sim {

// What a Byzantine validator does with the messages its (real) core produces.
enum class ByzantineMode : std::uint8_t { mixed, equivocate, invalid_votes, garbage, silent };

struct SimConfig {
    std::uint64_t seed = 1;
    std::size_t validators = 4;  // 4..10
    bool unequal_power = false;
    std::size_t byzantine = 0;                    // At most f.
    std::optional<ByzantineMode> byzantine_mode;  // nullopt: chosen per run from the seed.
    // Fault rates during the fault phase (per message or per event).
    double loss = 0.05;
    double duplicate = 0.05;
    double reorder = 0.1;                 // Chance of a long extra delay.
    double partition = 0.3;               // Chance per fault tick of a new partition (else heal).
    double crash = 0.1;                   // Chance per fault tick that an honest node crashes.
    double crash_mid_ready = 0.002;       // Chance a node crashes after persisting, before sending.
    std::uint64_t heights = 6;            // Heights to decide during the fault phase (run length).
    std::uint64_t steps_max = 2'000'000;  // Events processed at most (a bound, not a target).
    std::int64_t fault_ms = 30'000;       // Simulated length of the fault phase.
    std::uint64_t liveness_heights = 2;   // New heights every honest node must decide after healing.
    std::int64_t liveness_ms = 120'000;   // ... within this simulated time.
    std::int64_t delay_max_ms = 200;
    // Validator-set changes by governance events (sim/governance.cpp): genesis has `validators`
    // validators and one more agency whose node starts as an observer; from height
    // `set_change_height` proposers include events adding that agency's validator, and three
    // heights after it is on the ledger, events removing the last genesis validator and doubling
    // the first honest one's power. Cores are rebuilt at each boundary as the node runtime does,
    // and nodes catch up by block sync. Equal powers only.
    bool set_change = false;
    std::uint64_t set_change_height = 2;
    // Quiet when idle (sim/workload.cpp; not with set_change): the cores run with this heartbeat
    // (0: off, empty blocks at once as before). Clients submit register events in bursts to one
    // node, gossiped to the others (lost when a link is down), separated by idle gaps of up to
    // 1.5 heartbeats; the fault phase lasts at least three heartbeats. Every decided block is
    // checked: one without events must come at least a heartbeat after the block before it (the
    // `quiet` invariant). After the faults heal, clients
    // submit again what is not yet committed, the network stays idle for two heartbeats, and a
    // probe event, submitted just after a block, must be committed by every honest node within
    // half a heartbeat (proposers propose at once; not only with the next heartbeat).
    std::int64_t heartbeat_ms = 0;
    // Sabotage: the cores never hear of events (the runtime does not report its pool), so events
    // wait for a heartbeat; the probe's bound must catch it.
    bool sabotage_ignore_events = false;
    // Sabotage: the cores run without a heartbeat (empty blocks at once) while the checker holds
    // them to it; the quiet invariant must catch it.
    bool sabotage_eager_empty = false;
    // Sabotage for tests that show an invariant check fails when its property is broken.
    bool sabotage_double_sign = false;
    bool quiet = true;
};

struct SimStats {
    std::uint64_t steps = 0;
    std::uint64_t messages_delivered = 0;
    std::uint64_t votes_processed = 0;
    std::uint64_t heights_decided = 0;  // Highest height in the global list.
    std::uint64_t evidence_found = 0;
    std::uint64_t crashes = 0;
    std::uint64_t set_changes = 0;       // Validator sets in force beyond genesis (set_change runs).
    std::uint64_t events_submitted = 0;  // Workload events (heartbeat runs).
    std::uint64_t empty_blocks = 0;      // Decided blocks without events (the global list).
    double core_seconds = 0;             // CPU time inside Core::step (bench only).
    double sign_seconds = 0;             // ... of which spent signing.
    std::int64_t simulated_ms = 0;
};

struct SimResult {
    std::optional<Violation> violation;  // First broken invariant (liveness included).
    SimStats stats;
};

[[nodiscard]] SimResult run_simulation(const SimConfig& config, bool measure_core = false);

}  // namespace custos::sim
