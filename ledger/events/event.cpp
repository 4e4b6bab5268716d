// Event schema (rule R1), canonical bytes, ids, signing and signature checks (rule R2).
// The schema table below is the single source of which fields each kind requires or allows;
// docs/FORMAT.md section 6 prints the same table.
#include "ledger/events/event.hpp"

#include <array>
#include <cstdint>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/genesis.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace {

using crypto::Json;
using detail::digests_from_json;
using detail::digests_to_json;

// In three runs, each read by a function of its own (read_field): the members any kind may have
// (type..attributes), the custody kinds' own (digests..outcome), the governance events' and read
// records' (officer..read).
enum class Field : std::uint8_t {
    type,
    chain_id,
    kind,
    item,
    case_id,
    agency,
    time,
    prev,
    location,
    legal_authority,
    attributes,
    digests,
    description,
    seal,
    recipient,
    released_by,
    received_by,
    seal_intact,
    reason,
    action,
    purpose,
    tool,
    results,
    grantee,
    scope,
    expires,
    new_item,
    outcome,
    officer,
    roles,
    name,
    validator,
    proposal,
    read,
};
constexpr std::size_t field_count = 34;

constexpr std::array<std::string_view, field_count> field_names = {
    "type",        "chain_id",    "kind",        "item",     "case",
    "agency",      "time",        "prev",        "location", "legal_authority",
    "attributes",  "digests",     "description", "seal",     "recipient",
    "released_by", "received_by", "seal_intact", "reason",   "action",
    "purpose",     "tool",        "results",     "grantee",  "scope",
    "expires",     "new_item",    "outcome",     "officer",  "roles",
    "name",        "validator",   "proposal",    "read",
};

using FieldSet = std::uint64_t;
static_assert(field_count <= 64, "a FieldSet has one bit per field");
constexpr FieldSet bit(Field field) {
    return FieldSet{1} << static_cast<unsigned>(field);
}
template <typename... Fields>
constexpr FieldSet set_of(Fields... fields) {
    return (FieldSet{0} | ... | bit(fields));
}

struct KindSchema {
    FieldSet required;
    FieldSet optional;
};

// Every kind requires the envelope basics; custody kinds add the item and case (and, but for
// register, prev); governance kinds (officer.*, validator.*) have none of the three.
constexpr FieldSet basics = set_of(Field::type, Field::chain_id, Field::kind, Field::agency, Field::time);
constexpr FieldSet always_required = basics | set_of(Field::item, Field::case_id);
constexpr FieldSet always_optional = set_of(Field::attributes);
constexpr FieldSet chained = always_required | bit(Field::prev);

// Indexed by EventKind. Fields in neither set are refused for that kind.
constexpr std::array<KindSchema, event_kind_count> schemas = {{
    // register
    {always_required | set_of(Field::location, Field::legal_authority, Field::digests, Field::description),
     set_of(Field::seal)},
    // transfer.offer
    {chained | set_of(Field::legal_authority, Field::recipient, Field::released_by), set_of(Field::location)},
    // transfer.accept
    {chained | set_of(Field::location, Field::received_by, Field::seal_intact, Field::digests),
     set_of(Field::legal_authority)},
    // transfer.reject
    {chained | set_of(Field::received_by, Field::reason), set_of(Field::location, Field::legal_authority)},
    // transfer.cancel
    {chained, set_of(Field::location, Field::legal_authority, Field::reason)},
    // access
    {chained | set_of(Field::legal_authority, Field::action, Field::purpose),
     set_of(Field::location, Field::tool, Field::results)},
    // grant
    {chained | set_of(Field::legal_authority, Field::grantee, Field::scope, Field::expires),
     set_of(Field::location)},
    // revoke
    {chained | set_of(Field::grantee), set_of(Field::location, Field::legal_authority, Field::reason)},
    // verify
    {chained | set_of(Field::digests), set_of(Field::location, Field::legal_authority, Field::tool)},
    // seal
    {chained | set_of(Field::seal), set_of(Field::location, Field::legal_authority)},
    // unseal
    {chained | set_of(Field::seal), set_of(Field::location, Field::legal_authority, Field::reason)},
    // derive
    {chained | set_of(Field::legal_authority, Field::new_item, Field::digests, Field::description),
     set_of(Field::location, Field::tool)},
    // dispose
    {chained | set_of(Field::outcome), set_of(Field::location, Field::legal_authority, Field::reason)},
    // officer.add
    {basics | set_of(Field::officer, Field::roles, Field::name),
     set_of(Field::location, Field::legal_authority)},
    // officer.revoke
    {basics | set_of(Field::officer, Field::reason), set_of(Field::location, Field::legal_authority)},
    // validator.propose
    {basics | set_of(Field::validator, Field::reason), set_of(Field::location, Field::legal_authority)},
    // validator.approve
    {basics | set_of(Field::proposal), set_of(Field::location, Field::legal_authority, Field::reason)},
    // read: nothing but the record (not even attributes: FORMAT.md 6.7, what the log never holds)
    {basics | set_of(Field::read), 0},
}};

