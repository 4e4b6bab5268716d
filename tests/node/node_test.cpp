// Multi-process tests: four real custos-node processes on 127.0.0.1 (ctest label `node`).
#include <signal.h>

#include <chrono>

#include <doctest/doctest.h>

#include "ledger/audit.hpp"
#include "localnet.hpp"

using custos::node_test::Localnet;
using custos::node_test::validator_count;

namespace {

// Waits until every listed node has at least `size` events committed.
bool all_reach(Localnet& net, const std::vector<std::size_t>& nodes, std::uint64_t size, int seconds) {
    return net.wait_for(
        [&] {
            for (auto index : nodes) {
                auto have = net.log_size(index);
                if (!have || *have < size) return false;
            }
            return true;
        },
        seconds);
}

// Every block up to the lowest height of `nodes` has one hash on all of them.
void check_identical_blocks(Localnet& net, const std::vector<std::size_t>& nodes) {
    std::uint64_t top = UINT64_MAX;
    for (auto index : nodes)
        top = std::min(top, net.height(index).value_or(0));
    REQUIRE(top > 0);
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto first = net.block_hash(nodes[0], height);
        REQUIRE(first.has_value());
        for (auto index : nodes) {
            auto other = net.block_hash(index, height);
            CHECK_MESSAGE(other == first, "block " << height << " differs on node " << index);
        }
    }
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

    // 2. kill -9 one validator under load: the others keep committing.
    for (int load = 0; load < 30; ++load) {
        if (load == 10) net.kill_node(3, SIGKILL);
        REQUIRE(net.submit(static_cast<std::size_t>(load % 3), net.next_register_envelope()) == 202);
        ++submitted;
    }
    const std::vector<std::size_t> three{0, 1, 2};
    REQUIRE_MESSAGE(all_reach(net, three, submitted, 30), net.log_tail(0));
    // Restarted, it catches up through block sync and agrees on every block.
    net.start(3);
    REQUIRE_MESSAGE(all_reach(net, {3}, submitted, 30), net.log_tail(3));
    check_identical_blocks(net, everyone);
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
    REQUIRE_MESSAGE(all_reach(net, {0, 1, 2}, submitted, 30), net.log_tail(0));
    check_identical_blocks(net, {0, 1, 2});
    // Restarts after kill -9 never made a validator sign twice: no node saw an equivocation.
    for (std::size_t index = 0; index < validator_count; ++index) {
        CHECK_FALSE(net.log_contains(index, "event=equivocation"));
        CHECK_FALSE(net.log_contains(index, "event=fatal"));
    }
}

// Not a test: prints rough throughput figures. Run with `custos-test-node -tc="node: load*" --no-skip`.
TEST_CASE("node: load figures (manual)" * doctest::skip()) {
    Localnet net;
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    constexpr int events = 3000;
    std::vector<std::string> envelopes;
    for (int index = 0; index < events; ++index)
        envelopes.push_back(net.next_register_envelope());
    const auto begin = std::chrono::steady_clock::now();
    int accepted = 0;
    for (int index = 0; index < events; ++index) {
        accepted += net.submit(static_cast<std::size_t>(index) % validator_count,
                               envelopes[static_cast<std::size_t>(index)]) == 202;
    }
    const auto submitted_at = std::chrono::steady_clock::now();
    REQUIRE(all_reach(net, {0, 1, 2, 3}, static_cast<std::uint64_t>(accepted), 120));
    const auto end = std::chrono::steady_clock::now();
    auto seconds = [](auto from, auto to) { return std::chrono::duration<double>(to - from).count(); };
    MESSAGE("accepted " << accepted << " of " << events << "; submit phase " << seconds(begin, submitted_at)
                        << " s; all committed on 4 nodes after " << seconds(begin, end) << " s ("
                        << accepted / seconds(begin, end) << " events/s), height "
                        << net.height(0).value_or(0));
}
