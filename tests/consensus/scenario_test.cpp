// Fixed scenarios for the known-tricky cases: each drives real cores with real signatures
// through an exact sequence of messages and timeouts.
#include <doctest/doctest.h>

#include "cluster.hpp"

using namespace custos::test;

namespace {

// One core under test (validator 1 of 4); the test plays the other three by hand.
struct Scenario {
    Cluster cluster{4};
    std::size_t self = 1;

    Scenario() {
        auto ready = core().start(cluster.now());
        cluster.carry_out(self, ready);
    }
    Core& core() { return *cluster.cores_[self]; }
    KeySigner& key(std::size_t index) { return *cluster.signers_[index]; }

    Block block(std::uint8_t salt, std::size_t proposer) {
        return test_block(Height{1}, TimeMs{test_genesis_time_ms}, BlockHash{}, test_name(proposer), salt);
    }
    void propose(std::size_t from, Round round, const Block& block, std::optional<Round> pol = std::nullopt) {
        cluster.deliver(self,
                        sign_proposal(key(from), test_chain_id, Proposal{Height{1}, round, pol, block, {}}));
    }
    void prevote(std::size_t from, Round round, std::optional<BlockHash> block) {
        cluster.deliver(self, sign_vote(key(from), test_chain_id, make_prevote(Height{1}, round, block)));
    }
    void precommit(std::size_t from, Round round, const std::optional<Block>& block) {
        std::optional<CheckpointRef> checkpoint;
        if (block) checkpoint = checkpoint_ref(block->header);
        cluster.deliver(self,
                        sign_vote(key(from), test_chain_id, make_precommit(Height{1}, round, checkpoint)));
    }
    // Fires the core's pending timeout of this kind and round.
    void fire(TimeoutKind kind, Round round) {
        auto& pending = cluster.timeouts_;
        auto found = std::find_if(pending.begin(), pending.end(), [&](const auto& entry) {
            return entry.node == self && entry.timeout.kind == kind && entry.timeout.round == round;
        });
        REQUIRE(found != pending.end());
        const auto timeout = found->timeout;
        cluster.elapsed_ms_ = std::max(cluster.elapsed_ms_, found->at_ms);
        pending.erase(found);
        auto ready = core().step(TimeoutFired{timeout}, cluster.now());
        cluster.carry_out(self, ready);
    }
    // The last vote of a type the core under test signed in a round.
    std::optional<Vote> own_vote(VoteType type, Round round) {
        std::optional<Vote> found;
        for (const auto& [from, message] : cluster.sent_) {
            const auto* vote = std::get_if<Vote>(&message.body);
            if (from == self && vote && vote->type == type && vote->round == round) found = *vote;
        }
        return found;
    }
    std::optional<Proposal> own_proposal(Round round) {
        for (const auto& [from, message] : cluster.sent_) {
            const auto* proposal = std::get_if<Proposal>(&message.body);
            if (from == self && proposal && proposal->round == round) return *proposal;
        }
        return std::nullopt;
    }

    // Round 0: validator 0 proposes `a`, everyone prevotes it, the core locks on it; the others'
    // precommits are lost (they precommit nil), so round 0 ends without a decision.
    void lock_in_round_zero(const Block& a) {
        propose(0, Round{0}, a);
        REQUIRE(own_vote(VoteType::prevote, Round{0})->block == block_hash(a.header));
        for (std::size_t from : {0, 2, 3})
            prevote(from, Round{0}, block_hash(a.header));
        REQUIRE(core().locked_round() == Round{0});
        REQUIRE(own_vote(VoteType::precommit, Round{0})->block == block_hash(a.header));
        precommit(0, Round{0}, std::nullopt);
        precommit(2, Round{0}, std::nullopt);
        fire(TimeoutKind::precommit, Round{0});
        REQUIRE(core().round() == Round{1});
    }
    // Round 1 (the core proposes): everyone else prevotes and precommits nil.
    void nil_round_one() {
        for (std::size_t from : {0, 2, 3})
            prevote(from, Round{1}, std::nullopt);
        for (std::size_t from : {0, 2, 3})
            precommit(from, Round{1}, std::nullopt);
        fire(TimeoutKind::precommit, Round{1});
        REQUIRE(core().round() == Round{2});
    }
};

}  // namespace

