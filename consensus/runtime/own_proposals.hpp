// This node's own latest proposals, kept to answer a peer that could not rebuild one from its
// pool (wire 0x06, proposal request; FORMAT.md 8.4): the latest rounds of the height being
// decided, at most own_proposals_max, each given at most once to each peer (a request costs this
// node a whole block's encoding). Pure: the node encodes and sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>

#include "consensus/messages.hpp"
#include "crypto/ed25519.hpp"

namespace custos::runtime {

// Own proposals kept for proposal requests: a few rounds of the height being decided.
inline constexpr std::size_t own_proposals_max = 8;

class OwnProposals {
public:
    // Keeps `proposal` (a signed consensus::Proposal), dropping those of earlier heights and,
    // beyond own_proposals_max, the oldest rounds.
    void keep(const consensus::SignedMessage& proposal);
    // The proposal kept for (height, round) if `peer` has not been given it yet (it now has), else
    // nullptr.
    [[nodiscard]] const consensus::SignedMessage* answer(const crypto::PublicKey& peer, std::uint64_t height,
                                                         std::uint32_t round);
    [[nodiscard]] std::size_t size() const { return kept_.size(); }

private:
    struct Kept {
        consensus::SignedMessage message;
        std::set<crypto::PublicKey> answered;
    };
    std::map<std::pair<std::uint64_t, std::uint32_t>, Kept> kept_;
};

}  // namespace custos::runtime
