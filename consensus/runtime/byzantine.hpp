// TEST ONLY: the misbehaviour a validator configured with "test_byzantine" shows (config.hpp),
// so that the multi-process tests can check what the honest validators do about it. A production
// node never gets here: Node::create refuses the setting without CUSTOS_TEST_BYZANTINE=1.
#pragma once

#include <optional>
#include <string_view>

#include "consensus/messages.hpp"

namespace custos::runtime {

struct ByzantineMode {
    bool equivocate_proposals = false;
    bool equivocate_votes = false;
    // As proposer, put the first event of each block under a forged signature (one bit flipped),
    // in a header made for it: the block of a proposer that passes off an event the others have
    // verified as signed otherwise (node.cpp, build_proposal).
    bool forge_signatures = false;
    [[nodiscard]] bool any() const { return equivocate_proposals || equivocate_votes || forge_signatures; }
};

// "" (honest), "equivocate_proposals", "equivocate_votes", "equivocate" or "forge_signatures"
// (config already checked the spelling).
[[nodiscard]] ByzantineMode byzantine_mode(std::string_view setting);

// The conflicting twin of a message this validator signed, when `mode` equivocates on its kind:
// for a proposal, the same proposal with another block (its time one millisecond later, so it is
// just as valid); for a vote, a vote of the same type, height and round for another value (nil
// for a block, a made-up block for nil). Signed with the validator's own key, bypassing the
// core's never-twice guard on purpose.
[[nodiscard]] std::optional<consensus::SignedMessage> equivocation_twin(
    const consensus::SignedMessage& message, ByzantineMode mode, const consensus::Signer& signer,
    std::string_view chain_id);

}  // namespace custos::runtime
