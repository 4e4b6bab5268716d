// Clock skew on real custos-node processes (issue 20): one validator's wall clock two minutes
// ahead of the others', or two minutes behind (an LD_PRELOAD shim, tests/node/shim/clock_shim.cpp).
// The three others go on committing; the skewed one follows their blocks; no block carries a
// time outside the honest clocks: each block's time is within the timeliness bound of the moment
// an honest validator committed it (so none of the skewed validator's proposals with its own
// time got through), and block times only grow.
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ledger/time.hpp"
#include "localnet.hpp"
#include "net_checks.hpp"

using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::Localnet;
using custos::node_test::validator_count;

namespace {

constexpr std::int64_t skew_ms = 120'000;
// The localnet's clock_skew_max_ms (the timeliness precision) is 5 s; a block's time may also
// lag by the message delay the timeliness rule allows a round. 10 s behind is the margin.
constexpr std::int64_t ahead_bound_ms = 5'000;
constexpr std::int64_t behind_bound_ms = 10'000;

struct CommittedBlock {
    std::uint64_t height = 0;
    std::int64_t block_time_ms = 0;    // The header's time.
    std::int64_t committed_at_ms = 0;  // The honest node's clock when it logged the commit.
};

// What breaks "block times stay within the honest clocks": a block time more than
// ahead_bound_ms after, or behind_bound_ms before, the moment an honest node committed it, or not
// after the block before. Empty when all hold.
std::vector<std::string> time_findings(const std::vector<CommittedBlock>& blocks) {
    std::vector<std::string> findings;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const auto& block = blocks[i];
        const std::string at = "block " + std::to_string(block.height) + ": ";
        if (block.block_time_ms > block.committed_at_ms + ahead_bound_ms)
            findings.push_back(at + "time " + std::to_string(block.block_time_ms - block.committed_at_ms) +
                               " ms ahead of the honest clock");
        if (block.block_time_ms < block.committed_at_ms - behind_bound_ms)
            findings.push_back(at + "time " + std::to_string(block.committed_at_ms - block.block_time_ms) +
                               " ms behind the honest clock");
        if (i > 0 && block.block_time_ms <= blocks[i - 1].block_time_ms)
            findings.push_back(at + "time not after the previous block's");
    }
    return findings;
}

// The commit time of each height from node `index`'s log ("ts=... event=block_committed
// height=N"), with each block's header time from its REST API.
std::vector<CommittedBlock> committed_blocks(Localnet& net, std::size_t index) {
    std::map<std::uint64_t, std::int64_t> logged;
    std::istringstream lines(net.log_text(index));
    for (std::string line; std::getline(lines, line);) {
        if (line.find("event=block_committed") == std::string::npos || !line.starts_with("ts=")) continue;
        const auto ts = custos::ledger::parse_time(line.substr(3, line.find(' ') - 3));
        const auto at = line.find(" height=");
        if (!ts || at == std::string::npos) continue;
        logged.emplace(std::stoull(line.substr(at + 8)), ts->value);
    }
    std::vector<CommittedBlock> blocks;
    for (const auto& [height, committed_at] : logged) {
        auto block = net.block(index, height);
        REQUIRE_MESSAGE(block.has_value(), "block " << height);
        auto time = custos::ledger::parse_time(block->at("header").at("time").get<std::string>());
        REQUIRE(time.has_value());
        blocks.push_back(CommittedBlock{height, time->value, committed_at});
    }
    return blocks;
}

void run_with_skew(std::int64_t offset_ms) {
    Localnet net;
    net.set_environment(3, "LD_PRELOAD", CUSTOS_CLOCK_SHIM);
    net.set_environment(3, "CUSTOS_CLOCK_OFFSET_MS", std::to_string(offset_ms));
    for (std::size_t index = 0; index < 3; ++index)
        net.start(index);
    // Node 3's REST API refuses this test's signed requests (their time is two minutes off its
    // clock): wait on its open health check instead.
    net.launch(3);
    REQUIRE_MESSAGE(net.wait_for([&] { return net.healthz(3) == 200; }, 20), net.log_tail(3));

    // The shim took: node 3 logs on a clock `offset_ms` off this test's.
    {
        std::istringstream lines(net.log_text(3));
        std::string first;
        std::getline(lines, first);
        REQUIRE(first.starts_with("ts="));
        const auto logged = custos::ledger::parse_time(first.substr(3, first.find(' ') - 3));
        REQUIRE(logged.has_value());
        const auto real = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
        CHECK_MESSAGE(std::abs(logged->value - (real + offset_ms)) < 10'000, first);
    }

    // Events to the honest nodes, spread so that every validator's turn to propose comes round.
    constexpr std::uint64_t events = 16;
    for (std::uint64_t n = 0; n < events; ++n) {
        REQUIRE(net.submit(n % 3, net.next_register_envelope()) == 202);
        custos::node_test::sleep_ms(150);
    }
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, events, 60), net.log_tail(0));
    check_identical_blocks(net, {0, 1, 2});
    // The skewed validator follows the blocks the others certify (no clock in that).
    CHECK_MESSAGE(net.wait_for([&] { return net.metric(3, "custos_log_size").value_or(0) >= events; }, 30),
                  net.log_tail(3));
    CHECK(net.metric(3, "custos_height") >= net.metric(0, "custos_height").value_or(0) - 3);

    const auto blocks = committed_blocks(net, 0);
    REQUIRE(blocks.size() >= 5);
    const auto findings = time_findings(blocks);
    for (const auto& finding : findings)
        MESSAGE(finding);
    CHECK(findings.empty());
    // A clock ahead makes every proposal of the skewed validator untimely for the others: none of
    // its blocks is committed. (A clock behind proposes the previous block's time + 1 ms, which
    // may still be timely: such blocks pass the bounds above, and the time still grows.)
    if (offset_ms > 0) {
        for (const auto& block : blocks) {
            auto header = net.block(0, block.height);
            REQUIRE(header.has_value());
            CHECK_MESSAGE(header->at("header").at("proposer").get<std::string>() != "validator-4",
                          "block " << block.height << " proposed by the skewed validator");
        }
    }
}

}  // namespace

TEST_CASE("skew: the block-time checker reports each broken bound (negative controls)") {
    const std::int64_t now = 1'800'000'000'000;
    CHECK(time_findings({{1, now, now}, {2, now + 300, now + 301}}).empty());
    CHECK(time_findings({{1, now, now}, {2, now + skew_ms, now + 300}}) ==
          std::vector<std::string>{"block 2: time 119700 ms ahead of the honest clock"});
    CHECK(time_findings({{1, now, now}, {2, now + 1, now + skew_ms}}) ==
          std::vector<std::string>{"block 2: time 119999 ms behind the honest clock"});
    CHECK(time_findings({{1, now, now}, {2, now, now}}) ==
          std::vector<std::string>{"block 2: time not after the previous block's"});
}

TEST_CASE("skew: one validator's clock two minutes ahead: the others commit, its blocks never do") {
    run_with_skew(skew_ms);
}

TEST_CASE("skew: one validator's clock two minutes behind: the others commit, block times stay honest") {
    run_with_skew(-skew_ms);
}
