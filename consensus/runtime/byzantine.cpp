#include "consensus/runtime/byzantine.hpp"

#include <string>

#include "crypto/sha256.hpp"

namespace custos::runtime {

ByzantineMode byzantine_mode(std::string_view setting) {
    ByzantineMode mode;
    mode.equivocate_proposals = setting == "equivocate" || setting == "equivocate_proposals";
    mode.equivocate_votes = setting == "equivocate" || setting == "equivocate_votes";
    mode.forge_signatures = setting == "forge_signatures";
    return mode;
}

std::optional<consensus::SignedMessage> equivocation_twin(const consensus::SignedMessage& message,
                                                          ByzantineMode mode, const consensus::Signer& signer,
                                                          std::string_view chain_id) {
    if (message.validator != signer.name()) return std::nullopt;
    if (const auto* proposal = std::get_if<consensus::Proposal>(&message.body)) {
        if (!mode.equivocate_proposals) return std::nullopt;
        auto other = *proposal;
        other.block.header.time = ledger::TimeMs{other.block.header.time.value + 1};
        return consensus::sign_proposal(signer, chain_id, std::move(other));
    }
    const auto* vote = std::get_if<consensus::Vote>(&message.body);
    if (vote == nullptr || !mode.equivocate_votes) return std::nullopt;
    const ledger::BlockHash made_up{crypto::sha256("custos.test.byzantine/" +
                                                   std::to_string(vote->height.value) + "/" +
                                                   std::to_string(vote->round.value))};
    consensus::Vote other;
    if (vote->type == consensus::VoteType::prevote) {
        other = consensus::make_prevote(vote->height, vote->round,
                                        vote->block ? std::nullopt : std::optional(made_up));
    } else {
        std::optional<consensus::CheckpointRef> checkpoint;
        if (!vote->checkpoint) checkpoint = consensus::CheckpointRef{made_up, 0, Hash32{}, ledger::TimeMs{1}};
        other = consensus::make_precommit(vote->height, vote->round, checkpoint);
    }
    return consensus::sign_vote(signer, chain_id, other);
}

}  // namespace custos::runtime