TEST_CASE("scenario: a lock is held across rounds and released only by a newer proof-of-lock") {
    Scenario scenario;
    const Block a = scenario.block(1, 0);
    const Block b = scenario.block(2, 2);
    scenario.lock_in_round_zero(a);

    // Round 1: the core is the proposer and re-proposes its valid value with its proof round.
    const auto reproposed = scenario.own_proposal(Round{1});
    REQUIRE(reproposed.has_value());
    CHECK(reproposed->block_id == block_hash(a.header));
    CHECK(reproposed->pol_round == Round{0});
    scenario.nil_round_one();
    CHECK(scenario.core().locked_round() == Round{0});

    // Round 2: validator 2 proposes a different block without a proof: locked, the core prevotes nil.
    scenario.propose(2, Round{2}, b);
    REQUIRE(scenario.own_vote(VoteType::prevote, Round{2}).has_value());
    CHECK_FALSE(scenario.own_vote(VoteType::prevote, Round{2})->block.has_value());
    CHECK(scenario.core().locked_round() == Round{0});

    // The others prevote b in round 2: a proof-of-lock newer than the lock, so the core re-locks
    // on b and precommits it (Algorithm 1 line 36).
    for (std::size_t from : {0, 2, 3})
        scenario.prevote(from, Round{2}, block_hash(b.header));
    CHECK(scenario.core().locked_round() == Round{2});
    CHECK(scenario.own_vote(VoteType::precommit, Round{2})->block == block_hash(b.header));
}

TEST_CASE("scenario: a proposer equivocates in the round where the others are locked") {
    Scenario scenario;
    const Block a = scenario.block(1, 0);
    scenario.lock_in_round_zero(a);
    scenario.nil_round_one();

    // Round 2: Byzantine validator 2 sends two different proposals and two different prevotes.
    const Block b = scenario.block(2, 2);
    const Block c = scenario.block(3, 2);
    scenario.propose(2, Round{2}, b);
    scenario.propose(2, Round{2}, c);
    scenario.prevote(2, Round{2}, block_hash(b.header));
    scenario.prevote(2, Round{2}, block_hash(c.header));
    CHECK_FALSE(scenario.own_vote(VoteType::prevote, Round{2})->block.has_value());  // Locked on a.
    const auto& evidence = scenario.core().evidence();
    REQUIRE(evidence.size() == 2);
    CHECK(evidence[0].validator == test_name(2));
    CHECK(std::holds_alternative<Proposal>(evidence[0].first.body));
    CHECK(std::holds_alternative<Proposal>(evidence[0].second.body));
    CHECK(std::holds_alternative<Vote>(evidence[1].first.body));

    // The honest validators 0 and 3 are locked on a too and prevote nil; round 2 ends.
    scenario.prevote(0, Round{2}, std::nullopt);
    scenario.prevote(3, Round{2}, std::nullopt);
    CHECK_FALSE(scenario.own_vote(VoteType::precommit, Round{2})->block.has_value());
    scenario.precommit(0, Round{2}, std::nullopt);
    scenario.precommit(3, Round{2}, std::nullopt);
    scenario.fire(TimeoutKind::precommit, Round{2});

    // Round 3: validator 3 re-proposes a with its round-0 proof; the locked majority decides a.
    scenario.propose(3, Round{3}, a, Round{0});
    CHECK(scenario.own_vote(VoteType::prevote, Round{3})->block == block_hash(a.header));
    scenario.prevote(0, Round{3}, block_hash(a.header));
    scenario.prevote(3, Round{3}, block_hash(a.header));
    scenario.precommit(0, Round{3}, a);
    CHECK(scenario.cluster.decided_[1].empty());
    scenario.precommit(3, Round{3}, a);
    REQUIRE(scenario.cluster.decided_[1].size() == 1);
    const auto& decision = scenario.cluster.decided_[1][0];
    CHECK(decision.block_id == block_hash(a.header));
    CHECK(decision.round == Round{3});
    CHECK(custos::ledger::verify_certificate(decision.certificate, test_chain_id,
                                             scenario.cluster.params_.validators)
              .has_value());
}

TEST_CASE("scenario: a partition that heals exactly at a round change") {
    Cluster cluster(4);
    // Validator 0, the round-0 proposer, is cut off from everyone.
    cluster.link_up = [](std::size_t from, std::size_t to) { return from != 0 && to != 0; };
    cluster.start_all();
    // Run until the first of the others moves to round 1 (the round-0 proposer was silent).
    auto round_change = [&] {
        for (std::size_t node = 1; node < 4; ++node) {
            if (cluster.cores_[node]->round() >= Round{1}) return true;
        }
        return false;
    };
    REQUIRE(cluster.run_until(round_change));
    CHECK(cluster.cores_[0]->round() == Round{0});
    for (const auto& decided : cluster.decided_)
        CHECK(decided.empty());

    // Heal at the round change: validator 0 catches up through the f+1 rule, all decide.
    cluster.link_up = [](std::size_t, std::size_t) { return true; };
    auto all_decided = [&] {
        for (const auto& decided : cluster.decided_) {
            if (decided.empty()) return false;
        }
        return true;
    };
    REQUIRE(cluster.run_until(all_decided));
    const auto& first = cluster.decided_[1][0];
    CHECK(first.round == Round{1});
    CHECK(first.block.header.proposer == test_name(1));
    for (const auto& decided : cluster.decided_)
        CHECK(decided[0].block_id == first.block_id);
}
