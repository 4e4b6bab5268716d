// Multi-process tests: four real custos-node processes on 127.0.0.1 (ctest label `node`).
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include <doctest/doctest.h>

#include "ledger/audit/audit.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::Localnet;
using custos::node_test::validator_count;

namespace {

// Rewrites node `index`'s config with another log level (for the debug-level "signed" lines).
void set_log_level(Localnet& net, std::size_t index, const std::string& level) {
    const auto path = net.dir() / ("node" + std::to_string(index) + ".json");
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    auto config = custos::crypto::parse_json(text.str());
    REQUIRE(config.has_value());
    (*config)["log_level"] = level;
    std::ofstream(path, std::ios::trunc) << config->dump(2);
}

std::uint64_t field_number(const std::string& line, const std::string& key) {
    auto at = line.find(" " + key + "=");
    REQUIRE_MESSAGE(at != std::string::npos, line);
    return std::stoull(line.substr(at + key.size() + 2));
}

// The log of a node restarted more than one block behind `others_height` (the lowest height of
// the others at the restart): it starts with voting paused, resumes within one block of
// others_height, and signs nothing before that, nor for any height it caught up through.
void check_no_vote_while_behind(const std::string& log, std::uint64_t others_height) {
    std::vector<std::string> lines;
    std::stringstream in(log);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::size_t start = lines.size();
    for (std::size_t index = 0; index < lines.size(); ++index) {
        if (lines[index].find("event=node_started") != std::string::npos) start = index;
    }
    REQUIRE(start < lines.size());
    const auto started_at = field_number(lines[start], "height");
    REQUIRE_MESSAGE(others_height > started_at + 1, "the restarted node was not behind by more than a block");
    // It starts with voting paused (logged while opening, just before node_started): it has not
    // heard where the others are. Whether it then logs reason=behind depends on how fast the
    // first sync batch arrives compared with the second peer's status.
    bool started_paused = false;
    for (std::size_t index = start; index-- > 0;) {
        if (lines[index].find("event=voting_paused") != std::string::npos) started_paused = true;
        if (started_paused || lines[index].find("event=node_st") != std::string::npos ||
            lines[index].find("event=voting_resumed") != std::string::npos)
            break;
    }
    std::optional<std::uint64_t> resumed_at;
    for (std::size_t index = start + 1; index < lines.size(); ++index) {
        const auto& line = lines[index];
        if (!resumed_at && line.find("event=voting_resumed") != std::string::npos)
            resumed_at = field_number(line, "height");
        if (line.find("event=signed") != std::string::npos) {
            REQUIRE_MESSAGE(resumed_at.has_value(), "signed while behind: " << line);
            CHECK_MESSAGE(field_number(line, "height") > *resumed_at, line);
        }
    }
    CHECK(started_paused);
    REQUIRE(resumed_at.has_value());
    CHECK(*resumed_at + 1 >= others_height);
}

}  // namespace