const FieldReader event_reader("R1 ");

std::optional<Field> field_from_name(std::string_view name) {
    for (std::size_t i = 0; i < field_names.size(); ++i) {
        if (field_names[i] == name) return static_cast<Field>(i);
    }
    return std::nullopt;
}

// "event.<field>" for each field, made once: read_field() needs the path of every field it reads
// (for its error messages) and building it per field per event showed in audit profiles.
const std::array<std::string, field_count>& event_paths() {
    static const std::array<std::string, field_count> paths = [] {
        std::array<std::string, field_count> made;
        for (std::size_t i = 0; i < field_count; ++i)
            made[i] = "event." + std::string(field_names[i]);
        return made;
    }();
    return paths;
}

const std::string& event_path(Field field) {
    return event_paths()[static_cast<std::size_t>(field)];
}

Result<LegalAuthority> authority_from_json(const Json& json, const std::string& path) {
    if (auto status = event_reader.object(json, path, {"kind", "reference"}); !status)
        return tl::unexpected(status.error());
    LegalAuthority authority;
    auto kind = event_reader.required(json, "kind", path);
    if (!kind) return tl::unexpected(kind.error());
    bool known = false;
    for (AuthorityKind candidate :
         {AuthorityKind::warrant, AuthorityKind::mlat, AuthorityKind::eio, AuthorityKind::other}) {
        if ((*kind)->is_string() &&
            (*kind)->get_ref<const std::string&>() == authority_kind_name(candidate)) {
            authority.kind = candidate;
            known = true;
        }
    }
    if (!known) return event_reader.fail(path_join(path, "kind"), "must be warrant, mlat, eio or other");
    auto reference = event_reader.required(json, "reference", path).and_then([&](const Json* v) {
        return event_reader.text(*v, path_join(path, "reference"), text_bytes_max);
    });
    if (!reference) return tl::unexpected(reference.error());
    authority.reference = *reference;
    return authority;
}

Result<std::map<std::string, std::string>> attributes_from_json(const Json& json, const std::string& path) {
    if (!json.is_object()) return event_reader.fail(path, "must be an object of strings");
    if (json.empty()) return event_reader.fail(path, "must not be empty (omit it instead)");
    if (json.size() > attributes_max)
        return event_reader.fail(path, "more than " + std::to_string(attributes_max) + " attributes");
    std::map<std::string, std::string> attributes;
    for (const auto& [key, value] : json.items()) {
        if (!is_valid_id(key, attribute_key_bytes_max)) {
            return event_reader.fail(path, "attribute name must match [A-Za-z0-9._:-]{1,64}");
        }
        auto text = event_reader.text(value, path_join(path, key), attribute_value_bytes_max);
        if (!text) return tl::unexpected(text.error());
        attributes.emplace(key, *text);
    }
    return attributes;
}

Result<AccessAction> action_from_json(const Json& json, const std::string& path) {
    auto action =
        json.is_string() ? access_action_from_name(json.get_ref<const std::string&>()) : std::nullopt;
    if (!action) return event_reader.fail(path, "must be view, copy, image, analyse or export");
    return *action;
}

