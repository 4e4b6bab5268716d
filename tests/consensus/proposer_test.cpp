#include <doctest/doctest.h>

#include <map>

#include "consensus/proposer.hpp"

using custos::consensus::ProposerRotation;
using custos::ledger::Height;
using custos::ledger::Round;

TEST_CASE("proposer rotation: each validator proposes in proportion to its power over one period") {
    ProposerRotation rotation({1, 2, 3, 4});
    std::map<std::size_t, int> counts;
    for (std::uint64_t height = 1; height <= 10; ++height)
        ++counts[rotation.proposer(Height{height}, Round{0})];
    CHECK(counts[0] == 1);
    CHECK(counts[1] == 2);
    CHECK(counts[2] == 3);
    CHECK(counts[3] == 4);
}

TEST_CASE("proposer rotation: equal powers rotate round robin and rounds advance the schedule") {
    ProposerRotation rotation({5, 5, 5, 5});
    CHECK(rotation.proposer(Height{1}, Round{0}) == 0);
    CHECK(rotation.proposer(Height{2}, Round{0}) == 1);
    CHECK(rotation.proposer(Height{1}, Round{1}) == 1);
    CHECK(rotation.proposer(Height{1}, Round{3}) == 3);
    CHECK(rotation.proposer(Height{4}, Round{1}) == 0);
    // Memoryless: the answer does not depend on what was asked before.
    ProposerRotation fresh({5, 5, 5, 5});
    CHECK(fresh.proposer(Height{4}, Round{1}) == 0);
}

TEST_CASE("proposer rotation: CometBFT priority rule picks the highest priority first") {
    // Powers 1 and 3: priorities after one step are 1 and 3, so validator 1 proposes first.
    ProposerRotation rotation({1, 3});
    CHECK(rotation.proposer(Height{1}, Round{0}) == 1);
    // Step two: 1-0=... priorities (2, 3-4+3=2): tie goes to the earlier validator.
    CHECK(rotation.proposer(Height{2}, Round{0}) == 0);
    CHECK(rotation.proposer(Height{3}, Round{0}) == 1);
    CHECK(rotation.proposer(Height{4}, Round{0}) == 1);
    CHECK(rotation.proposer(Height{5}, Round{0}) == 1);  // Period of 4 starts again.
}

TEST_CASE("proposer rotation: answers do not depend on what was asked before") {
    const std::vector<std::uint64_t> powers{3, 1, 4, 1, 5};
    ProposerRotation shared(powers);
    const std::pair<std::uint64_t, std::uint32_t> queries[] = {
        {7, 0}, {7, 3}, {8, 0}, {2, 9}, {1000003, 2}, {7, 1}, {14, 0}, {15, 0}, {15, 30}, {1, 0}};
    for (const auto& [height, round] : queries) {
        ProposerRotation fresh(powers);
        CHECK(shared.proposer(Height{height}, Round{round}) == fresh.proposer(Height{height}, Round{round}));
    }
}
