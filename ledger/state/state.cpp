// Item state JSON (what the store persists) and the in-memory StateView.
#include "ledger/state/state.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/canonical_writer.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;

// A stored item state that does not parse means the store contradicts itself.
const FieldReader item_state_reader("item state ", ErrorCode::corruption);

// Ids, grants and offers inside a state (its digests are read as an event's are, json_fields.hpp):
// the state was written by item_state_to_json, so anything else is corruption.
Result<EventId> id_from(const Json& object, std::string_view key) {
    auto hash = item_state_reader.required(object, key, "").and_then([&](const Json* v) {
        return item_state_reader.hash(*v, key);
    });
    if (!hash) return tl::unexpected(hash.error());
    return EventId{*hash};
}

Result<AccessGrant> grant_from(const Json& json, const std::string& path) {
    if (auto status = item_state_reader.object(json, path, {"grantee", "scope", "expires", "granted_by"});
        !status) {
        return tl::unexpected(status.error());
    }
    AccessGrant grant;
    auto grantee = item_state_reader.required(json, "grantee", path).and_then([&](const Json* v) {
        return item_state_reader.id(*v, path);
    });
    if (!grantee) return tl::unexpected(grantee.error());
    grant.grantee = *grantee;
    auto scope = item_state_reader.required(json, "scope", path).and_then([&](const Json* v) {
        return item_state_reader.array(*v, path, 5);
    });
    if (!scope) return tl::unexpected(scope.error());
    for (const auto& action_json : **scope) {
        auto action = action_json.is_string()
                          ? access_action_from_name(action_json.get_ref<const std::string&>())
                          : std::nullopt;
        if (!action) return item_state_reader.fail(path_join(path, "scope"), "unknown action");
        grant.scope.push_back(*action);
    }
    auto expires = item_state_reader.required(json, "expires", path).and_then([&](const Json* v) {
        return item_state_reader.time(*v, path);
    });
    if (!expires) return tl::unexpected(expires.error());
    grant.expires = *expires;
    auto granted_by = id_from(json, "granted_by");
    if (!granted_by) return tl::unexpected(granted_by.error());
    grant.granted_by = *granted_by;
    return grant;
}

Result<std::optional<DisposeOutcome>> outcome_from(const Json* json) {
    if (json == nullptr) return std::optional<DisposeOutcome>{};
    for (DisposeOutcome outcome :
         {DisposeOutcome::returned, DisposeOutcome::destroyed, DisposeOutcome::archived}) {
        if (json->is_string() && json->get_ref<const std::string&>() == dispose_outcome_name(outcome)) {
            return std::optional<DisposeOutcome>{outcome};
        }
    }
    return item_state_reader.fail("disposed", "unknown outcome");
}

Result<std::optional<std::string>> optional_text(const Json& json, std::string_view key,
                                                 std::size_t bytes_max) {
    const Json* value = item_state_reader.optional(json, key);
    if (value == nullptr) return std::optional<std::string>{};
    auto text = item_state_reader.text(*value, key, bytes_max);
    if (!text) return tl::unexpected(text.error());
    return std::optional<std::string>{*text};
}

}  // namespace

const AccessGrant* ItemState::find_grant(std::string_view agency) const {
    for (const auto& grant : grants) {
        if (grant.grantee == agency) return &grant;
    }
    return nullptr;
}

Json item_state_to_json(const ItemState& state) {
    Json json{{"item", state.item},
              {"case", state.case_id},
              {"custodian", state.custodian},
              {"head", detail::hex(state.head.hash)},
              {"origin", detail::hex(state.origin.hash)},
              {"last_time", format_time(state.last_time)},
              {"event_count", state.event_count},
              {"digests", detail::digests_to_json(state.digests)},
              {"integrity_alert", state.integrity_alert},
              {"alert_count", state.alert_count}};
    if (state.derived_from) json["derived_from"] = *state.derived_from;
    if (state.seal) json["seal"] = *state.seal;
    if (state.pending_offer) {
        json["pending_offer"] = Json{{"offer", detail::hex(state.pending_offer->offer.hash)},
                                     {"recipient", state.pending_offer->recipient}};
    }
    Json grants = Json::array();
    for (const auto& grant : state.grants) {
        Json scope = Json::array();
        for (AccessAction action : grant.scope)
            scope.push_back(access_action_name(action));
        grants.push_back(Json{{"grantee", grant.grantee},
                              {"scope", scope},
                              {"expires", format_time(grant.expires)},
                              {"granted_by", detail::hex(grant.granted_by.hash)}});
    }
    json["grants"] = grants;
    if (state.disposed) json["disposed"] = dispose_outcome_name(*state.disposed);
    if (state.first_alert) json["first_alert"] = detail::hex(state.first_alert->hash);
    return json;
}

