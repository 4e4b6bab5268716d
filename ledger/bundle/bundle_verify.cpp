// The bundle verifier: checks 0-3 (format, genesis, signatures, proofs) and the driver that runs
// every check and reports the first failure. Checks 4-5 are in bundle_replay.cpp.
// docs/FORMAT.md section 11.4 is the specification; docs/VERIFYING.md explains it to a reader.
#include <algorithm>
#include <map>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {
namespace bundle_detail {

std::size_t index_of(BundleCheck check) {
    return static_cast<std::size_t>(check);
}

void Verification::fail(BundleCheck check, BundleLocation where, std::string reason) {
    auto& slot = failures[index_of(check)];
    if (!slot) slot = BundleFailure{check, std::move(where), std::move(reason)};
}

bool Verification::failed(BundleCheck check) const {
    return failures[index_of(check)].has_value();
}

void Verification::set_result(BundleCheck check, bool ran, std::string summary) {
    auto& result = report.checks[index_of(check)];
    result.check = check;
    result.ran = ran;
    result.passed = ran && !failed(check);
    result.summary = std::move(summary);
}

BundleLocation location_of(const Record& record) {
    BundleLocation where;
    if (record.envelope) where.event = record.bytes.id;
    where.leaf_index = record.leaf_index;
    where.height = record.height.value;
    where.field = record.path;
    return where;
}

BundleLocation location_of(const CheckpointEntry& entry, std::string_view field) {
    BundleLocation where;
    where.height = entry.height.value;
    where.field = field.empty() ? entry.path : entry.path + "." + std::string(field);
    return where;
}

// The validator set in force at each height: the genesis set changed by the validator.propose /
// validator.approve records, replayed in log order with the ledger's rule engine over the
// governance records alone (they touch no item, so this is exact), a proposal adopted at the
// record's height H being in force from H + 2. A record the rules refuse changes nothing here
// (check 2 or 5 reports it), and signatures are check 2's alone (a bad one fails the bundle
// there); a record's height is the one its checkpoint entry proves.
ValidatorHistory validator_history(const Verification& verification) {
    ValidatorHistory history(verification.genesis.validators);
    MemoryState state(verification.genesis);
    for (const Record* record : verification.log_order) {
        if (!record->in_governance_list || !record->envelope) continue;
        auto effects = check_event(state, *record->envelope, record->bytes.id,
                                   record->checkpoint->header.time, verification.genesis);
        if (!effects) continue;
        if (effects->adopted) history.adopt(record->height, effects->adopted->set);
        state.apply(*effects);
    }
    return history;
}

namespace {

using crypto::hex;

// Check 1.
bool check_genesis(Verification& verification, const VerifyOptions& options) {
    BundleLocation where{.field = "genesis"};
    auto genesis = genesis_from_json(*verification.bundle.genesis_json);
    if (!genesis) {
        verification.fail(BundleCheck::genesis, where, genesis.error().message);
        verification.set_result(BundleCheck::genesis, true, "the genesis document is not valid");
        return false;
    }
    verification.genesis = std::move(*genesis);
    auto& report = verification.report;
    report.genesis_hash = genesis_hash(verification.genesis);
    report.chain_id = verification.genesis.chain_id;
    if (options.pinned_genesis_hash) {
        if (*options.pinned_genesis_hash != report.genesis_hash) {
            verification.fail(BundleCheck::genesis, where,
                              "the genesis hash is " + hex(report.genesis_hash) + ", the pinned hash is " +
                                  hex(*options.pinned_genesis_hash));
            verification.set_result(BundleCheck::genesis, true, "genesis hash differs from the pinned hash");
            return false;
        }
        report.genesis_pinned = true;
        verification.set_result(BundleCheck::genesis, true, "genesis hash equals the pinned hash");
    } else {
        verification.set_result(BundleCheck::genesis, true,
                                "genesis valid; NOT PINNED: its hash was taken from the bundle itself");
    }
    return true;
}

// Check 2, first half: each envelope is a valid event of this chain with a valid signature. The
// signer's rights are judged by the replay (check_custody_rules), which knows the officer state
// at the event's leaf position.
// The records are independent: each is parsed and its signature verified on `threads` threads
// (the expensive part), then the failures are reported in record order.
void check_envelopes(Verification& verification, std::vector<Record>& records, unsigned threads) {
    std::vector<std::optional<std::string>> problems(records.size());
    parallel_for(records.size(), threads, [&](std::size_t index) {
        auto& record = records[index];
        auto envelope = envelope_from_json(*record.envelope_json);
        if (!envelope) {
            problems[index] = envelope.error().message;
            return;
        }
        record.bytes = event_bytes(*envelope);
        record.envelope = std::move(*envelope);
        if (record.envelope->event.chain_id != verification.genesis.chain_id) {
            problems[index] = "R3 event.chain_id: the event is for chain '" +
                              record.envelope->event.chain_id + "', the genesis is of '" +
                              verification.genesis.chain_id + "'";
            return;
        }
        if (auto ok = verify_envelope_signature(*record.envelope, record.bytes); !ok) {
            problems[index] = ok.error().message;
        }
    });
    for (std::size_t index = 0; index < records.size(); ++index) {
        if (problems[index])
            verification.fail(BundleCheck::signatures, location_of(records[index]), *problems[index]);
    }
}

// Check 3, one checkpoint entry: certificate, header, previous header, consistency with anchor.
Status check_checkpoint(const Verification& verification, const CheckpointEntry& entry,
                        const CheckpointEntry& anchor, const ValidatorSet& validators,
                        const Hash32& validators_hash) {
    const Genesis& genesis = verification.genesis;
    auto fail = [](std::string why) { return make_error(ErrorCode::verification_failed, std::move(why)); };
    auto certified = verify_certificate(entry.certificate, genesis.chain_id, validators);
    if (!certified) return fail(certified.error().message);
    const BlockHeader& header = entry.header;
    if (certified->height != entry.height || header.height != entry.height)
        return fail("the certificate, header and entry heights differ");
    if (block_hash(header) != certified->block)
        return fail("header: its block hash is not the block the certificate signs");
    if (header.log_size != certified->log_size || header.log_root != certified->log_root ||
        header.time != certified->time)
        return fail("header: log size, log root or time differ from the certified checkpoint");
    if (header.chain_id != genesis.chain_id) return fail("header: chain id is not the genesis chain id");
    if (header.validators_hash != validators_hash)
        return fail("header: validators_hash is not the hash of the validator set in force");
    // The header rules of 7.1 a bundle can check on its own.
    if (validators.find_name(header.proposer) == nullptr)
        return fail("header: proposer '" + header.proposer + "' is not a validator of the set in force");
    if (header.time < genesis.genesis_time) return fail("header: block time is before the genesis time");
    if (entry.previous) {
        if (entry.previous->height.value + 1 != entry.height.value ||
            block_hash(*entry.previous) != header.previous)
            return fail("previous_header: not the header of the block before (hash or height)");
        if (entry.previous->log_size > header.log_size)
            return fail("previous_header: log size above the block's");
        if (!(entry.previous->time < header.time))
            return fail("previous_header: its time is not before the block's");
    } else if (header.previous != BlockHash{}) {
        return fail("header: previous must be all zeros at height 1");
    }
    if (header.log_size == 0) {
        if (!entry.consistency_proof.empty())
            return fail("consistency_proof: must be empty for an empty log");
        return {};
    }
    if (auto ok = crypto::verify_consistency(header.log_size, anchor.header.log_size, header.log_root,
                                             anchor.header.log_root, entry.consistency_proof);
        !ok)
        return fail(ok.error().message + " (to the anchor at height " + std::to_string(anchor.height.value) +
                    ")");
    return {};
}

// Check 3, one record: inside its block's leaves and included in its certified checkpoint.
Status check_inclusion(const Record& record) {
    const CheckpointEntry& entry = *record.checkpoint;
    const std::uint64_t first = entry.previous ? entry.previous->log_size : 0;
    if (record.leaf_index < first || record.leaf_index >= entry.header.log_size) {
        return make_error(ErrorCode::verification_failed,
                          "leaf " + std::to_string(record.leaf_index) + " is not in block " +
                              std::to_string(entry.height.value) + " (its leaves are " +
                              std::to_string(first) + ".." + std::to_string(entry.header.log_size) +
                              ", end excluded)");
    }
    std::string leaf_data;
    if (record.envelope) {
        leaf_data = record.bytes.canonical_envelope;
    } else {
        // Not a valid event (check 2 fails it); its proof is still judged on what is there.
        auto canonical = crypto::canonicalize(*record.envelope_json);
        if (!canonical) return make_error(ErrorCode::verification_failed, "envelope has no canonical form");
        leaf_data = std::move(*canonical);
    }
    return crypto::verify_inclusion(crypto::merkle_leaf_hash(as_bytes(leaf_data)), record.leaf_index,
                                    entry.header.log_size, record.inclusion_proof, entry.header.log_root);
}

void check_proofs(Verification& verification) {
    const auto& checkpoints = verification.bundle.checkpoints;
    const CheckpointEntry& anchor = checkpoints.back();
    const ValidatorHistory history = validator_history(verification);
    std::map<const ValidatorSet*, Hash32> hashes;  // One hash per set, not per checkpoint.
    for (std::size_t i = 0; i < checkpoints.size(); ++i) {
        const auto& entry = checkpoints[i];
        const ValidatorSet& validators = *history.at(entry.height);
        auto hash = hashes.find(&validators);
        if (hash == hashes.end()) hash = hashes.emplace(&validators, validators.hash()).first;
        if (auto ok = check_checkpoint(verification, entry, anchor, validators, hash->second); !ok) {
            verification.fail(BundleCheck::proofs, location_of(entry), ok.error().message);
        } else if (i > 0 && !(checkpoints[i - 1].header.time < entry.header.time)) {
            verification.fail(BundleCheck::proofs, location_of(entry, "header.time"),
                              "block times do not increase with height");
        } else if (i > 0 && checkpoints[i - 1].height.value + 1 == entry.height.value &&
                   entry.previous != checkpoints[i - 1].header) {
            // Two certified headers of one height in one bundle: a fork.
            verification.fail(BundleCheck::proofs, location_of(entry, "previous_header"),
                              "not the certified header of height " +
                                  std::to_string(checkpoints[i - 1].height.value) + " in this bundle");
        }
    }
    std::size_t proofs = 0;
    for (const Record* record : verification.log_order) {
        if (auto ok = check_inclusion(*record); !ok)
            verification.fail(BundleCheck::proofs, location_of(*record), "inclusion: " + ok.error().message);
        ++proofs;
    }
    const std::size_t changes = history.sets().size() - 1;
    verification.set_result(
        BundleCheck::proofs, true,
        std::to_string(checkpoints.size()) + " certificates (> 2/3 of the " +
            (changes == 0
                 ? std::to_string(verification.genesis.validators.validators.size()) + " genesis validators"
                 : "validator set in force, " + std::to_string(changes) + " set change(s)") +
            "), " + std::to_string(checkpoints.size()) + " consistency proofs to height " +
            std::to_string(anchor.height.value) + ", " + std::to_string(proofs) + " inclusion proofs");
}

void fill_anchor(BundleReport& report, const CheckpointEntry& anchor) {
    report.checkpoint_height = anchor.height.value;
    report.checkpoint_log_size = anchor.header.log_size;
    report.checkpoint_root = anchor.header.log_root;
    report.checkpoint_time = anchor.header.time;
    report.checkpoint_note = anchor.certificate.note;
}

void order_records(Verification& verification) {
    for (auto& record : verification.bundle.governance)
        verification.log_order.push_back(&record);
    for (auto& record : verification.bundle.events)
        verification.log_order.push_back(&record);
    std::stable_sort(verification.log_order.begin(), verification.log_order.end(),
                     [](const Record* a, const Record* b) { return a->leaf_index < b->leaf_index; });
}

void set_first_failure(Verification& verification) {
    for (const auto& failure : verification.failures) {
        if (failure) {
            verification.report.failure = failure;
            return;
        }
    }
}

}  // namespace
}  // namespace bundle_detail

