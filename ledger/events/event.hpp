// Custody events and their signed envelopes. Format: docs/FORMAT.md section 6.
//
// Envelope: {"event": {...}, "signer": <key id>, "sig": <base64 Ed25519 signature over the
// canonical event>}. The event carries "type": "custos.event.v1" and the chain id. Event id =
// SHA-256(canonical event); Merkle leaf data = canonical envelope.
//
// Parsing is validate_basic's first half (rule R1): schema, kinds, required and allowed fields per
// kind, limits, id and time syntax; unknown fields are refused by name. The second half is the
// signature (rule R2, verify_envelope_signature()).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/genesis.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

inline constexpr std::string_view event_type = "custos.event.v1";
inline constexpr std::size_t id_bytes_max = 128;     // item, case, agency ids
inline constexpr std::size_t text_bytes_max = 1024;  // names, purposes, references...
inline constexpr std::size_t description_bytes_max = 4096;
inline constexpr std::size_t attributes_max = 32;
inline constexpr std::size_t attribute_key_bytes_max = 64;
inline constexpr std::size_t attribute_value_bytes_max = 1024;
inline constexpr std::size_t access_results_max = 16;
// Largest envelope text parse_envelope() reads. The field limits keep every canonical envelope
// below it (escaping included), so a valid event never hits it.
inline constexpr std::size_t envelope_bytes_max = 128 * 1024;

enum class EventKind {
    register_item,  // "register"
    transfer_offer,
    transfer_accept,
    transfer_reject,
    transfer_cancel,
    access,
    grant,
    revoke,
    verify,
    seal,
    unseal,
    derive,
    dispose,
    // Governance of officer keys (CUSTODY_RULES.md R23..R27): no item, case or prev.
    officer_add,     // "officer.add"
    officer_revoke,  // "officer.revoke"
    // Governance of the validator set (CUSTODY_RULES.md R28..R32): no item, case or prev.
    validator_propose,  // "validator.propose"
    validator_approve,  // "validator.approve"
    // The consultation log (CUSTODY_RULES.md R33..R37, FORMAT.md 6.7): a validator's signed
    // record of one signed read request it answered. No item, case or prev: it never enters a
    // custody chain.
    read,
};
inline constexpr std::size_t event_kind_count = 18;
[[nodiscard]] std::string_view event_kind_name(EventKind kind);
// validator.propose and validator.approve: changes to the validator set.
[[nodiscard]] constexpr bool is_validator_governance(EventKind kind) {
    return kind == EventKind::validator_propose || kind == EventKind::validator_approve;
}
// Governance events (officer.add, officer.revoke, validator.propose, validator.approve): events
// about officer keys or validators rather than about an item.
[[nodiscard]] constexpr bool is_governance(EventKind kind) {
    return kind == EventKind::officer_add || kind == EventKind::officer_revoke ||
           is_validator_governance(kind);
}
// Whether events of this kind name an item and a case (custody events): not governance, not read.
[[nodiscard]] constexpr bool names_item(EventKind kind) {
    return !is_governance(kind) && kind != EventKind::read;
}
[[nodiscard]] std::optional<EventKind> event_kind_from_name(std::string_view name);

enum class AccessAction { view, copy, image, analyse, export_data };  // "export"
[[nodiscard]] std::string_view access_action_name(AccessAction action);
[[nodiscard]] std::optional<AccessAction> access_action_from_name(std::string_view name);

enum class DisposeOutcome { returned, destroyed, archived };
[[nodiscard]] std::string_view dispose_outcome_name(DisposeOutcome outcome);

enum class AuthorityKind { warrant, mlat, eio, other };
[[nodiscard]] std::string_view authority_kind_name(AuthorityKind kind);

// Digests of an item's content. SHA-256 is required; MD5 and SHA-1 are legacy values some
// forensic tools still report, kept beside it as lowercase hex, never relied upon alone.
struct Digests {
    Hash32 sha256;
    std::optional<std::string> md5;   // 32 hex digits
    std::optional<std::string> sha1;  // 40 hex digits
    friend bool operator==(const Digests&, const Digests&) = default;
};

struct LegalAuthority {
    AuthorityKind kind = AuthorityKind::other;
    std::string reference;
    friend bool operator==(const LegalAuthority&, const LegalAuthority&) = default;
};

