// What Byzantine validators do with the messages their own (real, honest) core produces: stay
// silent, equivocate, vote for unknown or invalid blocks, or add malformed, oversized and
// wrongly signed messages. They hold real keys, so their signatures verify.
#include "consensus/messages.hpp"
#include "sim/world.hpp"

namespace custos::sim {
namespace {

ledger::BlockHash random_hash(Rng& rng) {
    ledger::BlockHash hash;
    for (auto& byte : hash.hash.bytes)
        byte = static_cast<std::uint8_t>(rng.next());
    return hash;
}

}  // namespace

consensus::SignedMessage World::forge_conflict(std::size_t index, const consensus::SignedMessage& message) {
    const auto& signer = *nodes_[index].signer;
    if (const auto* proposal = std::get_if<consensus::Proposal>(&message.body)) {
        // A second valid-looking block for the same slot: same contents, a later time.
        auto other = *proposal;
        other.block.header.time.value += 1 + static_cast<std::int64_t>(rng_.below(50));
        return consensus::sign_proposal(signer, params_.chain_id, std::move(other));
    }
    const auto& vote = std::get<consensus::Vote>(message.body);
    if (vote.type == consensus::VoteType::prevote) {
        auto block = vote.block ? std::optional<ledger::BlockHash>{} : std::optional(random_hash(rng_));
        return consensus::sign_vote(signer, params_.chain_id,
                                    consensus::make_prevote(vote.height, vote.round, block));
    }
    std::optional<consensus::CheckpointRef> checkpoint;
    if (!vote.checkpoint) checkpoint = consensus::CheckpointRef{random_hash(rng_), 0, {}, {}};
    return consensus::sign_vote(signer, params_.chain_id,
                                consensus::make_precommit(vote.height, vote.round, checkpoint));
}

void World::send_byzantine(std::size_t index, const consensus::Outbound& outbound) {
    const auto& signer = *nodes_[index].signer;
    ByzantineMode mode = nodes_[index].mode;
    if (mode == ByzantineMode::mixed) mode = static_cast<ByzantineMode>(1 + rng_.below(4));
    const auto& message = outbound.message;
    const bool signed_kind = !std::holds_alternative<consensus::Commit>(message.body);
    switch (mode) {
        case ByzantineMode::silent:
            return;
        case ByzantineMode::equivocate: {
            if (!signed_kind) break;
            const auto conflict = consensus::encode(forge_conflict(index, message));
            const auto original = consensus::encode(message);
            for (std::size_t peer = 0; peer < nodes_.size(); ++peer) {
                if (peer != index) transmit(index, peer, rng_.chance(0.5) ? original : conflict);
            }
            return;
        }
        case ByzantineMode::invalid_votes: {
            if (!signed_kind) break;
            consensus::SignedMessage bad;
            if (const auto* proposal = std::get_if<consensus::Proposal>(&message.body)) {
                auto other = *proposal;
                other.block.header.log_size += 1;  // The ledger refuses this block.
                bad = consensus::sign_proposal(signer, params_.chain_id, std::move(other));
            } else {
                const auto& vote = std::get<consensus::Vote>(message.body);
                const auto unknown = random_hash(rng_);
                bad = vote.type == consensus::VoteType::prevote
                          ? consensus::sign_vote(signer, params_.chain_id,
                                                 consensus::make_prevote(vote.height, vote.round, unknown))
                          : consensus::sign_vote(
                                signer, params_.chain_id,
                                consensus::make_precommit(vote.height, vote.round,
                                                          consensus::CheckpointRef{unknown, 0, {}, {}}));
            }
            transmit(index, outbound.to, consensus::encode(bad));
            return;
        }
        case ByzantineMode::garbage: {
            transmit(index, outbound.to, consensus::encode(message));
            const auto pick = rng_.below(3);
            if (pick == 0) {
                std::string junk(static_cast<std::size_t>(rng_.range(1, 200)), ' ');
                for (auto& byte : junk)
                    byte = static_cast<char>(rng_.next());
                transmit(index, outbound.to, junk);
            } else if (pick == 1) {
                transmit(index, outbound.to, std::string(consensus::message_bytes_max + 1, '['));
            } else if (signed_kind) {
                auto wrong = message;
                wrong.signature.bytes[rng_.below(crypto::signature_bytes)] ^= 0x01;
                transmit(index, outbound.to, consensus::encode(wrong));
            }
            return;
        }
        case ByzantineMode::mixed:
            break;
    }
    transmit(index, outbound.to, consensus::encode(message));
}

}  // namespace custos::sim
