#include <doctest/doctest.h>

#include "cluster.hpp"

using namespace custos::test;

namespace {}  // namespace

TEST_CASE("core: four honest validators decide the same blocks with certificates that verify") {
    Cluster cluster(4);
    cluster.start_all();
    REQUIRE(cluster.run_until([&] { return cluster.all_decided(3); }));
    for (std::size_t height = 0; height < 3; ++height) {
        const auto& first = cluster.decided_[0][height];
        CHECK(first.block.header.height == Height{height + 1});
        CHECK(first.round == Round{0});  // Nothing went wrong, so round 0 decides.
        for (std::size_t node = 1; node < 4; ++node)
            CHECK(cluster.decided_[node][height].block_id == first.block_id);
        auto certificate =
            custos::ledger::verify_certificate(first.certificate, test_chain_id, cluster.params_.validators);
        REQUIRE(certificate.has_value());
        CHECK(certificate->block == first.block_id);
        CHECK(custos::ledger::exceeds_two_thirds(certificate->signed_power, 40));
    }
    // The weighted round robin rotates the proposer per height.
    CHECK(cluster.decided_[0][0].block.header.proposer == test_name(0));
    CHECK(cluster.decided_[0][1].block.header.proposer == test_name(1));
}

TEST_CASE("core: the signing state is persisted and a restarted core never signs a different vote") {
    Cluster cluster(4);
    cluster.link_up = [](std::size_t, std::size_t) { return false; };  // Node 1 hears nothing.
    cluster.start_all();
    // Node 1's propose timeout fires: it prevotes nil and must have persisted that first.
    REQUIRE(cluster.run_until([&] { return cluster.cores_[1]->current_step() != Step::propose; }));
    const auto persisted = cluster.persisted_[1];
    REQUIRE(persisted.has_value());
    REQUIRE(persisted->last_prevote.has_value());
    CHECK_FALSE(std::get<Vote>(persisted->last_prevote->body).block.has_value());

    // Restart node 1 from what it persisted; it now receives the round-0 proposal, which it
    // would prevote for, but it already signed nil for (1, 0): it re-sends the nil prevote.
    Core restarted(cluster.params_, *cluster.signers_[1],
                   StartState{Height{1}, TimeMs{test_genesis_time_ms - 1}, {}, persisted});
    auto ready = restarted.start(cluster.now());
    CHECK(restarted.round() == persisted->round);
    const auto proposal = std::find_if(cluster.sent_.begin(), cluster.sent_.end(), [](const auto& sent) {
        return std::holds_alternative<Proposal>(sent.second.body);
    });
    REQUIRE(proposal != cluster.sent_.end());
    auto verified = cluster.verifier_.verify(encode(proposal->second));
    REQUIRE(verified.has_value());
    ready = restarted.step(MessageReceived{*verified}, cluster.now());
    for (const auto& request : ready.validation_requests) {
        ready = restarted.step(ValidityVerdict{request.height, request.block_id, true}, cluster.now());
    }
    for (const auto& outbound : ready.messages) {
        if (const auto* vote = std::get_if<Vote>(&outbound.message.body);
            vote && vote->type == VoteType::prevote) {
            CHECK_FALSE(vote->block.has_value());
            CHECK(outbound.message.signature == persisted->last_prevote->signature);
        }
    }
}

TEST_CASE("core: two different prevotes from one validator are kept as evidence with both messages") {
    Cluster cluster(4);
    cluster.start_all();
    BlockHash other;
    other.hash.bytes[0] = 9;
    const auto first =
        sign_vote(*cluster.signers_[3], test_chain_id, make_prevote(Height{1}, Round{0}, std::nullopt));
    const auto second =
        sign_vote(*cluster.signers_[3], test_chain_id, make_prevote(Height{1}, Round{0}, other));
    cluster.deliver(0, first);
    cluster.deliver(0, first);  // A duplicate is not equivocation.
    CHECK(cluster.cores_[0]->evidence().empty());
    cluster.deliver(0, second);
    REQUIRE(cluster.cores_[0]->evidence().size() == 1);
    const auto& evidence = cluster.cores_[0]->evidence().front();
    CHECK(evidence.validator == test_name(3));
    CHECK(evidence.first.signature == first.signature);
    CHECK(evidence.second.signature == second.signature);
}

TEST_CASE("core: messages for future heights are buffered within the limit, far ones dropped") {
    Cluster cluster(4);
    cluster.start_all();
    auto& core = *cluster.cores_[0];
    for (std::uint32_t round = 0; round < 3; ++round) {
        cluster.deliver(0, sign_vote(*cluster.signers_[1], test_chain_id,
                                     make_prevote(Height{2}, Round{round}, std::nullopt)));
    }
    CHECK(core.buffered_messages() == 3);
    cluster.deliver(0, sign_vote(*cluster.signers_[1], test_chain_id,
                                 make_prevote(Height{1 + heights_ahead_max}, Round{0}, std::nullopt)));
    CHECK(core.buffered_messages() == 4);
    cluster.deliver(0, sign_vote(*cluster.signers_[1], test_chain_id,
                                 make_prevote(Height{2 + heights_ahead_max}, Round{0}, std::nullopt)));
    CHECK(core.buffered_messages() == 4);  // Beyond the window: dropped.
    for (std::uint32_t round = 0; core.buffered_messages() < buffered_messages_max; ++round) {
        cluster.deliver(0, sign_vote(*cluster.signers_[2], test_chain_id,
                                     make_prevote(Height{2}, Round{round}, std::nullopt)));
    }
    cluster.deliver(
        0, sign_vote(*cluster.signers_[3], test_chain_id, make_prevote(Height{2}, Round{0}, std::nullopt)));
    CHECK(core.buffered_messages() == buffered_messages_max);
}

