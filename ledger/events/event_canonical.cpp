// canonical_event(): the RFC 8785 text of an event written straight from the struct.
//
// It is the signed bytes and the source of the event id, computed for every event on every
// admission, block application and audit replay; building a JSON tree (event_to_json) and then
// canonicalizing it cost several times the work. The text is the same byte for byte:
// - members in code-unit order; every key here is ASCII, so that is byte order, and the writer
//   below lists them already sorted (attributes come from a std::map, sorted by bytes too);
// - strings escaped exactly as crypto::canonicalize does (section 1 of docs/FORMAT.md);
// - numbers only in validator.propose's validator.power, an integer below 2^53 (written as its
//   decimal digits, which is RFC 8785's form for it).
// tests/ledger/event_test.cpp checks it against detail::canonical_text(event_to_json(event)) for
// every kind and for strings that need escaping.
#include <array>
#include <string>
#include <string_view>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/canonical_writer.hpp"
#include "ledger/events/event.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

namespace detail {

void write_digests(CanonicalWriter& w, const Digests& digests) {
    w.open_object();
    if (digests.md5) {
        w.key("md5");
        w.string(*digests.md5);
    }
    if (digests.sha1) {
        w.key("sha1");
        w.string(*digests.sha1);
    }
    w.key("sha256");
    w.string(detail::hex(digests.sha256));
    w.close_object();
}

}  // namespace detail

namespace {

using detail::CanonicalWriter;

template <typename T>
void optional_text(CanonicalWriter& w, std::string_view name, const std::optional<T>& value) {
    if (!value) return;
    w.key(name);
    w.string(*value);
}

// Members "action" .. "kind", in key order.
void write_first_half(CanonicalWriter& w, const Event& event, bool names_item) {
    if (event.action) {
        w.key("action");
        w.string(access_action_name(*event.action));
    }
    w.key("agency");
    w.string(event.agency);
    if (!event.attributes.empty()) {
        w.key("attributes");
        w.open_object();
        for (const auto& [name, value] : event.attributes) {
            w.key(name);
            w.string(value);
        }
        w.close_object();
    }
    if (names_item) {
        w.key("case");
        w.string(event.case_id);
    }
    w.key("chain_id");
    w.string(event.chain_id);
    optional_text(w, "description", event.description);
    if (event.digests) {
        w.key("digests");
        detail::write_digests(w, *event.digests);
    }
    if (event.expires) {
        w.key("expires");
        w.string(format_time(*event.expires));
    }
    optional_text(w, "grantee", event.grantee);
    if (names_item) {
        w.key("item");
        w.string(event.item);
    }
    w.key("kind");
    w.string(event_kind_name(event.kind));
}

// Members "legal_authority" .. "roles", in key order.
void write_middle(CanonicalWriter& w, const Event& event) {
    if (event.legal_authority) {
        w.key("legal_authority");
        w.open_object();
        w.key("kind");
        w.string(authority_kind_name(event.legal_authority->kind));
        w.key("reference");
        w.string(event.legal_authority->reference);
        w.close_object();
    }
    optional_text(w, "location", event.location);
    optional_text(w, "name", event.name);
    optional_text(w, "new_item", event.new_item);
    if (event.officer) {
        w.key("officer");
        w.string(key_id(*event.officer));
    }
    if (event.outcome) {
        w.key("outcome");
        w.string(dispose_outcome_name(*event.outcome));
    }
    if (event.prev) {
        w.key("prev");
        w.string(event_id_hex(*event.prev));
    }
    if (event.proposal) {
        w.key("proposal");
        w.string(event_id_hex(*event.proposal));
    }
    optional_text(w, "purpose", event.purpose);
    if (event.read) {
        w.key("read");
        detail::write_read_record(w, *event.read);
    }
    optional_text(w, "reason", event.reason);
    optional_text(w, "received_by", event.received_by);
    optional_text(w, "recipient", event.recipient);
    optional_text(w, "released_by", event.released_by);
    if (!event.results.empty()) {
        w.key("results");
        w.open_array();
        for (const auto& digests : event.results) {
            w.element();
            detail::write_digests(w, digests);
        }
        w.close_array();
    }
    if (!event.roles.empty()) {
        w.key("roles");
        w.open_array();
        for (Role role : event.roles) {
            w.element();
            w.string(role_name(role));
        }
        w.close_array();
    }
}

// Members "scope" .. "validator", in key order.
void write_last_half(CanonicalWriter& w, const Event& event) {
    if (!event.scope.empty()) {
        w.key("scope");
        w.open_array();
        for (AccessAction action : event.scope) {
            w.element();
            w.string(access_action_name(action));
        }
        w.close_array();
    }
    optional_text(w, "seal", event.seal);
    if (event.seal_intact) {
        w.key("seal_intact");
        w.boolean(*event.seal_intact);
    }
    w.key("time");
    w.string(format_time(event.time));
    optional_text(w, "tool", event.tool);
    w.key("type");
    w.string(event_type);
    if (event.validator) {
        const Validator& validator = *event.validator;
        w.key("validator");
        w.open_object();
        w.key("address");
        w.string(validator.address);
        w.key("agency");
        w.string(validator.agency);
        w.key("key");
        w.string(key_id(validator.key));
        w.key("name");
        w.string(validator.name);
        w.key("power");
        w.unsigned_integer(validator.power);
        w.close_object();
    }
}

}  // namespace

std::string canonical_event(const Event& event) {
    std::string out;
    out.reserve(512);
    CanonicalWriter writer(out);
    writer.open_object();
    write_first_half(writer, event, names_item(event.kind));
    write_middle(writer, event);
    write_last_half(writer, event);
    writer.close_object();
    return out;
}

}  // namespace custos::ledger
