#include "sim/invariants.hpp"

#include "crypto/encoding.hpp"

namespace custos::sim {

std::string_view invariant_name(Invariant invariant) {
    switch (invariant) {
        case Invariant::agreement:
            return "agreement";
        case Invariant::validity:
            return "validity";
        case Invariant::certificate:
            return "certificate";
        case Invariant::double_sign:
            return "no-honest-double-sign";
        case Invariant::heights_grow:
            return "heights-only-grow";
        case Invariant::restart_consistent:
            return "restart-consistent";
        case Invariant::quiet:
            return "quiet-when-idle";
        case Invariant::liveness:
            return "liveness";
    }
    return "unknown";
}

InvariantChecker::InvariantChecker(std::string chain_id, ledger::ValidatorSet validators,
                                   std::vector<bool> honest)
    : chain_id_(std::move(chain_id)),
      validators_(std::move(validators)),
      honest_(std::move(honest)),
      node_decided_(honest_.size()),
      node_height_(honest_.size(), 0) {}

void InvariantChecker::fail(Invariant invariant, std::string detail) {
    if (!violation_) violation_ = Violation{invariant, std::move(detail)};
}

void InvariantChecker::on_decision(std::size_t node, const consensus::Decision& decision,
                                   const Status& applied, const ledger::ValidatorSet* in_force) {
    const ledger::ValidatorSet& validators = in_force != nullptr ? *in_force : validators_;
    if (!honest_[node]) return;
    const auto height = decision.block.header.height.value;
    const auto where = "node " + std::to_string(node) + " height " + std::to_string(height);
    if (!applied) fail(Invariant::validity, where + ": " + applied.error().to_string());
    auto certificate = ledger::verify_certificate(decision.certificate, chain_id_, validators);
    if (!certificate) {
        fail(Invariant::certificate, where + ": " + certificate.error().to_string());
    } else if (certificate->block != decision.block_id ||
               certificate->height != decision.block.header.height || certificate->round != decision.round ||
               !ledger::exceeds_two_thirds(certificate->signed_power, validators.total_power()) ||
               (in_force != nullptr && decision.block.header.validators_hash != in_force->hash())) {
        fail(Invariant::certificate,
             where + ": certificate does not certify this block with > 2/3 of the set in force");
    }
    auto& mine = node_decided_[node];
    if (auto before = mine.find(height); before != mine.end() && before->second != decision.block_id) {
        fail(Invariant::restart_consistent, where + ": decided a different block than before");
    }
    mine[height] = decision.block_id;
    check_quiet(where, decision.block);
    auto [global, inserted] = decided_.emplace(height, decision.block_id);
    if (inserted && decision.block.events.empty()) ++empty_blocks_;
    if (!inserted && global->second != decision.block_id) {
        fail(Invariant::agreement, where + ": decided " + crypto::hex_encode(decision.block_id.hash.view()) +
                                       " but another node decided " +
                                       crypto::hex_encode(global->second.hash.view()));
    }
}

void InvariantChecker::check_quiet(const std::string& where, const consensus::Block& block) {
    const auto height = block.header.height.value;
    times_[height] = block.header.time;
    if (heartbeat_ms_ <= 0 || !block.events.empty()) return;
    auto previous = times_.find(height - 1);
    if (previous == times_.end()) return;  // Not seen (cannot happen: every height is decided in order).
    if (block.header.time.value < previous->second.value + heartbeat_ms_) {
        fail(Invariant::quiet, where + ": a block without events " +
                                   std::to_string(block.header.time.value - previous->second.value) +
                                   " ms after the block before it, under the heartbeat interval of " +
                                   std::to_string(heartbeat_ms_) + " ms");
    }
}

void InvariantChecker::on_signed(std::size_t node, const consensus::SignedMessage& message) {
    if (std::holds_alternative<consensus::Commit>(message.body)) return;
    // Judge the signer, not the sender: honest nodes relay other validators' votes.
    std::size_t signer = honest_.size();
    if (names_.empty()) {
        for (std::size_t index = 0; index < validators_.validators.size(); ++index) {
            if (validators_.validators[index].name == message.validator) signer = index;
        }
    } else {
        for (std::size_t index = 0; index < names_.size(); ++index) {
            if (names_[index] == message.validator) signer = index;
        }
    }
    if (signer >= honest_.size() || !honest_[signer]) return;
    std::tuple<std::string, std::uint64_t, std::uint32_t, int> slot;
    std::string content;
    if (const auto* proposal = std::get_if<consensus::Proposal>(&message.body)) {
        slot = {message.validator, proposal->height.value, proposal->round.value, 0};
        content = consensus::proposal_signing_bytes(chain_id_, *proposal);
    } else {
        const auto& vote = std::get<consensus::Vote>(message.body);
        slot = {message.validator, vote.height.value, vote.round.value,
                vote.type == consensus::VoteType::prevote ? 1 : 2};
        content = consensus::vote_signing_bytes(chain_id_, vote);
    }
    auto [held, inserted] = signed_.emplace(slot, content);
    if (!inserted && held->second != content) {
        fail(Invariant::double_sign,
             "validator " + message.validator + " (seen from node " + std::to_string(node) +
                 ") signed two different messages for height " + std::to_string(std::get<1>(slot)) +
                 " round " + std::to_string(std::get<2>(slot)) + " type " +
                 std::to_string(std::get<3>(slot)));
    }
}

void InvariantChecker::on_height(std::size_t node, ledger::Height height) {
    if (!honest_[node]) return;
    if (height.value < node_height_[node]) {
        fail(Invariant::heights_grow, "node " + std::to_string(node) + " went from height " +
                                          std::to_string(node_height_[node]) + " to " +
                                          std::to_string(height.value));
    }
    node_height_[node] = height.value;
}

}  // namespace custos::sim