Result<std::vector<AccessAction>> scope_from_json(const Json& json, const std::string& path) {
    auto array = event_reader.array(json, path, 5);
    if (!array) return tl::unexpected(array.error());
    if (json.empty()) return event_reader.fail(path, "must name at least one action");
    std::vector<AccessAction> scope;
    for (std::size_t i = 0; i < json.size(); ++i) {
        auto action = action_from_json(json[i], path_index(path, i));
        if (!action) return tl::unexpected(action.error());
        if (!scope.empty() && !(scope.back() < *action)) {
            return event_reader.fail(path_index(path, i),
                                     "duplicate or out of order (view, copy, image, analyse, export)");
        }
        scope.push_back(*action);
    }
    return scope;
}

Result<std::vector<Digests>> results_from_json(const Json& json, const std::string& path) {
    auto array = event_reader.array(json, path, access_results_max);
    if (!array) return tl::unexpected(array.error());
    if (json.empty()) return event_reader.fail(path, "must not be empty (omit it instead)");
    std::vector<Digests> results;
    for (std::size_t i = 0; i < json.size(); ++i) {
        auto digests = digests_from_json(event_reader, json[i], path_index(path, i));
        if (!digests) return tl::unexpected(digests.error());
        results.push_back(*digests);
    }
    return results;
}

Result<DisposeOutcome> outcome_from_json(const Json& json, const std::string& path) {
    for (DisposeOutcome outcome :
         {DisposeOutcome::returned, DisposeOutcome::destroyed, DisposeOutcome::archived}) {
        if (json.is_string() && json.get_ref<const std::string&>() == dispose_outcome_name(outcome))
            return outcome;
    }
    return event_reader.fail(path, "must be returned, destroyed or archived");
}

// Stores Result<T> in `target` or returns its error from the enclosing function.
#define CUSTOS_READ_INTO(target, expression)                            \
    do {                                                                \
        auto read_result_ = (expression);                               \
        if (!read_result_) return tl::unexpected(read_result_.error()); \
        (target) = std::move(*read_result_);                            \
    } while (false)

