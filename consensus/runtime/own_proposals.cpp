#include "consensus/runtime/own_proposals.hpp"

#include "common/assert.hpp"

namespace custos::runtime {

void OwnProposals::keep(const consensus::SignedMessage& proposal) {
    const auto* body = std::get_if<consensus::Proposal>(&proposal.body);
    CUSTOS_ASSERT(body != nullptr, "only proposals are kept for proposal requests");
    kept_.erase(kept_.begin(), kept_.lower_bound({body->height.value, 0}));
    kept_.insert_or_assign({body->height.value, body->round.value}, Kept{proposal, {}});
    while (kept_.size() > own_proposals_max)
        kept_.erase(kept_.begin());
}

const consensus::SignedMessage* OwnProposals::answer(const crypto::PublicKey& peer, std::uint64_t height,
                                                     std::uint32_t round) {
    auto found = kept_.find({height, round});
    if (found == kept_.end() || !found->second.answered.insert(peer).second) return nullptr;
    return &found->second.message;
}

}  // namespace custos::runtime
