// The node's /metrics text (consensus/runtime/node_metrics.hpp): histogram buckets, and every
// gauge and counter written with its type and value.
#include <doctest/doctest.h>

#include "consensus/runtime/node_metrics.hpp"

using namespace custos::runtime;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

}  // namespace

TEST_CASE("a histogram counts each value in the first bucket whose bound holds it, cumulatively") {
    Histogram histogram{{0.1, 1}};
    histogram.observe(0.1);  // On a bound: that bucket (le is "less than or equal").
    histogram.observe(0.5);
    histogram.observe(7);  // Above every bound: +Inf only.
    CHECK(histogram.buckets == std::vector<std::uint64_t>{1, 1, 1});
    CHECK(histogram.count == 3);
    std::string out;
    histogram.write(out, "x_seconds", "Help.");
    CHECK(has_line(out, "# HELP x_seconds Help."));
    CHECK(has_line(out, "# TYPE x_seconds histogram"));
    CHECK(has_line(out, "x_seconds_bucket{le=\"0.1\"} 1"));
    CHECK(has_line(out, "x_seconds_bucket{le=\"1\"} 2"));
    CHECK(has_line(out, "x_seconds_bucket{le=\"+Inf\"} 3"));
    CHECK(has_line(out, "x_seconds_sum 7.600000"));
    CHECK(has_line(out, "x_seconds_count 3"));
}

TEST_CASE("metrics text: gauges and counters with their types and values, flags as 0 or 1") {
    NodeCounters counters;
    counters.blocks_committed = 12;
    counters.compact_missed = 3;
    counters.block_store.observe(0.002);
    const NodeGauges gauges{.height = 41,
                            .consensus_height = 42,
                            .mempool_bytes = 900,
                            .syncing = true,
                            .observer = false,
                            .validators = 4};
    const std::string text = metrics_text(gauges, counters);
    CHECK(has_line(text, "# TYPE custos_height gauge"));
    CHECK(has_line(text, "custos_height 41"));
    CHECK(has_line(text, "custos_consensus_height 42"));
    CHECK(has_line(text, "custos_mempool_bytes 900"));
    CHECK(has_line(text, "# TYPE custos_blocks_committed_total counter"));
    CHECK(has_line(text, "custos_blocks_committed_total 12"));
    CHECK(has_line(text, "custos_compact_proposals_missed_total 3"));
    CHECK(has_line(text, "custos_syncing 1"));
    CHECK(has_line(text, "custos_observer 0"));
    CHECK(has_line(text, "custos_validators 4"));
    CHECK(has_line(text, "custos_block_store_seconds_bucket{le=\"0.0025\"} 1"));
    CHECK(has_line(text, "custos_commit_latency_seconds_count 0"));
    CHECK(has_line(text, "# TYPE custos_events_dropped_total counter"));
    CHECK(has_line(text, "custos_events_dropped_total 0"));
    // Every metric has its TYPE line: 16 gauges, 18 counters, 3 histograms.
    std::size_t types = 0;
    for (std::size_t at = text.find("# TYPE "); at != std::string::npos; at = text.find("# TYPE ", at + 1))
        ++types;
    CHECK(types == 37);
}