// What a read record (kind "read") says was read: the route, its subject and the answer.
// FORMAT.md 6.7 gives the path of each action.
enum class ReadAction { trail, bundle, state_proof, reads, case_items, search };
[[nodiscard]] std::string_view read_action_name(ReadAction action);  // "trail", ..., "state-proof", "case"
[[nodiscard]] std::optional<ReadAction> read_action_from_name(std::string_view name);
// Actions whose subject is an item (listed by GET /v1/items/{item}/reads).
[[nodiscard]] constexpr bool reads_item(ReadAction action) {
    return action == ReadAction::trail || action == ReadAction::bundle || action == ReadAction::state_proof ||
           action == ReadAction::reads;
}

enum class ReadOutcome { served, refused };
[[nodiscard]] std::string_view read_outcome_name(ReadOutcome outcome);

// Limits of a read record's request (FORMAT.md 6.7).
inline constexpr std::size_t signature_base_bytes_max = 8192;

struct ReadRecord {
    std::string node;           // The serving validator's name; its key signs the envelope.
    crypto::PublicKey officer;  // The reader: the request's keyid.
    ReadAction action = ReadAction::trail;
    std::string subject;  // The item id, the case id, or the searched SHA-256 (64 hex).
    ReadOutcome outcome = ReadOutcome::served;
    std::uint16_t status = 200;  // The HTTP status answered: 2xx served, 403 refused.
    // The RFC 9421 signature base of the request (FORMAT.md section 12) and the officer's
    // Ed25519 signature over it: the reader's own proof that it asked.
    std::string signature_base;
    crypto::Signature signature;
    friend bool operator==(const ReadRecord&, const ReadRecord&) = default;
};

// One flat struct for every kind: which optional fields a kind requires or allows is fixed by
// the schema table in event.cpp (and FORMAT.md section 6); the parser enforces it.
struct Event {
    std::string chain_id;
    EventKind kind = EventKind::register_item;
    std::string item;             // Empty for governance events.
    std::string case_id;          // JSON "case"; empty for governance events.
    std::string agency;           // The acting agency.
    TimeMs time;                  // When it happened (officer's clock).
    std::optional<EventId> prev;  // The item's current head; absent for register and governance.
    std::optional<std::string> location;
    std::optional<LegalAuthority> legal_authority;
    std::map<std::string, std::string> attributes;

    // Kind-specific fields.
    std::optional<Digests> digests;            // register, verify, transfer.accept, derive (new item)
    std::optional<std::string> description;    // register, derive
    std::optional<std::string> seal;           // register (optional), seal, unseal: seal number
    std::optional<std::string> recipient;      // transfer.offer: receiving agency id
    std::optional<std::string> released_by;    // transfer.offer: person handing over
    std::optional<std::string> received_by;    // transfer.accept / transfer.reject
    std::optional<bool> seal_intact;           // transfer.accept
    std::optional<std::string> reason;         // reject, cancel, revoke, unseal, dispose, officer.revoke,
                                               // validator.propose, validator.approve
    std::optional<AccessAction> action;        // access
    std::optional<std::string> purpose;        // access
    std::optional<std::string> tool;           // access, verify, derive
    std::vector<Digests> results;              // access: digests of what the action produced
    std::optional<std::string> grantee;        // grant, revoke: agency id
    std::vector<AccessAction> scope;           // grant: sorted, unique, non-empty
    std::optional<TimeMs> expires;             // grant
    std::optional<std::string> new_item;       // derive
    std::optional<DisposeOutcome> outcome;     // dispose
    std::optional<crypto::PublicKey> officer;  // officer.add, officer.revoke: the key (JSON key id)
    std::vector<Role> roles;                   // officer.add: sorted, unique, non-empty
    std::optional<std::string> name;           // officer.add: the officer's name
    // validator.propose: the validator entry to add or replace (by name), or with power 0 the
    // name of the validator to remove.
    std::optional<Validator> validator;
    std::optional<EventId> proposal;  // validator.approve: the validator.propose event's id
    std::optional<ReadRecord> read;   // read: what was read, by whom, and the signed request

