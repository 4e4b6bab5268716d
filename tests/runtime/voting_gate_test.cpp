// The voting gate (consensus/runtime/voting_gate.hpp): no voting while the signing state is
// behind, before a quorum's statuses arrived, or while behind; and what changes for the core.
#include <doctest/doctest.h>

#include "consensus/runtime/voting_gate.hpp"
#include "tests/runtime/test_support.hpp"

using namespace custos;
using namespace custos::runtime;
using runtime::testing::peer_key;
using runtime::testing::validator_set;

namespace {

// Four validators of power 1 (keys 1..4); this node is validator 1, at committed height 10.
struct Gate {
    ledger::ValidatorSet set = validator_set({1, 1, 1, 1});
    crypto::PublicKey self = peer_key(1);
    SyncTracker peers;
    VotingGate gate;
    std::uint64_t height = 10;

    VotingGate::View view() const {
        return {.height = height, .validators = set, .self = self, .peers = peers};
    }
    void status(std::uint8_t n, std::uint64_t peer_height) {
        peers.peer_up(peer_key(n));
        peers.status(peer_key(n), peer_height);
    }
};

}  // namespace

TEST_CASE("voting gate: waits for statuses of more than 2/3 of the power, counting itself") {
    Gate g;
    CHECK(g.gate.pause_reason(g.view()) == "waiting_for_peers");
    g.status(2, 10);
    CHECK(g.gate.pause_reason(g.view()) == "waiting_for_peers");  // 2 of 4: not more than 2/3.
    g.status(9, 10);                                              // Not a member: weighs nothing.
    CHECK(g.gate.pause_reason(g.view()) == "waiting_for_peers");
    g.status(3, 10);
    CHECK(g.gate.pause_reason(g.view()).empty());  // 3 of 4.
    // Once heard, the gate stays open when peers leave ...
    g.peers.peer_down(peer_key(2));
    g.peers.peer_down(peer_key(3));
    CHECK(g.gate.pause_reason(g.view()).empty());
    // ... until a new core asks again.
    CHECK_FALSE(g.gate.restart(g.view()));
    CHECK(g.gate.paused_for() == "waiting_for_peers");
}

TEST_CASE("voting gate: paused while behind, and through the height the signing state is behind") {
    Gate g;
    g.status(2, 10);
    g.status(3, 10);
    CHECK(g.gate.pause_reason(g.view()).empty());
    g.status(2, 12);
    g.status(3, 12);
    CHECK(g.gate.pause_reason(g.view()) == "behind");
    g.status(2, 10);
    g.status(3, 10);
    g.gate.silence_through(11);
    CHECK(g.gate.pause_reason(g.view()) == "signing_state_behind");  // Deciding height 11.
    g.height = 11;
    CHECK(g.gate.pause_reason(g.view()).empty());  // Deciding height 12: nothing signed there.
}

TEST_CASE("voting gate: the core is paused and resumed on changes, and told a new reason once") {
    Gate g;
    // A core that votes while the gate waits for peers: paused.
    auto update = g.gate.update(g.view(), true);
    CHECK(update.change == VotingGate::Change::paused);
    CHECK(update.reason == "waiting_for_peers");
    CHECK(g.gate.paused_for() == "waiting_for_peers");
    // Still paused for the same reason: nothing to do.
    CHECK(g.gate.update(g.view(), false).change == VotingGate::Change::none);
    // Still paused, for another reason: said once.
    g.status(2, 12);
    g.status(3, 12);
    update = g.gate.update(g.view(), false);
    CHECK(update.change == VotingGate::Change::reason_changed);
    CHECK(update.reason == "behind");
    CHECK(g.gate.update(g.view(), false).change == VotingGate::Change::none);
    // Caught up: resumed, and no reason left.
    g.height = 12;
    update = g.gate.update(g.view(), false);
    CHECK(update.change == VotingGate::Change::resumed);
    CHECK(g.gate.paused_for().empty());
    CHECK(g.gate.update(g.view(), true).change == VotingGate::Change::none);
}

TEST_CASE("voting gate: a node whose statuses are all heard at its start votes at once") {
    Gate g;
    g.status(2, 10);
    g.status(3, 10);
    g.status(4, 10);
    CHECK(g.gate.restart(g.view()));
    CHECK(g.gate.paused_for().empty());
}
