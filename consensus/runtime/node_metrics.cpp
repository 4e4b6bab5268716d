#include "consensus/runtime/node_metrics.hpp"

#include <cstdio>

namespace custos::runtime {
namespace {

// Appends one gauge or counter with its HELP and TYPE lines.
class MetricsWriter {
public:
    explicit MetricsWriter(std::string& out) : out_(out) {}
    void gauge(std::string_view name, std::string_view help, std::uint64_t value) {
        write(name, help, value, "gauge");
    }
    void counter(std::string_view name, std::string_view help, std::uint64_t value) {
        write(name, help, value, "counter");
    }

private:
    void write(std::string_view name, std::string_view help, std::uint64_t value, std::string_view type) {
        out_ += "# HELP " + std::string(name) + " " + std::string(help) + "\n";
        out_ += "# TYPE " + std::string(name) + " " + std::string(type) + "\n";
        out_ += std::string(name) + " " + std::to_string(value) + "\n";
    }
    std::string& out_;
};

// The chain, the store's memory and the pool.
void write_state(MetricsWriter& out, const NodeGauges& gauges) {
    out.gauge("custos_height", "Last committed block height.", gauges.height);
    out.gauge("custos_consensus_height", "Height the consensus core is deciding.", gauges.consensus_height);
    out.gauge("custos_consensus_round", "Current consensus round.", gauges.consensus_round);
    out.gauge("custos_log_size", "Events in the global log.", gauges.log_size);
    out.gauge("custos_store_block_cache_bytes", "RocksDB block cache in use (data, index and filter blocks).",
              gauges.store_block_cache_bytes);
    out.gauge("custos_store_memtables_bytes", "RocksDB write buffers of all column families.",
              gauges.store_memtables_bytes);
    out.gauge("custos_store_table_readers_bytes",
              "RocksDB memory held by open table files outside the cache.", gauges.store_table_readers_bytes);
    out.gauge("custos_ed25519_key_tables",
              "Signing keys checked from a per-key table (crypto/ed25519_tables.hpp).",
              gauges.ed25519_key_tables);
    out.gauge("custos_mempool_events", "Events pending in the mempool.", gauges.mempool_events);
    out.gauge("custos_mempool_bytes", "Bytes pending in the mempool.", gauges.mempool_bytes);
    out.gauge("custos_peers_connected", "Authenticated validator peers connected.", gauges.peers_connected);
}

// Blocks, events, reads and peer messages.
void write_traffic(MetricsWriter& out, const NodeCounters& counters) {
    out.counter("custos_blocks_committed_total", "Blocks committed by this process.",
                counters.blocks_committed);
    out.counter("custos_events_committed_total", "Events committed by this process.",
                counters.events_committed);
    out.counter("custos_events_admitted_total", "Events admitted to the mempool.", counters.events_admitted);
    out.counter("custos_events_refused_total", "Events refused at admission.", counters.events_refused);
    out.counter(
        "custos_events_dropped_total",
        "Admitted events dropped from the mempool uncommitted (no longer valid; event_dropped lines).",
        counters.events_dropped);
    out.counter("custos_reads_recorded_total",
                "Read records this node signed and admitted (consultation log).", counters.reads_recorded);
    out.counter(
        "custos_reads_dropped_total",
        "Read records this node could not admit (its pool refused them: those reads were answered 503).",
        counters.reads_dropped);
    out.counter("custos_reads_recorded_for_observers_total",
                "Reads served by observers that this validator recorded (read relay).",
                counters.reads_recorded_for_observers);
    out.counter("custos_reads_relay_refused_total",
                "Observers' reads this validator refused to record (read relay).",
                counters.reads_relay_refused);
    out.counter("custos_reads_relayed_total",
                "Reads this observer served once a validator recorded them (read relay).",
                counters.reads_relayed);
    out.counter("custos_reads_relay_failed_total",
                "Reads this observer did not serve because no validator recorded them (answered 503).",
                counters.reads_relay_failed);
    out.counter("custos_messages_refused_total", "Peer messages refused.", counters.messages_refused);
    out.counter("custos_evidence_total", "Equivocations seen.", counters.evidence);
}

// Whether and how this node takes part in consensus.
void write_role(MetricsWriter& out, const NodeGauges& gauges) {
    out.gauge("custos_syncing", "1 while behind the other validators.", gauges.syncing ? 1 : 0);
    out.gauge("custos_storage_failed",
              "1 once the disk refused a write: the node commits and signs nothing more.",
              gauges.storage_failed ? 1 : 0);
    out.gauge("custos_voting", "1 while this validator takes part in voting.", gauges.voting ? 1 : 0);
    out.gauge("custos_observer", "1 while this node's key is not in the validator set of its next height.",
              gauges.observer ? 1 : 0);
    out.gauge("custos_validators", "Validators in the set of the next height.", gauges.validators);
}

// Signatures and proposals.
void write_proposals(MetricsWriter& out, const NodeCounters& counters) {
    out.counter("custos_signed_messages_total", "Proposals and votes this validator signed.",
                counters.messages_signed);
    out.counter("custos_compact_proposals_sent_total", "Own proposals sent as header and leaf hashes.",
                counters.compact_sent);
    out.counter("custos_compact_proposals_rebuilt_total", "Compact proposals rebuilt from the mempool.",
                counters.compact_expanded);
    out.counter("custos_compact_proposals_missed_total",
                "Compact proposals the mempool could not rebuild (the full proposal was requested).",
                counters.compact_missed);
    out.counter("custos_full_proposals_sent_total", "Own full proposals sent to peers that requested them.",
                counters.full_proposals_sent);
}

}  // namespace

void Histogram::observe(double seconds) {
    std::size_t bucket = 0;
    while (bucket < bounds.size() && seconds > bounds[bucket])
        ++bucket;
    ++buckets[bucket];
    sum += seconds;
    ++count;
}

void Histogram::write(std::string& out, std::string_view name, std::string_view help) const {
    const std::string metric(name);
    out += "# HELP " + metric + " " + std::string(help) + "\n";
    out += "# TYPE " + metric + " histogram\n";
    std::uint64_t cumulative = 0;
    for (std::size_t index = 0; index < bounds.size(); ++index) {
        cumulative += buckets[index];
        char bound[32];
        std::snprintf(bound, sizeof bound, "%g", bounds[index]);
        out += metric + "_bucket{le=\"" + bound + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += metric + "_bucket{le=\"+Inf\"} " + std::to_string(count) + "\n";
    char total[64];
    std::snprintf(total, sizeof total, "%.6f", sum);
    out += metric + "_sum " + total + "\n";
    out += metric + "_count " + std::to_string(count) + "\n";
}

std::string metrics_text(const NodeGauges& gauges, const NodeCounters& counters) {
    std::string out;
    MetricsWriter writer(out);
    write_state(writer, gauges);
    write_traffic(writer, counters);
    write_role(writer, gauges);
    write_proposals(writer, counters);
    counters.commit_latency.write(out, "custos_commit_latency_seconds",
                                  "An event's submission to this node to its block committed here.");
    counters.block_store.write(out, "custos_block_store_seconds",
                               "The synced store write of each committed block.");
    counters.signing_state_save.write(out, "custos_signing_state_save_seconds",
                                      "The synced save of the signing state before messages leave.");
    return out;
}

}  // namespace custos::runtime