namespace {

// The item's place: its ids, custodian, head and origin events and last time.
Status read_item_place(ItemState& state, const Json& json) {
    auto text_id = [&](std::string_view key) {
        return item_state_reader.required(json, key, "").and_then([&](const Json* v) {
            return item_state_reader.id(*v, key);
        });
    };
    auto item = text_id("item");
    auto case_id = text_id("case");
    auto custodian = text_id("custodian");
    if (!item || !case_id || !custodian)
        return item_state_reader.fail("item/case/custodian", "missing or malformed");
    state.item = *item;
    state.case_id = *case_id;
    state.custodian = *custodian;
    auto head = id_from(json, "head");
    auto origin = id_from(json, "origin");
    if (!head || !origin) return item_state_reader.fail("head/origin", "missing or malformed");
    state.head = *head;
    state.origin = *origin;
    auto last_time = item_state_reader.required(json, "last_time", "").and_then([&](const Json* v) {
        return item_state_reader.time(*v, "last_time");
    });
    if (!last_time) return tl::unexpected(last_time.error());
    state.last_time = *last_time;
    return {};
}

// The counts and the integrity alert.
Status read_item_counts(ItemState& state, const Json& json) {
    auto count = item_state_reader.required(json, "event_count", "").and_then([&](const Json* v) {
        return item_state_reader.unsigned_integer(*v, "event_count", UINT64_C(1) << 53);
    });
    auto alerts = item_state_reader.required(json, "alert_count", "").and_then([&](const Json* v) {
        return item_state_reader.unsigned_integer(*v, "alert_count", UINT64_C(1) << 53);
    });
    auto alert = item_state_reader.required(json, "integrity_alert", "").and_then([&](const Json* v) {
        return item_state_reader.boolean(*v, "integrity_alert");
    });
    if (!count || !alerts || !alert)
        return item_state_reader.fail("event_count/alert_count/integrity_alert", "missing or malformed");
    state.event_count = *count;
    state.alert_count = *alerts;
    state.integrity_alert = *alert;
    return {};
}

// The pending offer, when there is one.
Status read_pending_offer(ItemState& state, const Json& json) {
    const Json* offer = item_state_reader.optional(json, "pending_offer");
    if (offer == nullptr) return {};
    auto offer_id = id_from(*offer, "offer");
    auto recipient =
        item_state_reader.required(*offer, "recipient", "pending_offer").and_then([&](const Json* v) {
            return item_state_reader.id(*v, "pending_offer.recipient");
        });
    if (!offer_id || !recipient || offer->size() != 2)
        return item_state_reader.fail("pending_offer", "malformed");
    state.pending_offer = PendingOffer{*offer_id, *recipient};
    return {};
}

// The access grants.
Status read_grants(ItemState& state, const Json& json) {
    auto grants = item_state_reader.required(json, "grants", "").and_then([&](const Json* v) {
        return item_state_reader.array(*v, "grants", 4096);
    });
    if (!grants) return tl::unexpected(grants.error());
    for (std::size_t i = 0; i < (*grants)->size(); ++i) {
        auto grant = grant_from((**grants)[i], path_index("grants", i));
        if (!grant) return tl::unexpected(grant.error());
        state.grants.push_back(std::move(*grant));
    }
    return {};
}

}  // namespace

Result<ItemState> item_state_from_json(const Json& json) {
    if (auto status = item_state_reader.object(
            json, "",
            {"item", "case", "custodian", "head", "origin", "last_time", "event_count", "digests",
             "integrity_alert", "alert_count", "derived_from", "seal", "pending_offer", "grants", "disposed",
             "first_alert"});
        !status) {
        return tl::unexpected(status.error());
    }
    ItemState state;
    if (auto place = read_item_place(state, json); !place) return tl::unexpected(place.error());
    if (auto counts = read_item_counts(state, json); !counts) return tl::unexpected(counts.error());
    auto digests = item_state_reader.required(json, "digests", "").and_then([&](const Json* v) {
        return detail::digests_from_json(item_state_reader, *v, "digests");
    });
    if (!digests) return tl::unexpected(digests.error());
    state.digests = *digests;
    auto derived_from = optional_text(json, "derived_from", 128);
    auto seal = optional_text(json, "seal", text_bytes_max);
    if (!derived_from || !seal) return item_state_reader.fail("derived_from/seal", "malformed");
    state.derived_from = *derived_from;
    state.seal = *seal;
    if (auto offer = read_pending_offer(state, json); !offer) return tl::unexpected(offer.error());
    if (auto grants = read_grants(state, json); !grants) return tl::unexpected(grants.error());
    auto disposed = outcome_from(item_state_reader.optional(json, "disposed"));
    if (!disposed) return tl::unexpected(disposed.error());
    state.disposed = *disposed;
    if (item_state_reader.optional(json, "first_alert") != nullptr) {
        auto first = id_from(json, "first_alert");
        if (!first) return tl::unexpected(first.error());
        state.first_alert = *first;
    }
    return state;
}

