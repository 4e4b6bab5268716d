#include "consensus/verifier.hpp"

#include "crypto/ed25519.hpp"
#include "crypto/ed25519_tables.hpp"

namespace custos::consensus {

Result<VerifiedMessage> MessageVerifier::verify(std::string_view bytes) const {
    auto message = decode(bytes);
    if (!message) return tl::unexpected(message.error());
    return verify(std::move(*message));
}

Result<VerifiedMessage> MessageVerifier::verify(SignedMessage message) const {
    if (std::holds_alternative<Commit>(message.body)) return verify_commit(std::move(message));
    const auto& set = validators_.validators;
    std::size_t sender = set.size();
    for (std::size_t index = 0; index < set.size(); ++index) {
        if (set[index].name == message.validator) sender = index;
    }
    if (sender == set.size()) {
        return make_error(ErrorCode::permission_denied, "signer is not in the validator set");
    }
    std::string bytes;
    if (auto* proposal = std::get_if<Proposal>(&message.body)) {
        if (proposal->pol_round && proposal->pol_round->value >= proposal->round.value) {
            return make_error(ErrorCode::invalid_argument, "pol_round must be below round");
        }
        proposal->block_id = block_hash(proposal->block.header);
        bytes = proposal_signing_bytes(chain_id_, *proposal);
    } else {
        const auto& vote = std::get<Vote>(message.body);
        const bool shape_ok = vote.type == VoteType::prevote
                                  ? !vote.checkpoint
                                  : vote.block.has_value() == vote.checkpoint.has_value();
        if (!shape_ok) return make_error(ErrorCode::invalid_argument, "vote shape does not match its type");
        bytes = vote_signing_bytes(chain_id_, vote);
    }
    if (!crypto::verify(set[sender].key, as_bytes(bytes), message.signature)) {
        return make_error(ErrorCode::verification_failed, "signature does not verify");
    }
    crypto::ed25519_tables::note_known_key(set[sender].key);  // A validator: it signs every round.
    return VerifiedMessage(std::move(message), sender, std::move(bytes));
}

Result<VerifiedMessage> MessageVerifier::verify_commit(SignedMessage message) const {
    const auto& commit = std::get<Commit>(message.body);
    auto certificate = ledger::verify_certificate(commit.certificate, chain_id_, validators_);
    if (!certificate) return tl::unexpected(certificate.error());
    const auto& header = commit.block.header;
    if (certificate->block != block_hash(header) || certificate->height != header.height ||
        certificate->round != commit.round || certificate->log_size != header.log_size ||
        certificate->log_root != header.log_root || certificate->time != header.time ||
        header.chain_id != chain_id_) {
        return make_error(ErrorCode::verification_failed, "certificate does not match the block");
    }
    return VerifiedMessage(std::move(message), 0, commit.certificate.note);
}

}  // namespace custos::consensus