// The members any kind may have (type..attributes).
Status read_common_field(Event& event, Field field, const Json& value, const std::string& path) {
    switch (field) {
        case Field::type:
            if (!value.is_string() || value.get_ref<const std::string&>() != event_type) {
                return event_reader.fail(path, "must be \"" + std::string(event_type) + "\"");
            }
            return {};
        case Field::kind:
            return {};  // Read first, by the caller.
        case Field::chain_id:
            CUSTOS_READ_INTO(event.chain_id, event_reader.id(value, path, 64));
            return {};
        case Field::item:
            CUSTOS_READ_INTO(event.item, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::case_id:
            CUSTOS_READ_INTO(event.case_id, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::agency:
            CUSTOS_READ_INTO(event.agency, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::time:
            CUSTOS_READ_INTO(event.time, event_reader.time(value, path));
            return {};
        case Field::prev: {
            Hash32 prev;
            CUSTOS_READ_INTO(prev, event_reader.hash(value, path));
            event.prev = EventId{prev};
            return {};
        }
        case Field::location:
            CUSTOS_READ_INTO(event.location, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::legal_authority:
            CUSTOS_READ_INTO(event.legal_authority, authority_from_json(value, path));
            return {};
        case Field::attributes:
            CUSTOS_READ_INTO(event.attributes, attributes_from_json(value, path));
            return {};
        default:
            break;
    }
    return event_reader.fail(path, "unhandled field");
}

// The custody kinds' own members (digests..outcome).
Status read_custody_field(Event& event, Field field, const Json& value, const std::string& path) {
    switch (field) {
        case Field::digests:
            CUSTOS_READ_INTO(event.digests, digests_from_json(event_reader, value, path));
            return {};
        case Field::description:
            CUSTOS_READ_INTO(event.description, event_reader.text(value, path, description_bytes_max));
            return {};
        case Field::seal:
            CUSTOS_READ_INTO(event.seal, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::recipient:
            CUSTOS_READ_INTO(event.recipient, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::released_by:
            CUSTOS_READ_INTO(event.released_by, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::received_by:
            CUSTOS_READ_INTO(event.received_by, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::seal_intact:
            CUSTOS_READ_INTO(event.seal_intact, event_reader.boolean(value, path));
            return {};
        case Field::reason:
            CUSTOS_READ_INTO(event.reason, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::action:
            CUSTOS_READ_INTO(event.action, action_from_json(value, path));
            return {};
        case Field::purpose:
            CUSTOS_READ_INTO(event.purpose, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::tool:
            CUSTOS_READ_INTO(event.tool, event_reader.text(value, path, text_bytes_max));
            return {};
        case Field::results:
            CUSTOS_READ_INTO(event.results, results_from_json(value, path));
            return {};
        case Field::grantee:
            CUSTOS_READ_INTO(event.grantee, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::scope:
            CUSTOS_READ_INTO(event.scope, scope_from_json(value, path));
            return {};
        case Field::expires:
            CUSTOS_READ_INTO(event.expires, event_reader.time(value, path));
            return {};
        case Field::new_item:
            CUSTOS_READ_INTO(event.new_item, event_reader.id(value, path, id_bytes_max));
            return {};
        case Field::outcome:
            CUSTOS_READ_INTO(event.outcome, outcome_from_json(value, path));
            return {};
        default:
            break;
    }
    return event_reader.fail(path, "unhandled field");
}

// The governance events' and the read records' members (officer..read).
Status read_governance_field(Event& event, Field field, const Json& value, const std::string& path) {
    switch (field) {
        case Field::officer:
            CUSTOS_READ_INTO(event.officer, event_reader.key(value, path));
            return {};
        case Field::roles:
            CUSTOS_READ_INTO(event.roles, detail::roles_from_json(event_reader, value, path));
            return {};
        case Field::name:
            CUSTOS_READ_INTO(event.name, event_reader.text(value, path, name_bytes_max));
            return {};
        case Field::validator:
            // Power 0 is allowed here: it names a validator to remove (R28).
            CUSTOS_READ_INTO(event.validator, detail::validator_from_json(event_reader, value, path));
            return {};
        case Field::proposal: {
            Hash32 proposal;
            CUSTOS_READ_INTO(proposal, event_reader.hash(value, path));
            event.proposal = EventId{proposal};
            return {};
        }
        case Field::read:
            CUSTOS_READ_INTO(event.read, detail::read_record_from_json(event_reader, value, path));
            return {};
        default:
            break;
    }
    return event_reader.fail(path, "unhandled field");
}

// One member of an event, by the run of the Field enum it is in.
Status read_field(Event& event, Field field, const Json& value) {
    const std::string& path = event_path(field);
    if (field <= Field::attributes) return read_common_field(event, field, value, path);
    if (field <= Field::outcome) return read_custody_field(event, field, value, path);
    return read_governance_field(event, field, value, path);
}

#undef CUSTOS_READ_INTO

}  // namespace

Result<Event> event_from_json(const Json& json) {
    if (!json.is_object()) return event_reader.fail("event", "must be an object");
    auto kind_json = event_reader.required(json, "kind", "event");
    if (!kind_json) return tl::unexpected(kind_json.error());
    auto kind = (*kind_json)->is_string() ? event_kind_from_name((*kind_json)->get_ref<const std::string&>())
                                          : std::nullopt;
    if (!kind) return event_reader.fail("event.kind", "unknown event kind");
    const KindSchema& schema = schemas[static_cast<std::size_t>(*kind)];
    const FieldSet allowed =
        schema.required | schema.optional | (*kind == EventKind::read ? 0 : always_optional);
    FieldSet present = 0;
    for (const auto& [key, value] : json.items()) {
        auto field = field_from_name(key);
        if (!field) return event_reader.fail(path_join("event", key.substr(0, 64)), "unknown field");
        if ((allowed & bit(*field)) == 0) {
            return event_reader.fail(path_join("event", key),
                                     "not allowed in a " + std::string(event_kind_name(*kind)) + " event");
        }
        present |= bit(*field);
    }
    for (std::size_t i = 0; i < field_count; ++i) {
        if ((schema.required & bit(static_cast<Field>(i))) != 0 &&
            (present & bit(static_cast<Field>(i))) == 0) {
            return event_reader.fail(
                event_path(static_cast<Field>(i)),
                "missing (required in a " + std::string(event_kind_name(*kind)) + " event)");
        }
    }
    Event event;
    event.kind = *kind;
    // Fields are read in the schema's order, so the first error reported does not depend on the
    // order of keys in the input.
    for (std::size_t i = 0; i < field_count; ++i) {
        auto field = static_cast<Field>(i);
        if ((present & bit(field)) == 0) continue;
        if (auto status = read_field(event, field, *json.find(field_names[i])); !status) {
            return tl::unexpected(status.error());
        }
    }
    if (event.kind == EventKind::grant && event.expires && !(event.time < *event.expires)) {
        return event_reader.fail("event.expires", "must be after event.time");
    }
    if (event.kind == EventKind::derive && event.new_item == event.item) {
        return event_reader.fail("event.new_item", "must differ from event.item");
    }
    return event;
}

Json event_to_json(const Event& event) {
    Json json{{"type", event_type},
              {"chain_id", event.chain_id},
              {"kind", event_kind_name(event.kind)},
              {"agency", event.agency},
              {"time", format_time(event.time)}};
    if (names_item(event.kind)) {
        json["item"] = event.item;
        json["case"] = event.case_id;
    }
    if (event.prev) json["prev"] = event_id_hex(*event.prev);
    if (event.location) json["location"] = *event.location;
    if (event.legal_authority) {
        json["legal_authority"] = Json{{"kind", authority_kind_name(event.legal_authority->kind)},
                                       {"reference", event.legal_authority->reference}};
    }
    if (!event.attributes.empty()) json["attributes"] = event.attributes;
    if (event.digests) json["digests"] = digests_to_json(*event.digests);
    if (event.description) json["description"] = *event.description;
    if (event.seal) json["seal"] = *event.seal;
    if (event.recipient) json["recipient"] = *event.recipient;
    if (event.released_by) json["released_by"] = *event.released_by;
    if (event.received_by) json["received_by"] = *event.received_by;
    if (event.seal_intact) json["seal_intact"] = *event.seal_intact;
    if (event.reason) json["reason"] = *event.reason;
    if (event.action) json["action"] = access_action_name(*event.action);
    if (event.purpose) json["purpose"] = *event.purpose;
    if (event.tool) json["tool"] = *event.tool;
    if (!event.results.empty()) {
        Json results = Json::array();
        for (const auto& digests : event.results)
            results.push_back(digests_to_json(digests));
        json["results"] = results;
    }
    if (event.grantee) json["grantee"] = *event.grantee;
    if (!event.scope.empty()) {
        Json scope = Json::array();
        for (AccessAction action : event.scope)
            scope.push_back(access_action_name(action));
        json["scope"] = scope;
    }
    if (event.expires) json["expires"] = format_time(*event.expires);
    if (event.new_item) json["new_item"] = *event.new_item;
    if (event.outcome) json["outcome"] = dispose_outcome_name(*event.outcome);
    if (event.officer) json["officer"] = key_id(*event.officer);
    if (!event.roles.empty()) json["roles"] = detail::roles_to_json(event.roles);
    if (event.name) json["name"] = *event.name;
    if (event.validator) json["validator"] = detail::validator_to_json(*event.validator);
    if (event.proposal) json["proposal"] = event_id_hex(*event.proposal);
    if (event.read) json["read"] = detail::read_record_to_json(*event.read);
    return json;
}

Status validate_event(const Event& event) {
    if (event.time.value < 0 || event.time.value > time_ms_max)
        return event_reader.fail("event.time", "out of range");
    if (event.expires && (event.expires->value < 0 || event.expires->value > time_ms_max)) {
        return event_reader.fail("event.expires", "out of range");
    }
    auto parsed = event_from_json(event_to_json(event));
    if (!parsed) return tl::unexpected(parsed.error());
    if (!(*parsed == event)) return event_reader.fail("event", "does not survive a JSON round trip");
    return {};
}

Result<Envelope> envelope_from_json(const Json& json) {
    if (auto status = event_reader.object(json, "", {"event", "signer", "sig"}); !status)
        return tl::unexpected(status.error());
    Envelope envelope;
    auto event =
        event_reader.required(json, "event", "").and_then([](const Json* v) { return event_from_json(*v); });
    if (!event) return tl::unexpected(event.error());
    envelope.event = std::move(*event);
    auto signer = event_reader.required(json, "signer", "").and_then([](const Json* v) {
        return event_reader.key(*v, "signer");
    });
    if (!signer) return tl::unexpected(signer.error());
    envelope.signer = *signer;
    auto sig = event_reader.required(json, "sig", "");
    if (!sig) return tl::unexpected(sig.error());
    auto bytes = (*sig)->is_string() ? crypto::base64_decode((*sig)->get_ref<const std::string&>())
                                     : make_error(ErrorCode::invalid_argument, "not a string");
    if (!bytes || bytes->size() != crypto::signature_bytes) {
        return event_reader.fail("sig", "must be the canonical base64 of a 64-byte Ed25519 signature");
    }
    auto signature = crypto::signature_from_bytes(*bytes);
    if (!signature) return event_reader.fail("sig", signature.error().message);
    envelope.signature = *signature;
    return envelope;
}

Result<Envelope> parse_envelope(std::string_view text) {
    if (text.size() > envelope_bytes_max) {
        return event_reader.fail("envelope", "is " + std::to_string(text.size()) +
                                                 " bytes, over the limit of " +
                                                 std::to_string(envelope_bytes_max));
    }
    auto json = crypto::parse_json(text);
    if (!json) return event_reader.fail("envelope", json.error().message);
    return envelope_from_json(*json);
}

Json envelope_to_json(const Envelope& envelope) {
    return Json{{"event", event_to_json(envelope.event)},
                {"signer", key_id(envelope.signer)},
                {"sig", crypto::base64_encode(envelope.signature.view())}};
}

// canonical_event() is in event_canonical.cpp.

std::string canonical_envelope(const Envelope& envelope) {
    return detail::canonical_text(envelope_to_json(envelope));
}

EventId event_id(const Event& event) {
    return EventId{crypto::sha256(canonical_event(event))};
}

Envelope sign_event(const Event& event, const crypto::SecretKey& key) {
    const std::string bytes = canonical_event(event);
    return Envelope{event, key.public_key(), key.sign(as_bytes(bytes))};
}

Status verify_envelope_signature(const Envelope& envelope) {
    const std::string bytes = canonical_event(envelope.event);
    if (!crypto::verify(envelope.signer, as_bytes(bytes), envelope.signature)) {
        return make_error(ErrorCode::verification_failed,
                          "R2 sig: the signature does not verify under signer " + key_id(envelope.signer));
    }
    return {};
}

namespace envelope_text {
// The canonical envelope's text around the canonical event: its keys are in code-unit order, and
// base64 and hex need no escaping, so it is always this layout (FORMAT.md 6.1).
constexpr std::string_view head = R"({"event":)", sig = R"(,"sig":")", signer = R"(","signer":")",
                           tail = R"("})";
constexpr std::size_t sig_chars = 88, key_chars = 64;  // Canonical base64 of 64 bytes; hex of 32.
}  // namespace envelope_text

std::string canonical_envelope_of(std::string_view canonical_event, const Envelope& envelope) {
    using namespace envelope_text;
    // RFC 8785 text of {"event": <canonical event>, "sig": ..., "signer": ...}: the keys are
    // already in code-unit order and base64 and hex need no escaping, so this is exactly what
    // canonical_envelope() writes (asserted by tests/ledger/event_test.cpp).
    std::string text;
    text.reserve(head.size() + canonical_event.size() + sig.size() + sig_chars + signer.size() + key_chars +
                 tail.size());
    text += head;
    text += canonical_event;
    text += sig;
    text += crypto::base64_encode(envelope.signature.view());
    text += signer;
    text += key_id(envelope.signer);
    text += tail;
    return text;
}

EventBytes event_bytes(const Envelope& envelope) {
    EventBytes bytes;
    bytes.canonical_event = canonical_event(envelope.event);
    bytes.id = EventId{crypto::sha256(bytes.canonical_event)};
    bytes.canonical_envelope = canonical_envelope_of(bytes.canonical_event, envelope);
    return bytes;
}

std::optional<std::string_view> canonical_event_of_envelope(std::string_view canonical_envelope) {
    using namespace envelope_text;
    constexpr std::size_t after_event = sig.size() + sig_chars + signer.size() + key_chars + tail.size();
    const std::string_view text = canonical_envelope;
    if (text.size() < head.size() + 2 + after_event || !text.starts_with(head) || !text.ends_with(tail))
        return std::nullopt;
    const std::size_t event_end = text.size() - after_event;
    if (text.substr(event_end, sig.size()) != sig ||
        text.substr(event_end + sig.size() + sig_chars, signer.size()) != signer) {
        return std::nullopt;
    }
    const auto event = text.substr(head.size(), event_end - head.size());
    if (event.front() != '{' || event.back() != '}') return std::nullopt;
    return event;
}

Error signature_refused(const Envelope& envelope) {
    return Error{ErrorCode::verification_failed,
                 "R2 sig: the signature does not verify under signer " + key_id(envelope.signer)};
}

Status verify_envelope_signature(const Envelope& envelope, const EventBytes& bytes) {
    if (!crypto::verify(envelope.signer, as_bytes(bytes.canonical_event), envelope.signature))
        return tl::unexpected(signature_refused(envelope));
    return {};
}

std::vector<bool> verify_envelope_signatures(std::span<const Envelope* const> envelopes,
                                             std::span<const EventBytes* const> bytes) {
    CUSTOS_ASSERT(envelopes.size() == bytes.size(), "one EventBytes per envelope");
    std::vector<crypto::VerifyRequest> requests;
    requests.reserve(envelopes.size());
    for (std::size_t i = 0; i < envelopes.size(); ++i)
        requests.push_back(
            {&envelopes[i]->signer, as_bytes(bytes[i]->canonical_event), &envelopes[i]->signature});
    return crypto::verify_many(requests);
}

std::string event_id_hex(const EventId& id) {
    return detail::hex(id.hash);
}

Result<EventId> event_id_from_hex(std::string_view text) {
    auto hash = crypto::hash_from_hex(text);
    if (!hash) return make_error(ErrorCode::invalid_argument, "event id must be 64 lowercase hex digits");
    return EventId{*hash};
}

std::vector<std::string> case_participants(const Event& event) {
    if (event.case_id.empty()) return {};
    std::vector<std::string> agencies{event.agency};
    if (event.kind == EventKind::transfer_offer && event.recipient) agencies.push_back(*event.recipient);
    if (event.kind == EventKind::grant && event.grantee) agencies.push_back(*event.grantee);
    return agencies;
}

std::set<Hash32> event_digests(const Event& event) {
    std::set<Hash32> digests;
    if (event.digests) digests.insert(event.digests->sha256);
    for (const auto& result : event.results)
        digests.insert(result.sha256);
    return digests;
}

}  // namespace custos::ledger

namespace custos::ledger::detail {

// Declared with the other field readers in ledger/json_fields.hpp; here, with the Digests they read.
Result<Digests> digests_from_json(const FieldReader& fields, const Json& json, const std::string& path) {
    if (auto status = fields.object(json, path, {"sha256", "md5", "sha1"}); !status)
        return tl::unexpected(status.error());
    Digests digests;
    auto sha256 = fields.required(json, "sha256", path).and_then([&](const Json* v) {
        return fields.hash(*v, path_join(path, "sha256"));
    });
    if (!sha256) return tl::unexpected(sha256.error());
    digests.sha256 = *sha256;
    struct Legacy {
        std::string_view name;
        std::size_t hex_digits;
        std::optional<std::string>* target;
    };
    for (const Legacy& legacy : {Legacy{"md5", 32, &digests.md5}, Legacy{"sha1", 40, &digests.sha1}}) {
        const Json* value = fields.optional(json, legacy.name);
        if (value == nullptr) continue;
        std::string legacy_path = path_join(path, legacy.name);
        bool ok = value->is_string() && value->get_ref<const std::string&>().size() == legacy.hex_digits &&
                  crypto::hex_decode(value->get_ref<const std::string&>()).has_value();
        if (!ok)
            return fields.fail(legacy_path,
                               "must be " + std::to_string(legacy.hex_digits) + " lowercase hex digits");
        *legacy.target = value->get<std::string>();
    }
    return digests;
}

Json digests_to_json(const Digests& digests) {
    Json json{{"sha256", detail::hex(digests.sha256)}};
    if (digests.md5) json["md5"] = *digests.md5;
    if (digests.sha1) json["sha1"] = *digests.sha1;
    return json;
}

}  // namespace custos::ledger::detail
