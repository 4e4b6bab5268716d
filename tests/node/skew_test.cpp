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
#include "skew_check.hpp"

using custos::node_test::all_reach;
using custos::node_test::check_identical_blocks;
using custos::node_test::committed_blocks;
using custos::node_test::Localnet;
using custos::node_test::skew_ms;
using custos::node_test::time_findings;
using custos::node_test::validator_count;

namespace {

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
