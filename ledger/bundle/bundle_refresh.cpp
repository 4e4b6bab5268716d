// Fresh completeness (docs/FORMAT.md 11.6): a node's state proof of one item, and its check
// against a bundle that verifies offline. The bundle fixes the genesis, the validator set as of its
// anchor and the anchor's log; the answer brings a newer certified header, the consistency proof
// from the anchor's log to that header's, and the item's map proof under its state_root. So a
// bundle exported months ago is shown still complete, or shown to miss later events, without a new
// export and without trusting the node that answers.
#include <algorithm>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/store/store.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {
namespace {

using crypto::Json;

using bundle_detail::proof_hashes_max;  // As a bundle's consistency proofs (11.3).

// Every refusal of an answer: verification_failed, "<field>: <reason>".
const FieldReader answer_fields{"state proof ", ErrorCode::verification_failed};

tl::unexpected<Error> refuse(std::string_view field, std::string_view reason) {
    return answer_fields.fail(field, reason);
}

struct Answer {
    std::string item;
    std::uint64_t from_size = 0;
    BlockHeader header;
    Certificate certificate;
    std::vector<Hash32> consistency;
    const Json* value = nullptr;
    crypto::SmtProof proof;
};

Result<Answer> parse_answer(const Json& json) {
    if (auto ok = answer_fields.object(
            json, "", {"type", "item", "from_size", "checkpoint", "consistency_proof", "state"});
        !ok)
        return tl::unexpected(ok.error());
    Answer answer;
    auto type = answer_fields.required(json, "type", "");
    if (!type) return tl::unexpected(type.error());
    if (**type != Json(std::string(state_proof_type)))
        return refuse("type", "must be " + std::string(state_proof_type));
    auto item = answer_fields.required(json, "item", "").and_then([](const Json* value) {
        return answer_fields.id(*value, "item");
    });
    if (!item) return tl::unexpected(item.error());
    answer.item = *item;
    auto from = answer_fields.required(json, "from_size", "").and_then([](const Json* value) {
        return answer_fields.unsigned_integer(*value, "from_size", height_max);
    });
    if (!from) return tl::unexpected(from.error());
    answer.from_size = *from;
    auto checkpoint = answer_fields.required(json, "checkpoint", "");
    if (!checkpoint) return tl::unexpected(checkpoint.error());
    if (auto ok = answer_fields.object(**checkpoint, "checkpoint", {"header", "certificate"}); !ok)
        return tl::unexpected(ok.error());
    auto header_json = answer_fields.required(**checkpoint, "header", "checkpoint");
    if (!header_json) return tl::unexpected(header_json.error());
    auto header = block_header_from_json(**header_json);
    if (!header) return refuse("checkpoint.header", header.error().message);
    answer.header = *header;
    auto note = answer_fields.required(**checkpoint, "certificate", "checkpoint");
    if (!note) return tl::unexpected(note.error());
    if (!(*note)->is_string() || (*note)->get_ref<const std::string&>().size() > crypto::note_bytes_max)
        return refuse("checkpoint.certificate", "must be a signed note text of at most 1 MiB");
    answer.certificate.note = (*note)->get<std::string>();
    auto proof_json = answer_fields.required(json, "consistency_proof", "").and_then([](const Json* value) {
        return answer_fields.array(*value, "consistency_proof", proof_hashes_max);
    });
    if (!proof_json) return tl::unexpected(proof_json.error());
    for (std::size_t i = 0; i < (*proof_json)->size(); ++i) {
        auto hash = answer_fields.hash((**proof_json)[i], path_index("consistency_proof", i));
        if (!hash) return tl::unexpected(hash.error());
        answer.consistency.push_back(*hash);
    }
    auto state = answer_fields.required(json, "state", "");
    if (!state) return tl::unexpected(state.error());
    if (auto ok = answer_fields.object(**state, "state", {"value", "proof"}); !ok)
        return tl::unexpected(ok.error());
    auto value = answer_fields.required(**state, "value", "state");
    if (!value) return tl::unexpected(value.error());
    answer.value = *value;
    auto proof = answer_fields.required(**state, "proof", "state").and_then([](const Json* member) {
        return smt_proof_from_json(*member, "state.proof");
    });
    if (!proof) return make_error(ErrorCode::verification_failed, "state proof " + proof.error().message);
    answer.proof = std::move(*proof);
    return answer;
}

// The newer header is the one the certificate signs, of this chain, of the set in force.
Status check_certified(const Answer& answer, const Genesis& genesis, const ValidatorSet& validators) {
    auto certified = verify_certificate(answer.certificate, genesis.chain_id, validators);
    if (!certified) return refuse("checkpoint.certificate", certified.error().message);
    const BlockHeader& header = answer.header;
    if (certified->height != header.height)
        return refuse("checkpoint.header", "its height is not the certificate's");
    if (block_hash(header) != certified->block)
        return refuse("checkpoint.header", "its block hash is not the block the certificate signs");
    if (header.log_size != certified->log_size || header.log_root != certified->log_root ||
        header.time != certified->time)
        return refuse("checkpoint.header", "log size, log root or time differ from the certified checkpoint");
    if (header.chain_id != genesis.chain_id)
        return refuse("checkpoint.header", "chain id is not the genesis chain id");
    return {};
}

// The item's state in the answer, proved under the newer header's state_root.
Result<ItemState> proved_item_state(const Answer& answer, const std::string& item) {
    if (!answer.value->is_object()) return refuse("state.value", "must be the item's state (an object)");
    auto state = item_state_from_json(*answer.value);
    if (!state || state->item != item) return refuse("state.value", "is not the state of item " + item);
    auto canonical = crypto::canonicalize(*answer.value);
    if (!canonical) return refuse("state.value", "has no canonical form");
    if (auto ok = crypto::smt_verify(answer.header.state_root, item_state_key(item),
                                     state_value_hash(*canonical), answer.proof);
        !ok)
        return refuse("state.proof",
                      "does not hold against the newer header's state_root: " + ok.error().message);
    return state;
}

// The verdict: the newer state against the item's state at the anchor, as check 6 proved it.
Status judge_against_anchor(RefreshReport& refresh, const bundle_detail::Verification& verification,
                            const ItemState& state) {
    const auto& entries = verification.bundle.item_states;
    auto entry = std::find_if(entries.begin(), entries.end(),
                              [&](const bundle_detail::StateEntry& e) { return e.id == refresh.item; });
    if (entry == entries.end())
        return make_error(ErrorCode::internal, "the bundle's item has no state entry");
    auto then = item_state_from_json(*entry->value);
    if (!then) return make_error(ErrorCode::internal, "the bundle's item state does not parse");
    refresh.bundle_events = then->event_count;
    refresh.ledger_events = state.event_count;
    refresh.head = state.head;
    if (state.event_count < then->event_count)
        return refuse("state.value", "counts fewer events than the bundle's anchor");
    if (state.event_count == then->event_count) {
        if (state.head != then->head) return refuse("state.value", "another last event with the same count");
        refresh.verdict = RefreshReport::Verdict::still_complete;
    } else {
        refresh.verdict = RefreshReport::Verdict::later_events;
    }
    return {};
}

}  // namespace

