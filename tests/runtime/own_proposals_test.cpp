// A proposer's own proposals kept for proposal requests (consensus/runtime/own_proposals.hpp):
// the latest rounds of the height being decided, each given once to each peer.
#include <doctest/doctest.h>

#include "consensus/runtime/own_proposals.hpp"
#include "tests/runtime/test_support.hpp"

using namespace custos;
using namespace custos::runtime;
using runtime::testing::peer_key;

namespace {

consensus::SignedMessage proposal_at(std::uint64_t height, std::uint32_t round) {
    return consensus::SignedMessage{
        consensus::Proposal{ledger::Height{height}, ledger::Round{round}, std::nullopt, ledger::Block{}, {}},
        {},
        {}};
}

}  // namespace

TEST_CASE("own proposals: each is given once to each peer that asks") {
    OwnProposals own;
    own.keep(proposal_at(5, 0));
    const auto* given = own.answer(peer_key(1), 5, 0);
    REQUIRE(given != nullptr);
    CHECK(std::get<consensus::Proposal>(given->body).height.value == 5);
    CHECK(own.answer(peer_key(1), 5, 0) == nullptr);  // Given to this peer already.
    CHECK(own.answer(peer_key(2), 5, 0) != nullptr);  // Another peer gets it once too.
    CHECK(own.answer(peer_key(3), 5, 1) == nullptr);  // Never proposed.
    // Proposed again (a new signature at the same place): every peer may ask again.
    own.keep(proposal_at(5, 0));
    CHECK(own.answer(peer_key(1), 5, 0) != nullptr);
}

TEST_CASE("own proposals: only the height being decided, at most own_proposals_max rounds") {
    OwnProposals own;
    own.keep(proposal_at(5, 0));
    own.keep(proposal_at(6, 0));  // Height 5 is decided: its proposals go.
    CHECK(own.size() == 1);
    CHECK(own.answer(peer_key(1), 5, 0) == nullptr);
    for (std::uint32_t round = 1; round <= own_proposals_max; ++round)
        own.keep(proposal_at(6, round));
    CHECK(own.size() == own_proposals_max);
    CHECK(own.answer(peer_key(1), 6, 0) == nullptr);  // The oldest round went.
    CHECK(own.answer(peer_key(1), 6, 1) != nullptr);
    CHECK(own.answer(peer_key(1), 6, own_proposals_max) != nullptr);
}