    friend bool operator==(const Event&, const Event&) = default;
};

struct Envelope {
    Event event;
    crypto::PublicKey signer;
    crypto::Signature signature;
    friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Rule R1 (schema). Errors are invalid_argument, message "R1 <field>: <reason>".
[[nodiscard]] Result<Event> event_from_json(const crypto::Json& json);
[[nodiscard]] Result<Envelope> envelope_from_json(const crypto::Json& json);
// R1 for an event built in code: it must survive event_to_json -> event_from_json unchanged.
[[nodiscard]] Status validate_event(const Event& event);
// Strict JSON parse (crypto::parse_json) of at most envelope_bytes_max bytes, then the above.
[[nodiscard]] Result<Envelope> parse_envelope(std::string_view text);

[[nodiscard]] crypto::Json event_to_json(const Event& event);
[[nodiscard]] crypto::Json envelope_to_json(const Envelope& envelope);
// The agencies one committed event of a case's item makes part of the case: the acting agency
// (it registered, held, handed over, accepted, accessed...), the recipient of an offer, the
// grantee of a grant (a revoke names a grantee but grants nothing). Empty for governance events.
[[nodiscard]] std::vector<std::string> case_participants(const Event& event);
// The SHA-256 digests one event records, each once: an item's reference digests, digests
// measured again, what an access produced. What the search by evidence digest finds it by.
[[nodiscard]] std::set<Hash32> event_digests(const Event& event);

// Canonical bytes: what the signature covers.
[[nodiscard]] std::string canonical_event(const Event& event);
// Canonical envelope: the Merkle leaf data of the event.
[[nodiscard]] std::string canonical_envelope(const Envelope& envelope);
[[nodiscard]] EventId event_id(const Event& event);

// Signs `event` (whose chain_id the caller set) with `key`.
[[nodiscard]] Envelope sign_event(const Event& event, const crypto::SecretKey& key);
// Rule R2: the signature verifies under the signer key over canonical_event().
[[nodiscard]] Status verify_envelope_signature(const Envelope& envelope);

// The same three values from one canonicalization of the event, for hot paths (block
// application, audit replay) that need the id, the signature check and the leaf data of every
// event: canonical_event() is the costly step and is done once here.
struct EventBytes {
    std::string canonical_event;     // == canonical_event(envelope.event)
    EventId id;                      // == event_id(envelope.event)
    std::string canonical_envelope;  // == canonical_envelope(envelope)
};
[[nodiscard]] EventBytes event_bytes(const Envelope& envelope);
// The canonical envelope of `envelope` from its canonical event, already computed (the one
// layout: the event, then an 88-character signature and a 64-digit key id). event_bytes() writes
// the leaf data with it; the audit compares each stored leaf with it.
[[nodiscard]] std::string canonical_envelope_of(std::string_view canonical_event, const Envelope& envelope);
// The canonical event inside a canonical envelope's text (the log's leaf data), found by the
// envelope's fixed layout (event_bytes(): the event, then an 88-character signature and a
// 64-digit key id), without parsing it; nullopt when `canonical_envelope` does not have that
// layout. Only for text that is known canonical (the store's leaves): it checks the layout, not
// the JSON. Its SHA-256 is the event id.
[[nodiscard]] std::optional<std::string_view> canonical_event_of_envelope(
    std::string_view canonical_envelope);
// R2 over bytes already computed by event_bytes().
[[nodiscard]] Status verify_envelope_signature(const Envelope& envelope, const EventBytes& bytes);
// R2 of many envelopes at once (crypto::verify_many: the table path shares one field inversion
// among them): result[i] is exactly whether verify_envelope_signature(*envelopes[i], *bytes[i])
// succeeds. The two spans are of one size.
[[nodiscard]] std::vector<bool> verify_envelope_signatures(std::span<const Envelope* const> envelopes,
                                                           std::span<const EventBytes* const> bytes);
// verify_envelope_signature's refusal of `envelope` (for a caller that has the verdict already).
[[nodiscard]] Error signature_refused(const Envelope& envelope);

[[nodiscard]] std::string event_id_hex(const EventId& id);
[[nodiscard]] Result<EventId> event_id_from_hex(std::string_view text);

}  // namespace custos::ledger
