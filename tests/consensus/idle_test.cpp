// Quiet when idle (Params::heartbeat_ms): an idle network signs nothing and decides nothing until
// the heartbeat; events make the proposer propose at once; an empty block before the heartbeat is
// refused by every honest validator, and the same proposal without a heartbeat is accepted
// (the negative control).
#include <doctest/doctest.h>

#include "cluster.hpp"

using namespace custos::test;

namespace {

constexpr std::int64_t heartbeat_ms = 10'000;

// The prevotes of height 1, round 0 that `node` signed.
std::vector<Vote> prevotes_of(const Cluster& cluster, std::size_t node) {
    std::vector<Vote> out;
    for (const auto& [sender, message] : cluster.sent_) {
        const auto* vote = std::get_if<Vote>(&message.body);
        if (sender == node && vote && vote->type == VoteType::prevote && vote->round == Round{0}) {
            out.push_back(*vote);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("idle: nothing is signed or decided until the heartbeat, then one empty block") {
    Cluster cluster(4, heartbeat_ms);
    cluster.start_all();
    cluster.run_for(heartbeat_ms - 100);
    CHECK(cluster.sent_.empty());  // No proposal, no nil votes, no rounds going by.
    CHECK(cluster.all_decided(0));
    for (const auto& core : cluster.cores_) {
        CHECK(core->idle());
        CHECK(core->round() == Round{0});
    }
    cluster.run_for(3'000);
    REQUIRE(cluster.all_decided(1));
    const auto& block = cluster.decided_[0][0].block;
    CHECK(block.events.empty());
    CHECK(cluster.decided_[0][0].round == Round{0});
    CHECK(block.header.time.value >= test_genesis_time_ms - 1 + heartbeat_ms);
    // The next height waits for its own heartbeat, counted from this block's time.
    cluster.run_for(heartbeat_ms / 2);
    CHECK(cluster.all_decided(1));
    CHECK_FALSE(cluster.all_decided(2));
    cluster.run_for(heartbeat_ms);
    CHECK(cluster.all_decided(2));
}

TEST_CASE("idle: events reported to the proposer are proposed at once, without waiting a timeout") {
    Cluster cluster(4, heartbeat_ms);
    cluster.start_all();
    cluster.run_for(5'000);  // A long idle gap.
    REQUIRE(cluster.all_decided(0));
    const auto before = cluster.elapsed_ms_;
    cluster.report_events(0, 2);  // Validator 0 proposes at height 1, round 0.
    cluster.flush();
    REQUIRE(cluster.all_decided(1));
    CHECK(cluster.elapsed_ms_ == before);  // Decided on messages alone, no timeout fired.
    CHECK(cluster.decided_[1][0].block.events.size() == 2);
    CHECK(cluster.decided_[1][0].round == Round{0});
}

TEST_CASE("idle: when the proposer is down, events reported to the others still commit in a later round") {
    Cluster cluster(4, heartbeat_ms);
    cluster.crash(0);  // Validator 0 would propose at height 1, round 0.
    for (std::size_t node = 1; node < 4; ++node) {
        auto ready = cluster.cores_[node]->start(cluster.now());
        cluster.carry_out(node, ready);
    }
    cluster.run_for(2'000);
    for (std::size_t node = 1; node < 4; ++node)
        cluster.report_events(node);
    REQUIRE(cluster.run_until([&] { return cluster.all_decided(1, {0}); }));
    CHECK(cluster.elapsed_ms_ < heartbeat_ms);  // Not a heartbeat: the events' own block.
    CHECK(cluster.decided_[1][0].round == Round{1});
    CHECK_FALSE(cluster.decided_[1][0].block.events.empty());
}

TEST_CASE("idle: a validator that hears of no events wakes on the others' votes of its height") {
    Cluster cluster(4, heartbeat_ms);
    cluster.start_all();
    cluster.run_for(1'000);
    // Only validators 1 and 2 hear of events; validator 0 (the proposer) and 3 stay idle until
    // votes arrive. The proposer wakes too but has nothing to propose before the heartbeat, so
    // the round times out and validator 1 proposes the events in round 1.
    cluster.report_events(1);
    cluster.report_events(2);
    REQUIRE(cluster.run_until([&] { return cluster.all_decided(1); }));
    CHECK(cluster.elapsed_ms_ < heartbeat_ms);
    CHECK_FALSE(cluster.decided_[3][0].block.events.empty());
}

TEST_CASE("idle: an empty block before the heartbeat is refused by every validator; without one, accepted") {
    for (const std::int64_t heartbeat : {heartbeat_ms, std::int64_t{0}}) {
        CAPTURE(heartbeat);
        Cluster cluster(4, heartbeat);
        cluster.crash(0);  // Validator 0, the proposer, is played by hand.
        for (std::size_t node = 1; node < 4; ++node) {
            auto ready = cluster.cores_[node]->start(cluster.now());
            cluster.carry_out(node, ready);
        }
        // Validator 0 signs an empty block well before the heartbeat (as a faulty proposer
        // could); the others receive it (idle, with a heartbeat).
        const auto block = test_block(Height{1}, cluster.now(), BlockHash{}, test_name(0), 42);
        const auto proposal = sign_proposal(*cluster.signers_[0], test_chain_id,
                                            Proposal{Height{1}, Round{0}, std::nullopt, block, {}});
        for (std::size_t node = 1; node < 4; ++node)
            cluster.deliver(node, proposal);
        for (std::size_t node = 1; node < 4; ++node) {
            const auto prevotes = prevotes_of(cluster, node);
            REQUIRE(prevotes.size() == 1);
            if (heartbeat > 0) {
                CHECK_FALSE(prevotes[0].block.has_value());  // Nil: the block is invalid.
            } else {
                CHECK(prevotes[0].block == block_hash(block.header));  // The negative control.
            }
        }
    }
}

TEST_CASE("idle: a proposer whose events were all dropped proposes nothing before the heartbeat") {
    Cluster cluster(4, heartbeat_ms);
    cluster.start_all();
    cluster.run_for(1'000);
    // The core hears of events, but the block its runtime builds comes out empty (the pool's
    // events no longer pass the rules): no proposal is signed, and the core waits again.
    auto ready = cluster.cores_[0]->step(EventsPending{}, cluster.now());
    REQUIRE(ready.proposal_requests.size() == 1);
    const auto& request = ready.proposal_requests[0];
    const auto empty = test_block(request.height, request.time, BlockHash{}, test_name(0), 7);
    auto built = cluster.cores_[0]->step(ProposalBuilt{request.height, request.round, empty}, cluster.now());
    CHECK(built.messages.empty());
    CHECK_FALSE(cluster.cores_[0]->events_pending());
}
