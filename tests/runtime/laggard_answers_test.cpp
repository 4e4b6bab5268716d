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
