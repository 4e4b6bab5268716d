// The peer table behind block sync and the voting gate (consensus/runtime/sync_tracker.hpp):
// whose heights count, when this node is behind, and whom it asks for blocks, when.
#include <doctest/doctest.h>

#include "consensus/runtime/sync_tracker.hpp"
#include "tests/runtime/test_support.hpp"

using namespace custos;
using namespace custos::runtime;
using runtime::testing::peer_key;
using runtime::testing::validator_set;

namespace {

const auto no_observers = [](const crypto::PublicKey&) { return false; };

}  // namespace

TEST_CASE("sync tracker: only connected peers' heights count, and a peer that leaves is forgotten") {
    SyncTracker sync;
    sync.status(peer_key(1), 9);  // Not connected: ignored.
    CHECK_FALSE(sync.height_of(peer_key(1)).has_value());
    sync.peer_up(peer_key(1));
    sync.peer_up(peer_key(2));
    sync.status(peer_key(1), 9);
    sync.status(peer_key(2), 4);
    CHECK(sync.connected_count() == 2);
    CHECK(sync.height_of(peer_key(1)) == 9);
    CHECK(sync.best_height() == 9);
    sync.peer_down(peer_key(1));
    CHECK_FALSE(sync.connected(peer_key(1)));
    CHECK_FALSE(sync.height_of(peer_key(1)).has_value());
    CHECK(sync.best_height() == 4);
}

TEST_CASE("sync tracker: behind only when more than a third of the power is over a block ahead") {
    const auto set = validator_set({1, 1, 1, 1});  // Total 4: behind needs power 2 ahead.
    SyncTracker sync;
    for (std::uint8_t n = 1; n <= 4; ++n)
        sync.peer_up(peer_key(n));
    sync.status(peer_key(1), 100);
    CHECK_FALSE(sync.behind(10, set));  // One peer alone cannot say so.
    sync.status(peer_key(2), 11);       // One block ahead is not behind.
    CHECK_FALSE(sync.behind(10, set));
    sync.status(peer_key(2), 12);
    CHECK(sync.behind(10, set));
    sync.peer_up(peer_key(9));  // Not a validator: its height weighs nothing.
    sync.status(peer_key(9), 500);
    sync.peer_down(peer_key(2));
    CHECK_FALSE(sync.behind(10, set));
}

TEST_CASE("sync tracker: asks the highest connected validator, spaced, after a grace when one behind") {
    SyncTracker sync;
    sync.peer_up(peer_key(1));
    sync.peer_up(peer_key(2));
    sync.peer_up(peer_key(3));
    sync.status(peer_key(1), 15);
    sync.status(peer_key(2), 20);
    sync.status(peer_key(3), 30);
    const auto observer3 = [](const crypto::PublicKey& key) { return key == peer_key(3); };
    // The highest is an observer: its word is not enough, the highest validator is asked.
    auto request = sync.next_request(10, 1000, observer3);
    REQUIRE(request.has_value());
    CHECK(request->peer == peer_key(2));
    CHECK(request->peer_height == 20);
    CHECK_FALSE(sync.next_request(10, 1000 + sync_request_interval_ms - 1, observer3).has_value());
    CHECK(sync.next_request(10, 1000 + sync_request_interval_ms, observer3).has_value());
    // Nobody above us: nothing to ask.
    CHECK_FALSE(sync.next_request(30, 5000, no_observers).has_value());
}

TEST_CASE("sync tracker: one block behind waits sync_one_behind_grace_ms before asking") {
    SyncTracker sync;
    sync.peer_up(peer_key(1));
    sync.status(peer_key(1), 11);
    const std::int64_t start = 10'000;
    CHECK_FALSE(sync.next_request(10, start, no_observers).has_value());  // The grace starts.
    CHECK_FALSE(sync.next_request(10, start + sync_one_behind_grace_ms - 1, no_observers).has_value());
    auto request = sync.next_request(10, start + sync_one_behind_grace_ms, no_observers);
    REQUIRE(request.has_value());
    CHECK(request->peer_height == 11);
    // At the next height the grace starts over.
    sync.status(peer_key(1), 12);
    CHECK_FALSE(sync.next_request(11, start + 2 * sync_one_behind_grace_ms, no_observers).has_value());
}
