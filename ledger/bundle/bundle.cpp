// make_bundle: the court bundle of an item, read from the store (docs/FORMAT.md section 11),
// and the report helpers shared by the verifier's callers.
#include "ledger/bundle/bundle.hpp"

#include <map>
#include <set>

#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/state/state_map.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {
namespace {

using crypto::Json;

using crypto::hex;

Json proof_json(const std::vector<Hash32>& proof) {
    Json array = Json::array();
    for (const auto& hash : proof)
        array.push_back(hex(hash));
    return array;
}

// The derivation family of an item (FORMAT.md 11.1 `items`): up to the registered ancestor, then
// every item derived from it, recursively. Breadth first, bounded by bundle_items_max.
Result<std::set<std::string>> derivation_family(const Store& store, const ItemState& start) {
    ItemState root = start;
    for (std::size_t depth = 0; root.derived_from; ++depth) {
        if (depth >= bundle_items_max)
            return make_error(ErrorCode::corruption, "derivation cycle at " + root.item);
        auto parent = store.item(*root.derived_from);
        if (!parent) return tl::unexpected(parent.error());
        if (!parent->has_value())
            return make_error(ErrorCode::corruption, "item " + root.item + " derives from an unknown item");
        root = **parent;
    }
    std::set<std::string> family{root.item};
    std::vector<std::string> pending{root.item};
    while (!pending.empty()) {
        const std::string item = pending.back();
        pending.pop_back();
        auto trail = store.item_trail(item);
        if (!trail) return tl::unexpected(trail.error());
        for (const auto& stored : *trail) {
            const Event& event = stored.envelope.event;
            if (event.kind != EventKind::derive || event.item != item || !event.new_item) continue;
            if (family.insert(*event.new_item).second) pending.push_back(*event.new_item);
            if (family.size() > bundle_items_max) {
                return make_error(ErrorCode::resource_exhausted,
                                  "the derivation family of " + start.item + " has more than " +
                                      std::to_string(bundle_items_max) + " items");
            }
        }
    }
    return family;
}

// Every validator.propose and validator.approve event: each proposal record names its propose
// event and its approvals.
Status validator_governance_ids(const Store& store, std::vector<EventId>& ids) {
    Status parse_status;
    auto scanned = store.db().scan(
        store::Column::meta, store::meta_key::proposal_prefix, [&](std::string_view, std::string_view value) {
            auto json = crypto::parse_json(value);
            auto record = json.and_then(validator_proposal_from_json);
            if (!record) {
                parse_status =
                    make_error(ErrorCode::corruption, "validator proposal: " + record.error().message);
                return false;
            }
            ids.push_back(record->id);
            ids.insert(ids.end(), record->approval_events.begin(), record->approval_events.end());
            return true;
        });
    if (!scanned) return scanned;
    return parse_status;
}

// Every governance event committed so far: the officer records name the officer.add and
// officer.revoke events that wrote them (each key is added at most once and revoked at most once,
// rules R25-R26), and the validator proposal records their propose and approve events, so
// together they are all the governance events of the log.
Result<std::map<std::uint64_t, StoredEvent>> governance_events(const Store& store) {
    std::vector<EventId> ids;
    if (auto status = validator_governance_ids(store, ids); !status) return tl::unexpected(status.error());
    Status parse_status;
    auto scanned = store.db().scan(
        store::Column::meta, store::meta_key::officer_prefix, [&](std::string_view, std::string_view value) {
            auto json = crypto::parse_json(value);
            auto record = json.and_then(officer_record_from_json);
            if (!record) {
                parse_status = make_error(ErrorCode::corruption, "officer record: " + record.error().message);
                return false;
            }
            if (record->added_by) ids.push_back(*record->added_by);
            if (record->revoked_by) ids.push_back(*record->revoked_by);
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!parse_status) return tl::unexpected(parse_status.error());
    std::map<std::uint64_t, StoredEvent> events;
    for (const auto& id : ids) {
        auto stored = store.event(id);
        if (!stored) return tl::unexpected(stored.error());
        events.emplace(stored->leaf_index, std::move(*stored));
    }
    return events;
}

Result<Json> record_json(const Store& store, const StoredEvent& stored, const BlockHeader& header) {
    auto proof = store.inclusion_proof(stored.leaf_index, header.log_size);
    if (!proof) return tl::unexpected(proof.error());
    return Json{{"leaf_index", stored.leaf_index},
                {"height", stored.height.value},
                {"envelope", envelope_to_json(stored.envelope)},
                {"inclusion_proof", proof_json(*proof)}};
}

Result<Json> checkpoint_json(const Store& store, Height height, const BlockHeader& anchor) {
    auto header = store.header(height);
    if (!header) return tl::unexpected(header.error());
    auto certificate = store.certificate(height);
    if (!certificate) return tl::unexpected(certificate.error());
    Json previous = nullptr;
    if (height.value > 1) {
        auto previous_header = store.header(Height{height.value - 1});
        if (!previous_header) return tl::unexpected(previous_header.error());
        previous = block_header_to_json(*previous_header);
    }
    std::vector<Hash32> consistency;
    if (header->log_size > 0) {
        auto proof = store.consistency_proof(header->log_size, anchor.log_size);
        if (!proof) return tl::unexpected(proof.error());
        consistency = std::move(*proof);
    }
    return Json{{"height", height.value},
                {"header", block_header_to_json(*header)},
                {"previous_header", std::move(previous)},
                {"certificate", certificate->note},
                {"consistency_proof", proof_json(consistency)}};
}

Result<Json> records_json(const Store& store, const std::map<std::uint64_t, StoredEvent>& events,
                          std::map<std::uint64_t, BlockHeader>& headers) {
    Json array = Json::array();
    for (const auto& [leaf, stored] : events) {
        auto found = headers.find(stored.height.value);
        if (found == headers.end()) {
            auto header = store.header(stored.height);
            if (!header) return tl::unexpected(header.error());
            found = headers.emplace(stored.height.value, *header).first;
        }
        auto record = record_json(store, stored, found->second);
        if (!record) return tl::unexpected(record.error());
        array.push_back(std::move(*record));
    }
    return array;
}

Result<Json> state_entry(const Store& store, const Hash32& key, Json value, std::string_view id_key,
                         const std::string& id) {
    auto proof = store.state_proof(key);
    if (!proof) return tl::unexpected(proof.error());
    Json entry{{"value", std::move(value)}, {"proof", smt_proof_to_json(*proof)}};
    if (!id_key.empty()) entry[std::string(id_key)] = id;
    return entry;
}

// The bundle's `state` (FORMAT.md 11.5): map proofs at the anchor, which is the store's last
// block, so the store's map is the anchor's.
Result<Json> state_json(const Store& store, const std::set<std::string>& family,
                        const std::map<std::uint64_t, StoredEvent>& events,
                        const std::map<std::uint64_t, StoredEvent>& governance) {
    Json items = Json::array();
    for (const auto& item : family) {
        auto state = store.item(item);
        if (!state) return tl::unexpected(state.error());
        if (!state->has_value()) return make_error(ErrorCode::corruption, "item " + item + " has no state");
        auto entry = state_entry(store, item_state_key(item), item_state_to_json(**state), "item", item);
        if (!entry) return tl::unexpected(entry.error());
        items.push_back(std::move(*entry));
    }
    std::set<crypto::PublicKey> signers;
    for (const auto* list : {&events, &governance}) {
        for (const auto& [leaf, stored] : *list)
            signers.insert(stored.envelope.signer);
    }
    Json officers = Json::array();
    for (const auto& key : signers) {
        auto record = store.officer_record(key);
        if (!record) return tl::unexpected(record.error());
        Json value = *record ? officer_record_to_json(**record) : Json(nullptr);
        auto entry = state_entry(store, officer_state_key(key), std::move(value), "key", key_id(key));
        if (!entry) return tl::unexpected(entry.error());
        officers.push_back(std::move(*entry));
    }
    auto head =
        state_entry(store, governance_state_key(), governance_head_to_json(store.governance()), "", "");
    if (!head) return tl::unexpected(head.error());
    return Json{
        {"items", std::move(items)}, {"officers", std::move(officers)}, {"governance", std::move(*head)}};
}

}  // namespace

Result<crypto::Json> make_bundle(const Store& store, std::string_view item_id) {
    auto state = store.item(item_id);
    if (!state) return tl::unexpected(state.error());
    if (!state->has_value()) return make_error(ErrorCode::not_found, "unknown item " + std::string(item_id));
    auto anchor = store.latest_checkpoint();
    if (!anchor) return tl::unexpected(anchor.error());
    auto family = derivation_family(store, **state);
    if (!family) return tl::unexpected(family.error());
    std::map<std::uint64_t, StoredEvent> events;  // by leaf index: a derive is in two trails
    for (const auto& item : *family) {
        auto trail = store.item_trail(item);
        if (!trail) return tl::unexpected(trail.error());
        for (auto& stored : *trail)
            events.emplace(stored.leaf_index, std::move(stored));
        if (events.size() > bundle_events_max)
            return make_error(
                ErrorCode::resource_exhausted,
                "the bundle would hold more than " + std::to_string(bundle_events_max) + " events");
    }
    auto governance = governance_events(store);
    if (!governance) return tl::unexpected(governance.error());
    std::map<std::uint64_t, BlockHeader> headers;
    auto event_records = records_json(store, events, headers);
    if (!event_records) return tl::unexpected(event_records.error());
    auto governance_records = records_json(store, *governance, headers);
    if (!governance_records) return tl::unexpected(governance_records.error());
    headers.emplace(anchor->header.height.value, anchor->header);
    Json checkpoints = Json::array();
    for (const auto& [height, header] : headers) {
        auto entry = checkpoint_json(store, Height{height}, anchor->header);
        if (!entry) return tl::unexpected(entry.error());
        checkpoints.push_back(std::move(*entry));
    }
    auto proven_state = state_json(store, *family, events, *governance);
    if (!proven_state) return tl::unexpected(proven_state.error());
    auto genesis = genesis_to_json(store.genesis());
    return Json{{"type", bundle_type},
                {"item", std::string(item_id)},
                {"items", Json(std::vector<std::string>(family->begin(), family->end()))},
                {"genesis", std::move(genesis)},
                {"checkpoints", std::move(checkpoints)},
                {"governance", std::move(*governance_records)},
                {"events", std::move(*event_records)},
                {"state", std::move(*proven_state)}};
}

std::string_view bundle_check_name(BundleCheck check) {
    switch (check) {
        case BundleCheck::format:
            return "format";
        case BundleCheck::genesis:
            return "genesis";
        case BundleCheck::signatures:
            return "signatures";
        case BundleCheck::proofs:
            return "proofs";
        case BundleCheck::chain:
            return "chain";
        case BundleCheck::custody_rules:
            return "custody_rules";
        case BundleCheck::completeness:
            return "completeness";
        case BundleCheck::exported:
            return "exported";
    }
    return "unknown";
}

std::string BundleReport::completeness_claim() const {
    if (!complete)
        return "completeness NOT shown: " + (failure ? failure->message() : std::string("not checked"));
    return "the trail is complete as of height " + std::to_string(checkpoint_height) + ", ledger time " +
           format_time(checkpoint_time);
}

std::string BundleFailure::message() const {
    std::string text = "check " + std::to_string(static_cast<int>(check)) + " (" +
                       std::string(bundle_check_name(check)) + ") failed";
    std::vector<std::string> places;
    if (where.event) places.push_back("event " + event_id_hex(*where.event));
    if (where.leaf_index) places.push_back("leaf " + std::to_string(*where.leaf_index));
    if (where.height) places.push_back("height " + std::to_string(*where.height));
    if (!where.field.empty()) places.push_back(where.field);
    for (std::size_t i = 0; i < places.size(); ++i)
        text += (i == 0 ? " at " : ", ") + places[i];
    return text + ": " + reason;
}

}  // namespace custos::ledger