namespace {

void write_grants(detail::CanonicalWriter& w, const std::vector<AccessGrant>& grants) {
    w.open_array();
    for (const auto& grant : grants) {
        w.element();
        w.open_object();
        w.key("expires");
        w.string(format_time(grant.expires));
        w.key("granted_by");
        w.string(detail::hex(grant.granted_by.hash));
        w.key("grantee");
        w.string(grant.grantee);
        w.key("scope");
        w.open_array();
        for (AccessAction action : grant.scope) {
            w.element();
            w.string(access_action_name(action));
        }
        w.close_array();
        w.close_object();
    }
    w.close_array();
}

}  // namespace

// Written straight from the struct, members in key order: the same bytes as
// canonical_text(item_state_to_json(state)) (tests/ledger/store_test.cpp compares them), without
// the JSON tree. Every committed block writes the states it changed and audit compares every
// stored state, so this is on both paths.
std::string canonical_item_state(const ItemState& state) {
    std::string out;
    out.reserve(512);
    detail::CanonicalWriter w(out);
    w.open_object();
    w.key("alert_count");
    w.unsigned_integer(state.alert_count);
    w.key("case");
    w.string(state.case_id);
    w.key("custodian");
    w.string(state.custodian);
    if (state.derived_from) {
        w.key("derived_from");
        w.string(*state.derived_from);
    }
    w.key("digests");
    detail::write_digests(w, state.digests);
    if (state.disposed) {
        w.key("disposed");
        w.string(dispose_outcome_name(*state.disposed));
    }
    w.key("event_count");
    w.unsigned_integer(state.event_count);
    if (state.first_alert) {
        w.key("first_alert");
        w.string(detail::hex(state.first_alert->hash));
    }
    w.key("grants");
    write_grants(w, state.grants);
    w.key("head");
    w.string(detail::hex(state.head.hash));
    w.key("integrity_alert");
    w.boolean(state.integrity_alert);
    w.key("item");
    w.string(state.item);
    w.key("last_time");
    w.string(format_time(state.last_time));
    w.key("origin");
    w.string(detail::hex(state.origin.hash));
    if (state.pending_offer) {
        w.key("pending_offer");
        w.open_object();
        w.key("offer");
        w.string(detail::hex(state.pending_offer->offer.hash));
        w.key("recipient");
        w.string(state.pending_offer->recipient);
        w.close_object();
    }
    if (state.seal) {
        w.key("seal");
        w.string(*state.seal);
    }
    w.close_object();
    return out;
}

Result<std::optional<ItemState>> MemoryState::item(std::string_view item_id) const {
    auto found = items_.find(item_id);
    if (found == items_.end()) return std::optional<ItemState>{};
    return std::optional<ItemState>{found->second};
}

Result<bool> MemoryState::has_event(const EventId& id) const {
    return events_.contains(id);
}

Result<std::optional<Officer>> MemoryState::officer(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr || record->revoked()) return std::optional<Officer>();
    return std::optional<Officer>(record->officer);
}

Result<std::optional<OfficerRecord>> MemoryState::officer_record(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr) return std::optional<OfficerRecord>();
    return std::optional<OfficerRecord>(*record);
}

Result<std::uint64_t> MemoryState::admin_keys(std::string_view agency) const {
    return officers_.admin_keys(agency).value_or(0);
}

Result<std::optional<ValidatorProposal>> StateView::validator_proposal(const EventId& /*id*/) const {
    return make_error(ErrorCode::internal, "this state view does not track validator governance");
}

Result<ValidatorEpoch> StateView::latest_validators() const {
    return make_error(ErrorCode::internal, "this state view does not track validator governance");
}

Result<bool> StateView::has_read_request(const Hash32& /*request*/) const {
    return make_error(ErrorCode::internal, "this state view does not track read records");
}

Result<bool> MemoryState::has_read_request(const Hash32& request) const {
    return read_requests_.contains(request);
}

Result<std::optional<ValidatorProposal>> MemoryState::validator_proposal(const EventId& id) const {
    const ValidatorProposal* proposal = validators_.find(id);
    if (proposal == nullptr) return std::optional<ValidatorProposal>();
    return std::optional<ValidatorProposal>(*proposal);
}