Result<crypto::Json> make_state_proof(const Store& store, std::string_view item_id, std::uint64_t from_size) {
    auto state = store.item(item_id);
    if (!state) return tl::unexpected(state.error());
    if (!state->has_value()) return make_error(ErrorCode::not_found, "unknown item " + std::string(item_id));
    auto latest = store.latest_checkpoint();
    if (!latest) return tl::unexpected(latest.error());
    const std::uint64_t log_size = latest->header.log_size;
    if (from_size == 0 || from_size > log_size) {
        return make_error(ErrorCode::invalid_argument,
                          "from_size: must be 1.." + std::to_string(log_size) + " (the latest log size)");
    }
    std::vector<Hash32> consistency;
    if (from_size < log_size) {
        auto proof = store.consistency_proof(from_size, log_size);
        if (!proof) return tl::unexpected(proof.error());
        consistency = std::move(*proof);
    }
    Json hashes = Json::array();
    for (const auto& hash : consistency)
        hashes.push_back(crypto::hex_encode(hash.view()));
    // The store's map is its last block's, whose checkpoint this is.
    auto proof = store.state_proof(item_state_key(item_id));
    if (!proof) return tl::unexpected(proof.error());
    return Json{
        {"type", state_proof_type},
        {"item", std::string(item_id)},
        {"from_size", from_size},
        {"checkpoint",
         Json{{"header", block_header_to_json(latest->header)}, {"certificate", latest->certificate.note}}},
        {"consistency_proof", std::move(hashes)},
        {"state", Json{{"value", item_state_to_json(**state)}, {"proof", smt_proof_to_json(*proof)}}}};
}

