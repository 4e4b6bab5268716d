#include "ledger/state/state_map.hpp"

#include <algorithm>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/json_fields.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

const FieldReader governance_reader("governance ");

}  // namespace

Json governance_head_to_json(const GovernanceHead& head) {
    return Json{{"type", governance_state_type},
                {"count", head.count},
                {"head", head.head ? Json(event_id_hex(*head.head)) : Json(nullptr)}};
}

Result<GovernanceHead> governance_head_from_json(const Json& json) {
    if (auto status = governance_reader.object(json, "", {"type", "count", "head"}); !status)
        return tl::unexpected(status.error());
    auto type = governance_reader.required(json, "type", "");
    if (!type) return tl::unexpected(type.error());
    if (!(*type)->is_string() || (*type)->get_ref<const std::string&>() != governance_state_type) {
        return governance_reader.fail("type", "must be \"" + std::string(governance_state_type) + "\"");
    }
    GovernanceHead head;
    auto count = governance_reader.required(json, "count", "").and_then([](const Json* v) {
        return governance_reader.unsigned_integer(*v, "count", std::uint64_t{1} << 53);
    });
    if (!count) return tl::unexpected(count.error());
    head.count = *count;
    auto id = governance_reader.required(json, "head", "");
    if (!id) return tl::unexpected(id.error());
    if (!(*id)->is_null()) {
        auto hash = governance_reader.hash(**id, "head");
        if (!hash) return tl::unexpected(hash.error());
        head.head = EventId{*hash};
    }
    if (head.head.has_value() != (head.count > 0))
        return governance_reader.fail("head", "must be null exactly when count is 0");
    return head;
}

std::string canonical_governance_head(const GovernanceHead& head) {
    return detail::canonical_text(governance_head_to_json(head));
}

std::string canonical_validators_state(const ValidatorEpoch& epoch) {
    return detail::canonical_text(Json{{"type", validators_state_type},
                                       {"adoptions", epoch.adoptions},
                                       {"latest", detail::hex(epoch.set->hash())}});
}

Hash32 state_key(std::string_view tag, std::string_view id) {
    return crypto::Sha256().update(tag).update_byte(0x00).update(id).finish();
}

Hash32 item_state_key(std::string_view item) {
    return state_key("item", item);
}

Hash32 officer_state_key(const crypto::PublicKey& key) {
    return state_key("officer", custos::to_string(key.view()));
}

Hash32 proposal_state_key(const EventId& id) {
    return state_key("proposal", custos::to_string(id.hash.view()));
}

Hash32 validators_state_key() {
    return state_key("validators", {});
}

Hash32 governance_state_key() {
    return state_key("governance", {});
}

Hash32 state_value_hash(std::string_view value) {
    return crypto::sha256(value);
}

std::vector<crypto::SmtUpdate> genesis_state_updates(const Genesis& genesis) {
    StateChanges changes;
    for (const Officer& officer : genesis.officers)
        changes.officers.push_back(OfficerRecord{officer, std::nullopt, std::nullopt});
    changes.adopted = ValidatorEpoch{0, std::make_shared<const ValidatorSet>(genesis.validators)};
    changes.governance = GovernanceHead{};
    return state_updates(changes);
}

std::vector<crypto::SmtUpdate> state_updates(const StateChanges& changes) {
    std::vector<crypto::SmtUpdate> updates;
    updates.reserve(changes.items.size() + changes.officers.size() + changes.proposals.size() + 2);
    for (const auto& item : changes.items)
        updates.push_back({item_state_key(item.item), state_value_hash(canonical_item_state(item))});
    for (const auto& record : changes.officers) {
        updates.push_back(
            {officer_state_key(record.officer.key), state_value_hash(canonical_officer_record(record))});
    }
    for (const auto& proposal : changes.proposals)
        updates.push_back(
            {proposal_state_key(proposal.id), state_value_hash(canonical_validator_proposal(proposal))});
    if (changes.adopted)
        updates.push_back(
            {validators_state_key(), state_value_hash(canonical_validators_state(*changes.adopted))});
    if (changes.governance) {
        updates.push_back(
            {governance_state_key(), state_value_hash(canonical_governance_head(*changes.governance))});
    }
    return updates;
}

