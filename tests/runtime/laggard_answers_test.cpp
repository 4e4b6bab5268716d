// The commits owed to peers behind (consensus/runtime/laggard_answers.hpp): one answer waits per
// peer and height, and goes only if the peer has not reported that height committed meanwhile.
#include <doctest/doctest.h>

#include "consensus/runtime/laggard_answers.hpp"
#include "tests/runtime/test_support.hpp"

using namespace custos;
using namespace custos::runtime;
using runtime::testing::peer_key;

TEST_CASE("laggard answers: one waits per peer and height, however many prevotes arrive") {
    LaggardAnswers answers;
    CHECK(answers.wait(peer_key(1), 5));
    CHECK_FALSE(answers.wait(peer_key(1), 5));  // Its second prevote: no second block.
    CHECK(answers.wait(peer_key(1), 6));        // Another height.
    CHECK(answers.wait(peer_key(2), 5));        // Another peer.
    CHECK(answers.size() == 3);
    CHECK(answers.over(peer_key(1), 5, std::nullopt));
    CHECK(answers.size() == 2);
    CHECK(answers.wait(peer_key(1), 5));  // Its wait is over: the peer may be answered again.
}

TEST_CASE("laggard answers: the commit goes only while the peer reports a lower height") {
    LaggardAnswers answers;
    REQUIRE(answers.wait(peer_key(1), 5));
    CHECK(answers.over(peer_key(1), 5, 4));  // Still behind: it gets the block.
    REQUIRE(answers.wait(peer_key(1), 5));
    CHECK_FALSE(answers.over(peer_key(1), 5, 5));  // It committed height 5 meanwhile.
    REQUIRE(answers.wait(peer_key(1), 5));
    CHECK_FALSE(answers.over(peer_key(1), 5, 9));  // Further still.
    REQUIRE(answers.wait(peer_key(1), 5));
    CHECK(answers.over(peer_key(1), 5, std::nullopt));  // No status (yet, or disconnected): sent.
    CHECK(answers.size() == 0);
}

TEST_CASE("laggard answers: a peer prevoting at many old heights gets at most two waiting answers") {
    LaggardAnswers answers;
    std::size_t started = 0;
    for (std::uint64_t height = 1; height <= 100; ++height)
        started += answers.wait(peer_key(1), height) ? 1 : 0;
    CHECK(started == laggard_answers_per_peer_max);
    CHECK(answers.size() == laggard_answers_per_peer_max);
    CHECK(answers.wait(peer_key(2), 50));               // Another peer is not held back by it.
    CHECK(answers.over(peer_key(1), 1, std::nullopt));  // One wait over: room for one more.
    CHECK(answers.wait(peer_key(1), 99));
    CHECK_FALSE(answers.wait(peer_key(1), 98));
    CHECK(answers.size() == laggard_answers_per_peer_max + 1);
}