Result<ValidatorEpoch> MemoryState::latest_validators() const {
    if (!validators_.latest()) {
        return make_error(ErrorCode::internal, "a state without a genesis knows no validator set");
    }
    return *validators_.latest();
}

void MemoryState::apply(const EventEffects& effects) {
    for (const auto& state : effects.items)
        put_item(state);
    if (effects.officer) officers_.put(*effects.officer);
    if (effects.admins) officers_.put(*effects.admins);
    if (effects.proposal) validators_.put(*effects.proposal);
    if (effects.adopted) validators_.put(*effects.adopted);
    if (effects.read_request) read_requests_.insert(*effects.read_request);
    add_event(effects.id);
}

void MemoryState::put_item(const ItemState& state) {
    items_.insert_or_assign(state.item, state);
}

void MemoryState::add_event(const EventId& id) {
    bool inserted = events_.insert(id).second;
    CUSTOS_ASSERT(inserted, "an event id is added to the state once");
}

std::string MemoryState::canonical_json() const {
    Json items = Json::array();
    for (const auto& [id, state] : items_)
        items.push_back(item_state_to_json(state));
    return detail::canonical_text(items);
}

Result<std::optional<ItemState>> OverlayState::item(std::string_view item_id) const {
    auto found = items_.find(item_id);
    if (found != items_.end()) return std::optional<ItemState>{found->second};
    return base_->item(item_id);
}

Result<bool> OverlayState::has_event(const EventId& id) const {
    if (events_.contains(id)) return true;
    return base_->has_event(id);
}

Result<std::optional<Officer>> OverlayState::officer(const crypto::PublicKey& key) const {
    auto record = officer_record(key);
    if (!record) return tl::unexpected(record.error());
    return officer_in_force(*record);
}

Result<std::optional<OfficerRecord>> OverlayState::officer_record(const crypto::PublicKey& key) const {
    if (const OfficerRecord* found = officers_.find(key)) return std::optional<OfficerRecord>(*found);
    return base_->officer_record(key);
}

Result<std::uint64_t> OverlayState::admin_keys(std::string_view agency) const {
    if (auto count = officers_.admin_keys(agency)) return *count;
    return base_->admin_keys(agency);
}

Result<std::optional<ValidatorProposal>> OverlayState::validator_proposal(const EventId& id) const {
    if (const ValidatorProposal* found = validators_.find(id))
        return std::optional<ValidatorProposal>(*found);
    return base_->validator_proposal(id);
}

Result<ValidatorEpoch> OverlayState::latest_validators() const {
    if (validators_.latest()) return *validators_.latest();
    return base_->latest_validators();
}

Result<bool> OverlayState::has_read_request(const Hash32& request) const {
    if (read_requests_.contains(request)) return true;
    return base_->has_read_request(request);
}

void OverlayState::apply(const EventEffects& effects) {
    events_.insert(effects.id);
    if (effects.read_request) read_requests_.insert(*effects.read_request);
    for (const auto& state : effects.items)
        items_.insert_or_assign(state.item, state);
    if (effects.officer) officers_.put(*effects.officer);
    if (effects.admins) officers_.put(*effects.admins);
    if (effects.proposal) validators_.put(*effects.proposal);
    if (effects.adopted) validators_.put(*effects.adopted);
}

void OverlayState::erase_read_request(const Hash32& request) {
    read_requests_.erase(request);
}

void OverlayState::erase_item(std::string_view item_id) {
    auto found = items_.find(item_id);
    if (found != items_.end()) items_.erase(found);
}

void OverlayState::erase_event(const EventId& id) {
    events_.erase(id);
}

void OverlayState::clear() {
    items_.clear();
    events_.clear();
    read_requests_.clear();
    officers_ = OfficerTable();
    validators_ = ValidatorTable();
}

std::vector<ItemState> OverlayState::touched_items() const {
    std::vector<ItemState> items;
    items.reserve(items_.size());
    for (const auto& [id, state] : items_)
        items.push_back(state);
    return items;
}

std::vector<OfficerRecord> OverlayState::touched_officers() const {
    std::vector<OfficerRecord> records;
    for (const auto& [key, record] : officers_.records())
        records.push_back(record);
    return records;
}

std::vector<AdminCount> OverlayState::touched_admin_counts() const {
    std::vector<AdminCount> counts;
    for (const auto& [agency, count] : officers_.admin_counts())
        counts.push_back(AdminCount{agency, count});
    return counts;
}

std::vector<ValidatorProposal> OverlayState::touched_proposals() const {
    std::vector<ValidatorProposal> proposals;
    for (const auto& [id, proposal] : validators_.proposals())
        proposals.push_back(proposal);
    return proposals;
}

}  // namespace custos::ledger
