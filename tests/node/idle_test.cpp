// Multi-process: quiet when idle (genesis heartbeat_interval_ms). Four real custos-node processes
// with a 3 s heartbeat: over an idle span they commit only heartbeat blocks (no events, each at
// least an interval after the one before; at most one per interval of the span), and an event
// submitted right after a heartbeat is committed in a block of its own, not held for the next
// heartbeat (its block time is less than an interval after the heartbeat's). And an event
// admitted while a validator was not connected reaches that validator's pool when it connects:
// with a long heartbeat, a proposer that never heard of the event would defer round after round
// until the rotation reaches a node that holds it (a commit many seconds late).
#include <chrono>

#include <doctest/doctest.h>

#include "ledger/time.hpp"
#include "localnet.hpp"

using custos::node_test::Localnet;
using custos::node_test::LocalnetOptions;
using custos::node_test::validator_count;

namespace {

constexpr std::uint64_t heartbeat_ms = 3'000;
constexpr int idle_span_seconds = 10;

struct BlockInfo {
    std::int64_t time_ms = 0;
    std::size_t events = 0;
};

BlockInfo block_info(Localnet& net, std::uint64_t height) {
    auto block = net.block(0, height);
    REQUIRE_MESSAGE(block.has_value(), "block " << height);
    auto time = custos::ledger::parse_time(block->at("header").at("time").get<std::string>());
    REQUIRE(time.has_value());
    return BlockInfo{time->value, block->at("events").size()};
}

}  // namespace

TEST_CASE("node: an idle network commits only heartbeat blocks, and an event does not wait for one") {
    Localnet net(LocalnetOptions{.heartbeat_ms = heartbeat_ms});
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    // The genesis is an hour old: the first heartbeat is due at once.
    REQUIRE_MESSAGE(net.wait_for([&] { return net.height(0).value_or(0) >= 1; }, 30), net.log_tail(0));

    const auto span_start = std::chrono::steady_clock::now();
    const auto first = *net.height(0);
    custos::node_test::sleep_ms(idle_span_seconds * 1000);
    const auto span_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - span_start).count();
    const auto last = net.height(0).value_or(0);
    const auto added = last - first;
    MESSAGE("idle span of " << span_seconds << " s with a " << heartbeat_ms << " ms heartbeat: " << added
                            << " blocks (a block per height, as before, would be about one per 100 ms)");
    // At most one heartbeat per interval of the span (plus one at its edge); and they do come.
    CHECK(added <= static_cast<std::uint64_t>(span_seconds * 1000 / heartbeat_ms) + 1);
    CHECK(added >= 1);
    for (std::uint64_t height = first + 1; height <= last; ++height) {
        const auto block = block_info(net, height);
        const auto before = block_info(net, height - 1);
        CHECK_MESSAGE(block.events == 0, "height " << height);
        CHECK_MESSAGE(block.time_ms - before.time_ms >= static_cast<std::int64_t>(heartbeat_ms),
                      "height " << height << " only " << block.time_ms - before.time_ms << " ms after");
    }

    // Right after a heartbeat, one event: it is proposed at once, in a block well before the next.
    const auto heartbeat = *net.height(0);
    REQUIRE(net.wait_for([&] { return net.height(0).value_or(0) > heartbeat; }, 15));
    const auto after = *net.height(0);
    REQUIRE(net.submit(1, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(net.wait_for([&] { return net.log_size(0).value_or(0) >= 1; }, 30), net.log_tail(0));
    const auto top = *net.height(0);
    std::uint64_t with_event = 0;
    for (std::uint64_t height = after + 1; height <= top && with_event == 0; ++height) {
        if (block_info(net, height).events > 0) with_event = height;
    }
    REQUIRE(with_event > after);
    const auto gap = block_info(net, with_event).time_ms - block_info(net, with_event - 1).time_ms;
    MESSAGE("the event's block came " << gap << " ms after the heartbeat before it");
    CHECK(with_event == after + 1);  // No heartbeat in between.
    CHECK(gap < static_cast<std::int64_t>(heartbeat_ms));
}

TEST_CASE("node: a validator that connects after an event was admitted gets it from its peers' pools") {
    Localnet net;
    net.start(0);
    net.start(1);
    REQUIRE_MESSAGE(
        net.wait_for([&] { return net.metric(0, "custos_peers_connected").value_or(0) >= 1; }, 30),
        net.log_tail(0));
    // Two of four validators: no quorum, so the event stays pending in both pools.
    REQUIRE(net.submit(0, net.next_register_envelope()) == 202);
    REQUIRE_MESSAGE(
        net.wait_for([&] { return net.metric(1, "custos_events_admitted_total").value_or(0) >= 1; }, 15),
        net.log_tail(1));
    CHECK(net.metric(0, "custos_mempool_events").value_or(0) == 1);

    // Validator 2 connects after the gossip went out: its peers send it their pools, ahead of any
    // proposal on the same connection, so it admits the event itself (not only through a block).
    net.start(2);
    REQUIRE_MESSAGE(
        net.wait_for([&] { return net.metric(2, "custos_events_admitted_total").value_or(0) >= 1; }, 20),
        net.log_tail(2));
    CHECK(net.metric(2, "custos_events_admitted_total").value_or(0) == 1);  // Once, from two peers.
    REQUIRE_MESSAGE(net.wait_for([&] { return net.log_size(2).value_or(0) >= 1; }, 30), net.log_tail(2));
}

TEST_CASE("node: a block's time is not before the events in it, signed on the validators' clock") {
    // A proposer asked for a block (a heartbeat, or the next height) waits a while for events
    // before it builds one; an event signed and admitted during that wait is in the block. The
    // block's time is taken when it is built, so it never reads as ordered before such an event
    // was signed. With a heartbeat of 300 ms the proposers are in that wait most of the time, so
    // events sent at random moments land in it (the block time was the request's before the fix,
    // up to the wait earlier than the event's).
    Localnet net;  // Heartbeat 300 ms.
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    std::size_t checked = 0;
    for (int n = 0; n < 24; ++n) {
        custos::node_test::sleep_ms(37 * (n % 7));                   // Spread over the heartbeat's phases.
        const std::string envelope = net.next_register_envelope(0);  // Signed now.
        auto parsed = custos::crypto::parse_json(envelope);
        REQUIRE(parsed.has_value());
        auto event_time = custos::ledger::parse_time((*parsed)["event"]["time"].get<std::string>());
        REQUIRE(event_time.has_value());
        const auto submitted = net.submit_commit(static_cast<std::size_t>(n) % validator_count, envelope);
        const unsigned status = submitted.first;
        const std::string& body = submitted.second;  // Not a structured binding (clang 14, doctest).
        REQUIRE_MESSAGE(status == 201, status << " " << body);
        auto answer = custos::crypto::parse_json(body);
        REQUIRE(answer.has_value());
        auto block = net.block(static_cast<std::size_t>(n) % validator_count,
                               (*answer)["height"].get<std::uint64_t>());
        REQUIRE(block.has_value());
        auto block_time = custos::ledger::parse_time(block->at("header").at("time").get<std::string>());
        REQUIRE(block_time.has_value());
        CHECK_MESSAGE(block_time->value >= event_time->value,
                      "event " << n << " signed at " << event_time->value << " is in a block of time "
                               << block_time->value);
        ++checked;
    }
    CHECK(checked == 24);
}