TEST_CASE("node: four validators commit, survive kill -9, catch up and stop without a quorum") {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);

    // 1. Events submitted to any validator are committed by all, in identical blocks.
    std::uint64_t submitted = 0;
    for (int round = 0; round < 5; ++round) {
        for (std::size_t index = 0; index < validator_count; ++index) {
            REQUIRE(net.submit(index, net.next_register_envelope()) == 202);
            ++submitted;
        }
    }
    const std::vector<std::size_t> everyone{0, 1, 2, 3};
    REQUIRE_MESSAGE(all_reach(net, everyone, submitted, 30), net.log_tail(0));
    check_identical_blocks(net, everyone);
    // A duplicate is refused (409) while pending and once committed, and is committed once.
    auto duplicate = net.next_register_envelope();
    REQUIRE(net.submit(0, duplicate) == 202);
    ++submitted;
    CHECK(net.submit(0, duplicate) == 409);
    REQUIRE(all_reach(net, everyone, submitted, 30));
    CHECK(net.submit(2, duplicate) == 409);
    // GET /metrics times the two disk waits of the consensus path: one store write per committed
    // block, signing-state saves, and the commit latency of the events this node admitted.
    for (std::size_t index = 0; index < validator_count; ++index) {
        const auto blocks_before = net.metric(index, "custos_blocks_committed_total").value_or(-1);
        const auto stored = net.metric(index, "custos_block_store_seconds_count").value_or(-1);
        const auto blocks_after = net.metric(index, "custos_blocks_committed_total").value_or(-1);
        CHECK(blocks_before >= 1);
        CHECK(stored >= blocks_before);
        CHECK(stored <= blocks_after);
        CHECK(net.metric(index, "custos_block_store_seconds_sum").value_or(-1) > 0);
        CHECK(net.metric(index, "custos_signing_state_save_seconds_count").value_or(0) >= stored);
        CHECK(net.metric(index, "custos_commit_latency_seconds_count").value_or(0) >= 5);
    }
    // Proposals travel as header and leaf hashes (FORMAT.md 8.4), and the followers rebuild
    // them from their own pools: nobody needed a full proposal for events it was gossiped.
    double compact_sent = 0;
    double compact_rebuilt = 0;
    for (std::size_t index = 0; index < validator_count; ++index) {
        compact_sent += net.metric(index, "custos_compact_proposals_sent_total").value_or(0);
        compact_rebuilt += net.metric(index, "custos_compact_proposals_rebuilt_total").value_or(0);
    }
    CHECK(compact_sent >= 1);
    CHECK(compact_rebuilt >= 1);

    // 2. kill -9 one validator under load: the others keep committing.
    for (int load = 0; load < 30; ++load) {
        if (load == 10) net.kill_node(3, SIGKILL);
        REQUIRE(net.submit(static_cast<std::size_t>(load % 3), net.next_register_envelope()) == 202);
        ++submitted;
    }
    const std::vector<std::size_t> three{0, 1, 2};
    REQUIRE_MESSAGE(all_reach(net, three, submitted, 30), net.log_tail(0));
    // A few more blocks, one event each, so the stopped node is several blocks behind.
    for (int block = 0; block < 4; ++block) {
        REQUIRE(net.submit(0, net.next_register_envelope()) == 202);
        ++submitted;
        REQUIRE(all_reach(net, three, submitted, 30));
    }
    // Restarted, it catches up through block sync and agrees on every block; it signs nothing
    // until it is within one block of the others.
    // The lowest of their heights: every status they send after the restart reports at least it.
    const auto others_height =
        std::min({net.height(0).value_or(0), net.height(1).value_or(0), net.height(2).value_or(0)});
    set_log_level(net, 3, "debug");
    net.start(3);
    REQUIRE_MESSAGE(all_reach(net, {3}, submitted, 30), net.log_tail(3));
    check_identical_blocks(net, everyone);
    // Holding every block does not mean it has heard the others' heights yet: wait for the
    // resume line (logged once it has) before reading the log.
    REQUIRE_MESSAGE(net.wait_for(
                        [&] {
                            const auto log = net.log_text(3);
                            const auto resumed_at = log.rfind("event=voting_resumed");
                            return resumed_at != std::string::npos &&
                                   resumed_at > log.rfind("event=node_started");
                        },
                        10),
                    net.log_tail(3));
    check_no_vote_while_behind(net.log_text(3), others_height);
    // Caught up, it votes again: the next block carries its signatures (logged at debug).
    REQUIRE(net.submit(3, net.next_register_envelope()) == 202);
    ++submitted;
    REQUIRE(all_reach(net, everyone, submitted, 30));
    CHECK(net.wait_for(
        [&] {
            const auto log = net.log_text(3);
            const auto signed_at = log.rfind("event=signed");
            return signed_at != std::string::npos && signed_at > log.rfind("event=node_started");
        },
        10));
    // Its store passes the audit (what `custos audit` runs), after a clean stop.
    net.kill_node(3, SIGTERM);
    auto report = custos::ledger::audit_directory(net.store_dir(3), {});
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    CHECK_MESSAGE(report->verified(), custos::ledger::audit_summary(*report));
    CHECK(report->events == submitted);
    net.start(3);

    // 3. Two of four down: no quorum, nothing commits; one back: commits resume and nothing
    //    acknowledged is lost.
    REQUIRE(all_reach(net, everyone, submitted, 30));
    net.kill_node(2, SIGKILL);
    net.kill_node(3, SIGKILL);
    const auto before = net.log_size(0).value_or(0);
    for (int extra = 0; extra < 5; ++extra) {
        REQUIRE(net.submit(static_cast<std::size_t>(extra % 2), net.next_register_envelope()) == 202);
        ++submitted;
    }
    custos::node_test::sleep_ms(3000);
    CHECK(net.log_size(0).value_or(0) == before);
    CHECK(net.log_size(1).value_or(0) == before);
    net.start(2);
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, submitted, 30), "node 0:\n"
                                                                  << net.log_tail(0) << "\nnode 1:\n"
                                                                  << net.log_tail(1) << "\nnode 2:\n"
                                                                  << net.log_tail(2));
    check_identical_blocks(net, {0, 1, 2});
    // Restarts after kill -9 never made a validator sign twice: no node saw an equivocation.
    for (std::size_t index = 0; index < validator_count; ++index) {
        CHECK_FALSE(net.log_contains(index, "event=equivocation"));
        CHECK_FALSE(net.log_contains(index, "event=fatal"));
    }
}
