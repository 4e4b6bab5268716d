#include "ledger/audit/audit_checkpoint.hpp"

#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

namespace {

using crypto::hex;

std::string describe(Height height, const BlockHash& hash) {
    return "height " + std::to_string(height.value) + " block " + hex(hash.hash);
}

struct Verified {
    VerifiedCertificate certificate;
    const ValidatorSet* set = nullptr;
};

// Tries the sets of the history, latest first: the one that verifies the certificate must also
// be the one in force at the height the certificate names. Returns the first refusal otherwise.
Result<Verified> verify_against_history(const Certificate& checkpoint, std::string_view chain_id,
                                        const ValidatorHistory& history) {
    std::optional<Error> first_refusal;
    const auto& sets = history.sets();
    for (auto it = sets.rbegin(); it != sets.rend(); ++it) {
        const ValidatorSet& set = *it->second;
        auto verified = verify_certificate(checkpoint, chain_id, set);
        if (!verified) {
            if (!first_refusal) first_refusal = verified.error();
            continue;
        }
        if (verified->height.value == 0 || history.at(verified->height).get() != &set) {
            if (!first_refusal) {
                first_refusal = Error{ErrorCode::verification_failed,
                                      "signed by a validator set that is not the one in force at height " +
                                          std::to_string(verified->height.value)};
            }
            continue;
        }
        return Verified{std::move(*verified), &set};
    }
    return tl::unexpected(first_refusal.value_or(Error{ErrorCode::verification_failed, "no validator set"}));
}

Result<BlockHash> stored_block_hash(const store::Db& db, Height height) {
    auto text = db.get(store::Column::blocks, store::be64(height.value));
    if (!text) return tl::unexpected(text.error());
    if (!text->has_value())
        return make_error(ErrorCode::corruption, "block " + std::to_string(height.value) + " vanished");
    auto json = crypto::parse_json(**text);
    auto header = json ? block_header_from_json(*json) : tl::unexpected(json.error());
    if (!header) return tl::unexpected(header.error());
    return block_hash(*header);
}

}  // namespace

Result<CheckpointComparison> compare_with_checkpoint(const store::Db& db, const Certificate& checkpoint,
                                                     std::string_view chain_id,
                                                     const ValidatorHistory& history, const AuditHead& head) {
    const std::string at_head = describe(head.height, head.block_hash);
    auto verified = verify_against_history(checkpoint, chain_id, history);
    if (!verified) {
        return CheckpointComparison{
            .violation = AuditViolation{
                .height = head.height,
                .rule = std::string(audit_check::checkpoint_certificate),
                .expected = "a commit certificate of chain " + std::string(chain_id) +
                            " signed by more than 2/3 of the validator set in force at its height",
                .found = verified.error().message,
                .message = "the expected checkpoint does not verify (" + verified.error().message +
                           "): nothing was compared"}};
    }
    const VerifiedCertificate& certified = verified->certificate;
    const std::string at_checkpoint = describe(certified.height, certified.block);
    if (certified.height > head.height) {
        return CheckpointComparison{
            .violation = AuditViolation{
                .height = head.height,
                .rule = std::string(audit_check::checkpoint_behind),
                .expected = "a ledger reaching at least " + at_checkpoint,
                .found = "a ledger ending at " + at_head,
                .message = "the store ends at height " + std::to_string(head.height.value) +
                           ", before the certified checkpoint at height " +
                           std::to_string(certified.height.value) +
                           ": it is truncated, damaged or a stale copy; what it holds verified, but it "
                           "is not the whole ledger"}};
    }
    auto stored = stored_block_hash(db, certified.height);
    if (!stored) return tl::unexpected(stored.error());
    if (*stored != certified.block) {
        return CheckpointComparison{
            .violation = AuditViolation{
                .height = certified.height,
                .rule = std::string(audit_check::checkpoint_fork),
                .expected = at_checkpoint,
                .found = describe(certified.height, *stored),
                .message = "the store holds another block at height " +
                           std::to_string(certified.height.value) +
                           " than the certified checkpoint: two certified histories (a fork beyond f "
                           "faulty validators) or a forged store"}};
    }
    return CheckpointComparison{.match = CheckpointMatch{.height = certified.height,
                                                         .block_hash = certified.block,
                                                         .signed_power = certified.signed_power,
                                                         .total_power = verified->set->total_power()}};
}

}  // namespace custos::ledger