using namespace bundle_detail;

void bundle_detail::run_checks(Verification& verification, const crypto::Json& bundle,
                               const VerifyOptions& options) {
    auto& report = verification.report;
    for (std::size_t i = 0; i < bundle_check_count; ++i)
        report.checks.push_back(BundleCheckResult{static_cast<BundleCheck>(i), false, false, "not run"});
    auto parsed = parse_bundle(bundle);
    if (!parsed) {
        verification.fail(BundleCheck::format, BundleLocation{}, parsed.error().message);
        verification.set_result(BundleCheck::format, true, "the bundle is malformed");
        set_first_failure(verification);
        return;
    }
    verification.bundle = std::move(*parsed);
    const auto& parsed_bundle = verification.bundle;
    report.item = parsed_bundle.item;
    for (const auto& item : parsed_bundle.items)
        if (item != parsed_bundle.item) report.related_items.push_back(item);
    fill_anchor(report, parsed_bundle.checkpoints.back());
    verification.set_result(BundleCheck::format, true,
                            std::string(bundle_type) + ", " + std::to_string(parsed_bundle.events.size()) +
                                " events, " + std::to_string(parsed_bundle.governance.size()) +
                                " governance records, " + std::to_string(parsed_bundle.checkpoints.size()) +
                                " checkpoints");
    if (!check_genesis(verification, options)) {
        set_first_failure(verification);
        return;
    }
    order_records(verification);
    check_envelopes(verification, verification.bundle.governance, options.threads);
    check_envelopes(verification, verification.bundle.events, options.threads);
    check_proofs(verification);
    check_chain(verification);
    check_custody_rules(verification);
    check_completeness(verification);
    check_exported(verification, bundle);
    set_first_failure(verification);
    report.complete = report.complete && report.ok();
}

Result<BundleReport> verify_bundle(const crypto::Json& bundle, const VerifyOptions& options) {
    Verification verification;
    run_checks(verification, bundle, options);
    return std::move(verification.report);
}

Result<BundleReport> verify_bundle_text(std::string_view text, const VerifyOptions& options) {
    const Hash32 digest = crypto::sha256(text);
    auto json = crypto::parse_json(text, crypto::JsonParseOptions{.bytes_max = bundle_bytes_max});
    if (!json) {
        BundleReport report;
        for (std::size_t i = 0; i < bundle_check_count; ++i)
            report.checks.push_back(BundleCheckResult{static_cast<BundleCheck>(i), false, false, "not run"});
        report.checks[0].ran = true;
        report.checks[0].summary = "the file is not a JSON text this verifier accepts";
        report.failure = BundleFailure{BundleCheck::format, BundleLocation{}, json.error().message};
        report.bundle_sha256 = digest;
        return report;
    }
    auto report = verify_bundle(*json, options);
    if (report) report->bundle_sha256 = digest;
    return report;
}

}  // namespace custos::ledger