std::string RefreshReport::message() const {
    const std::string as_of = "height " + std::to_string(height) + ", ledger time " + format_time(time);
    switch (verdict) {
        case Verdict::still_complete:
            return "still complete as of " + as_of + " (no event of " + item +
                   " after the anchor at height " + std::to_string(anchor_height) + ")";
        case Verdict::later_events:
            return std::to_string(ledger_events - bundle_events) + " later event(s) of " + item +
                   " exist (head " + event_id_hex(head) + "): the bundle is not the whole trail as of " +
                   as_of;
        case Verdict::set_changed:
            return "the validator set changed after the anchor (height " + std::to_string(height) +
                   " names a set the bundle's governance records do not give): the refresh cannot be checked "
                   "from the bundle alone; export a new bundle";
    }
    return "unknown";
}

Result<RefreshReport> verify_bundle_refresh(const crypto::Json& bundle, const VerifyOptions& options,
                                            const crypto::Json& answer_json) {
    using namespace bundle_detail;
    Verification verification;
    run_checks(verification, bundle, options);
    const BundleReport& report = verification.report;
    if (!report.ok() || !report.complete) {
        return make_error(
            ErrorCode::verification_failed,
            "the bundle does not verify offline, so nothing can be refreshed: " +
                (report.failure ? report.failure->message() : std::string("completeness not shown")));
    }
    auto answer = parse_answer(answer_json);
    if (!answer) return tl::unexpected(answer.error());
    const CheckpointEntry& anchor = verification.bundle.checkpoints.back();
    if (answer->item != verification.bundle.item)
        return refuse("item", "is " + answer->item + ", the bundle's item is " + verification.bundle.item);
    if (answer->from_size != anchor.header.log_size)
        return refuse("from_size", "is not the anchor's log size " + std::to_string(anchor.header.log_size));
    const BlockHeader& header = answer->header;
    if (header.height.value < anchor.height.value)
        return refuse("checkpoint.header",
                      "older than the bundle's anchor at height " + std::to_string(anchor.height.value));

    RefreshReport refresh;
    refresh.item = answer->item;
    refresh.anchor_height = anchor.height.value;
    refresh.height = header.height.value;
    refresh.time = header.time;
    // The set in force at the newer height as the bundle knows it: the genesis set and every
    // adoption up to the anchor (an adoption at the anchor is in force two blocks later). A set
    // adopted after the anchor is not in the bundle: say so rather than trust the answer.
    const ValidatorHistory history = validator_history(verification);
    const ValidatorSet& validators = *history.at(header.height);
    if (header.validators_hash != validators.hash()) {
        refresh.verdict = RefreshReport::Verdict::set_changed;
        return refresh;
    }
    if (auto ok = check_certified(*answer, verification.genesis, validators); !ok)
        return tl::unexpected(ok.error());
    if (auto ok = crypto::verify_consistency(anchor.header.log_size, header.log_size, anchor.header.log_root,
                                             header.log_root, answer->consistency);
        !ok)
        return refuse("consistency_proof", ok.error().message + " (from the anchor's log)");

    auto state = proved_item_state(*answer, refresh.item);
    if (!state) return tl::unexpected(state.error());
    if (auto judged = judge_against_anchor(refresh, verification, *state); !judged)
        return tl::unexpected(judged.error());
    return refresh;
}

}  // namespace custos::ledger
