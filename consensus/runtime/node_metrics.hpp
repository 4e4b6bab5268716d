// The node's /metrics (Prometheus text format): the counters and histograms the node runtime
// keeps, and the text of them with the gauges it reads from its parts when asked
// (NodeImpl::metrics, node_net.cpp). Pure: no clock, no store, no Asio.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace custos::runtime {

// A Prometheus histogram of durations in seconds: fixed upper bounds, one count per bucket
// (the last is +Inf), a sum and a count.
struct Histogram {
    std::vector<double> bounds;
    std::vector<std::uint64_t> buckets = std::vector<std::uint64_t>(bounds.size() + 1, 0);
    double sum = 0;
    std::uint64_t count = 0;

    void observe(double seconds);
    // Appends the HELP, TYPE, cumulative bucket, sum and count lines of `name`.
    void write(std::string& out, std::string_view name, std::string_view help) const;
};

struct NodeCounters {
    std::uint64_t blocks_committed = 0;
    std::uint64_t events_committed = 0;
    std::uint64_t events_admitted = 0;
    std::uint64_t events_refused = 0;
    // Admitted events the pool let go uncommitted (a re-check or build_block found them invalid).
    std::uint64_t events_dropped = 0;
    // Read records (the consultation log) this node signed and admitted, and those it could not
    // admit (its pool's share of read records full, or a refusal).
    std::uint64_t reads_recorded = 0;
    std::uint64_t reads_dropped = 0;
    // The read relay (read_relay.hpp). A validator: observers' reads it recorded, and those it
    // refused. An observer: its reads a validator recorded, and those none did (answered 503).
    std::uint64_t reads_recorded_for_observers = 0;
    std::uint64_t reads_relay_refused = 0;
    std::uint64_t reads_relayed = 0;
    std::uint64_t reads_relay_failed = 0;
    std::uint64_t messages_refused = 0;
    std::uint64_t evidence = 0;
    std::uint64_t messages_signed = 0;  // New proposals and votes this node signed.
    std::uint64_t blocks_synced_sent = 0;
    // Compact proposals (FORMAT.md 8.4): sent; received and rebuilt from the pool; received but
    // not rebuildable here (the full proposal was asked of the sender); full ones sent on request.
    std::uint64_t compact_sent = 0;
    std::uint64_t compact_expanded = 0;
    std::uint64_t compact_missed = 0;
    std::uint64_t full_proposals_sent = 0;
    // Commit latency: an event's submission to this node -> its block committed here.
    Histogram commit_latency{{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}};
    // The synced store write of a decided block (append_block), and the synced save of the
    // signing state before a step's messages leave: the two disk waits on the consensus path.
    Histogram block_store{{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}};
    Histogram signing_state_save{{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25}};
};

// What /metrics shows besides the counters, read from the node's parts when it is asked.
struct NodeGauges {
    std::uint64_t height = 0;  // Committed.
    std::uint64_t consensus_height = 0;
    std::uint64_t consensus_round = 0;
    std::uint64_t log_size = 0;
    std::uint64_t store_block_cache_bytes = 0;
    std::uint64_t store_memtables_bytes = 0;
    std::uint64_t store_table_readers_bytes = 0;
    std::uint64_t ed25519_key_tables = 0;
    std::uint64_t mempool_events = 0;
    std::uint64_t mempool_bytes = 0;
    std::uint64_t peers_connected = 0;
    bool syncing = false;
    bool storage_failed = false;
    bool voting = false;
    bool observer = false;
    std::uint64_t validators = 0;  // In the set of the next height.
};

// The whole /metrics text: every gauge and counter with its HELP and TYPE lines, then the
// histograms.
[[nodiscard]] std::string metrics_text(const NodeGauges& gauges, const NodeCounters& counters);

}  // namespace custos::runtime