TEST_CASE("core: f+1 of the power in a later round makes a node skip to that round") {
    Cluster cluster(4);
    cluster.start_all();
    auto& core = *cluster.cores_[0];
    CHECK(core.round() == Round{0});
    cluster.deliver(
        0, sign_vote(*cluster.signers_[1], test_chain_id, make_prevote(Height{1}, Round{5}, std::nullopt)));
    CHECK(core.round() == Round{0});  // One of four (1/4 of the power) is not more than 1/3.
    cluster.deliver(
        0, sign_vote(*cluster.signers_[2], test_chain_id, make_precommit(Height{1}, Round{5}, std::nullopt)));
    CHECK(core.round() == Round{5});
}

TEST_CASE("core: a validator that is not voting signs nothing, still decides, and votes once allowed") {
    Cluster cluster(4);
    auto paused = cluster.start_state();
    paused.voting = false;
    cluster.cores_[3] = std::make_unique<Core>(cluster.params_, *cluster.signers_[3], paused);
    cluster.start_all();
    // Four heights: node 3 is the proposer of one of them, so that height needs a second round.
    REQUIRE(cluster.run_until([&] { return cluster.all_decided(4); }));
    for (const auto& [from, message] : cluster.sent_)
        CHECK_MESSAGE(from != 3, "a non-voting core signed or sent a message");
    for (std::size_t height = 0; height < 4; ++height)
        CHECK(cluster.decided_[3][height].block_id == cluster.decided_[0][height].block_id);
    CHECK(cluster.persisted_[3].has_value() == true);
    CHECK_FALSE(cluster.persisted_[3]->last_prevote.has_value());
    CHECK_FALSE(cluster.persisted_[3]->last_precommit.has_value());
    CHECK_FALSE(cluster.persisted_[3]->last_proposal.has_value());

    auto ready = cluster.cores_[3]->step(SetVoting{true}, cluster.now());
    cluster.carry_out(3, ready);
    REQUIRE(cluster.run_until([&] { return cluster.all_decided(6); }));
    bool voted = false;
    for (const auto& [from, message] : cluster.sent_)
        voted = voted || (from == 3 && std::holds_alternative<Vote>(message.body));
    CHECK(voted);
    for (std::size_t height = 0; height < 6; ++height)
        CHECK(cluster.decided_[3][height].block_id == cluster.decided_[1][height].block_id);
}

TEST_CASE("core: two of four crash anywhere in a height, one restarts paused, and the three decide") {
    // With only 2f+1 of the power up, the three must meet in one round. A restarted validator
    // first follows without voting (the runtime waits to hear its peers); if meanwhile it passed
    // the propose step, resuming must not take it to the next round alone: the two others wait
    // in this round for its votes, and it would wait there for theirs. Every cut point of the
    // first height is tried, with pauses shorter and longer than the propose timeout.
    for (std::size_t cut = 0; cut < 40; ++cut) {
        for (const std::int64_t pause_ms : {0, 100, 1500}) {
            for (const std::int64_t down_ms : {200, 3000}) {
                CAPTURE(cut);
                CAPTURE(pause_ms);
                CAPTURE(down_ms);
                Cluster cluster(4);
                cluster.rebroadcast = true;
                cluster.start_all();
                for (std::size_t delivered = 0; delivered < cut && !cluster.queue_.empty(); ++delivered) {
                    auto [from, to, message] = cluster.queue_.front();
                    cluster.queue_.pop_front();
                    cluster.deliver(to, message);
                }
                cluster.crash(2);
                cluster.crash(3);
                cluster.run_for(down_ms);
                if (!cluster.decided_[2].empty()) continue;  // Decided before the crash: block sync's case.
                cluster.restart(2, pause_ms == 0);
                if (pause_ms > 0) {
                    cluster.run_for(pause_ms);
                    auto resumed = cluster.cores_[2]->step(SetVoting{true}, cluster.now());
                    cluster.carry_out(2, resumed);
                }
                const bool decided = cluster.run_until([&] {
                    cluster.sync_commits();
                    return cluster.decided_[0].size() >= 3 && cluster.decided_[1].size() >= 3 &&
                           cluster.decided_[2].size() >= 3;
                });
                CHECK(decided);
                if (!decided) continue;
                for (std::size_t height = 0; height < 3; ++height) {
                    CHECK(cluster.decided_[2][height].block_id == cluster.decided_[0][height].block_id);
                    CHECK(cluster.decided_[1][height].block_id == cluster.decided_[0][height].block_id);
                }
            }
        }
    }
}