Json smt_proof_to_json(const crypto::SmtProof& proof) {
    Json siblings = Json::array();
    for (const auto& sibling : proof.siblings)
        siblings.push_back(detail::hex(sibling));
    Json leaf = nullptr;
    if (proof.leaf)
        leaf =
            Json{{"key", detail::hex(proof.leaf->key)}, {"value_hash", detail::hex(proof.leaf->value_hash)}};
    return Json{{"leaf", std::move(leaf)},
                {"depth", proof.depth},
                {"empty", crypto::hex_encode(proof.empty)},
                {"siblings", std::move(siblings)}};
}

Result<crypto::SmtProof> smt_proof_from_json(const Json& json, std::string_view path) {
    const FieldReader proof_reader("");
    const std::string at(path);
    if (auto status = proof_reader.object(json, at, {"leaf", "depth", "empty", "siblings"}); !status)
        return tl::unexpected(status.error());
    crypto::SmtProof proof;
    auto leaf = proof_reader.required(json, "leaf", at);
    if (!leaf) return tl::unexpected(leaf.error());
    if (!(*leaf)->is_null()) {
        const std::string leaf_path = at + ".leaf";
        if (auto status = proof_reader.object(**leaf, leaf_path, {"key", "value_hash"}); !status)
            return tl::unexpected(status.error());
        auto key = proof_reader.required(**leaf, "key", leaf_path).and_then([&](const Json* v) {
            return proof_reader.hash(*v, leaf_path + ".key");
        });
        if (!key) return tl::unexpected(key.error());
        auto value = proof_reader.required(**leaf, "value_hash", leaf_path).and_then([&](const Json* v) {
            return proof_reader.hash(*v, leaf_path + ".value_hash");
        });
        if (!value) return tl::unexpected(value.error());
        proof.leaf = crypto::SmtLeaf{*key, *value};
    }
    auto depth = proof_reader.required(json, "depth", at).and_then([&](const Json* v) {
        return proof_reader.unsigned_integer(*v, at + ".depth", crypto::smt_depth_max);
    });
    if (!depth) return tl::unexpected(depth.error());
    proof.depth = static_cast<std::size_t>(*depth);
    // The bitmap's syntax here; its length, padding and count against `depth` are the proof's own
    // checks (crypto::smt_proven_value), so that every verifier refuses them the same way.
    auto empty = proof_reader.required(json, "empty", at);
    if (!empty) return tl::unexpected(empty.error());
    const std::string empty_path = at + ".empty";
    if (!(*empty)->is_string()) return proof_reader.fail(empty_path, "must be a string");
    const auto& empty_text = (*empty)->get_ref<const std::string&>();
    const bool lowercase_hex = std::all_of(empty_text.begin(), empty_text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (empty_text.size() > 2 * (crypto::smt_depth_max / 8) || empty_text.size() % 2 != 0 || !lowercase_hex)
        return proof_reader.fail(empty_path, "must be lowercase hex of at most 32 bytes");
    auto empty_bytes = crypto::hex_decode(empty_text);
    if (!empty_bytes) return proof_reader.fail(empty_path, "must be lowercase hex of at most 32 bytes");
    proof.empty.assign(empty_bytes->begin(), empty_bytes->end());
    auto siblings = proof_reader.required(json, "siblings", at);
    if (!siblings) return tl::unexpected(siblings.error());
    if (!(*siblings)->is_array() || (*siblings)->size() > crypto::smt_depth_max)
        return proof_reader.fail(at + ".siblings", "must be an array of at most 256 hashes");
    for (std::size_t i = 0; i < (*siblings)->size(); ++i) {
        auto hash = proof_reader.hash((**siblings)[i], at + ".siblings[" + std::to_string(i) + "]");
        if (!hash) return tl::unexpected(hash.error());
        proof.siblings.push_back(*hash);
    }
    return proof;
}

}  // namespace custos::ledger
