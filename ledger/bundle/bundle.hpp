// The court bundle: one JSON file holding everything needed to verify an item's custody trail
// offline (docs/FORMAT.md, "Bundle"), and the verifier a defence expert runs on it.
//
// make_bundle() reads a Store; verify_bundle() reads nothing but the bundle (no network, no data
// directory) and trusts nothing but the genesis hash it is given. Every check it makes is listed
// in the report, with the first failure named and located (event id, leaf index or height).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/events/event.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

class Store;

inline constexpr std::string_view bundle_type = "custos.bundle.v3";
// Largest bundle the verifier reads, and the most events / checkpoints / governance records it
// holds. A bundle over a limit is refused before anything else is checked.
inline constexpr std::size_t bundle_bytes_max = 64 * 1024 * 1024;
inline constexpr std::size_t bundle_events_max = 100000;
inline constexpr std::size_t bundle_checkpoints_max = 100000;
inline constexpr std::size_t bundle_governance_max = 100000;
inline constexpr std::size_t bundle_items_max = 1000;

// The court bundle of an item as JSON (docs/FORMAT.md, "Bundle"). not_found for an unknown item.
[[nodiscard]] Result<crypto::Json> make_bundle(const Store& store, std::string_view item_id);

// The checks, in the order they run (docs/VERIFYING.md explains each).
enum class BundleCheck {
    format,         // 0: the bundle parses, its type/version, limits, fields.
    genesis,        // 1: genesis hash (pinned or not), genesis document valid.
    signatures,     // 2: every event signature; signer key of its agency with the role then.
    proofs,         // 3: inclusion + consistency proofs, checkpoint certificates.
    chain,          // 4: the item's prev links unbroken, no gaps.
    custody_rules,  // 5: replay through the ledger's rule engine.
    completeness,   // 6: the certified state at the anchor counts exactly the bundle's events.
    exported        // 7: who exported it (FORMAT.md 11.8), when the bundle says so.
};
inline constexpr std::size_t bundle_check_count = 8;
[[nodiscard]] std::string_view bundle_check_name(BundleCheck check);

// Where a failure was found. Unset members do not apply.
struct BundleLocation {
    std::optional<EventId> event;
    std::optional<std::uint64_t> leaf_index;
    std::optional<std::uint64_t> height;
    std::string field;  // JSON path in the bundle, e.g. "events[3].inclusion_proof[1]".
};

struct BundleFailure {
    BundleCheck check = BundleCheck::format;
    BundleLocation where;
    std::string reason;
    [[nodiscard]] std::string message() const;  // "check 3 (proofs) failed at ...: reason"
};

struct BundleCheckResult {
    BundleCheck check = BundleCheck::format;
    bool passed = false;
    bool ran = false;     // False when an earlier failure stopped verification first.
    std::string summary;  // What was checked, e.g. "12 signatures, 12 officer keys".
};

// One event of the timeline, as shown in the readable output and the HTML report.
struct TimelineEntry {
    EventId id;
    std::uint64_t leaf_index = 0;
    std::uint64_t height = 0;
    TimeMs ledger_time;  // Block time of its certified checkpoint.
    Envelope envelope;
    std::string signer_name;       // Officer name from the ledger's officer records ("" if unknown).
    std::string signer_role;       // Role that allowed the action.
    bool governance = false;       // An officer.add / officer.revoke record.
    bool integrity_alert = false;  // Rule R22 raised (or repeated) an alert on this event.
    std::string seal_check;        // e.g. "seal intact", "seal broken", "" when not applicable.
    std::string digest_check;      // e.g. "digest matches", "MISMATCH", "" when not applicable.
};

// Who exported the bundle (FORMAT.md 11.8), as check 7 found it. `stated` is false for a bundle
// without an `exported` member ("exporter not stated"); the rest is set when check 7 passed.
struct BundleExporter {
    bool stated = false;
    bool verified = false;  // Check 7 passed on a stated exporter.
    crypto::PublicKey officer;
    bool officer_known = false;  // An officer record of the bundle's ledger up to the anchor names it.
    std::string officer_name, officer_agency;
    std::vector<Role> officer_roles;
    bool officer_revoked = false;
    std::string node;  // The serving validator's name, its agency and key.
    std::string node_agency;
    crypto::PublicKey node_key;
    TimeMs received;       // The node's receipt time of the request.
    EventId read_id;       // The read record of the export (6.7): its event id.
    Hash32 request_hash;   // SHA-256 of the signature base (R37's key).
    Hash32 bundle_digest;  // SHA-256 of the canonical bundle without `exported`.
    // "Exported by officer X (agency, role) on node N at T", or "exporter not stated", or what
    // the bundle can and cannot prove of an officer key it does not name.
    [[nodiscard]] std::string statement() const;
};

struct BundleReport {
    std::string item;
    std::string case_id;
    std::string description;  // Of the item, from its register/derive event.
    std::string chain_id;
    Hash32 genesis_hash;
    bool genesis_pinned = false;          // --genesis-hash was given and matched.
    Hash32 bundle_sha256;                 // SHA-256 of the bundle bytes as read (set by the caller).
    std::uint64_t checkpoint_height = 0;  // The bundle's latest certified checkpoint.
    std::uint64_t checkpoint_log_size = 0;
    Hash32 checkpoint_root;
    TimeMs checkpoint_time;
    std::string checkpoint_note;             // The latest certificate, as a signed note.
    std::vector<std::string> related_items;  // Derived from / into.
    std::vector<BundleCheckResult> checks;   // One per BundleCheck, in order.
    std::optional<BundleFailure> failure;    // The first failure; nullopt when all hold.
    std::vector<TimelineEntry> timeline;     // Every event in leaf order (as far as verified).
    std::string current_custodian;
    bool integrity_alert = false;
    // Check 6 passed: every event of the family and every governance record up to the anchor
    // is in the bundle ("the trail is complete as of height H, ledger time T").
    bool complete = false;
    [[nodiscard]] std::string completeness_claim() const;
    BundleExporter exporter;  // Check 7.

    [[nodiscard]] bool ok() const { return !failure.has_value(); }
};

struct VerifyOptions {
    // The genesis hash the court trusts (--genesis-hash). Without it the genesis is taken on
    // trust from the bundle, and a forged validator set would pass: the report says so.
    std::optional<Hash32> pinned_genesis_hash;
    // Threads that parse the envelopes and verify their signatures (check 2); 1: the caller's
    // only. Failures are reported in record order, so the verdict does not depend on it.
    unsigned threads = 1;
};

// Verifies a bundle. The Result fails only for a bug-level problem; a bundle that does not
// verify gives a report whose `failure` names the check and the place.
[[nodiscard]] Result<BundleReport> verify_bundle(const crypto::Json& bundle, const VerifyOptions& options);
// Parses the bytes strictly (crypto::parse_json, limit bundle_bytes_max) and sets bundle_sha256;
// a bundle that does not parse gives a report failing check `format`.
[[nodiscard]] Result<BundleReport> verify_bundle_text(std::string_view text, const VerifyOptions& options);

[[nodiscard]] crypto::Json bundle_report_to_json(const BundleReport& report);

// Who exported a bundle (FORMAT.md 11.8): the node adds an `exported` member to the bundle it
// serves, holding the read record of the export (6.7: the officer's request signature, this
// validator's name and the receipt time, signed by the validator) and the validator's signature
// over the bundle's digest together with that record.
inline constexpr std::string_view bundle_export_type = "custos.bundle.export.v1";

// SHA-256 of the canonical text (section 1) of `bundle` without its `exported` member.
[[nodiscard]] Result<Hash32> bundle_digest(const crypto::Json& bundle);
// The bytes the serving validator signs: the canonical text of
// {"bundle": <digest hex>, "read": <the read envelope>, "type": bundle_export_type}.
[[nodiscard]] std::string bundle_export_signed_text(const Hash32& digest, const Envelope& read);
// Adds `exported` to a bundle make_bundle made: `read` is the export's read record (kind read,
// action bundle, subject the bundle's item), signed by the validator whose `sign` signs the
// export. invalid_argument when `read` is not such a record.
[[nodiscard]] Status add_bundle_export(crypto::Json& bundle, const Envelope& read,
                                       const std::function<crypto::Signature(std::string_view)>& sign);

// Fresh completeness (docs/FORMAT.md 11.6): the answer of GET /v1/items/{item}/state-proof.
inline constexpr std::string_view state_proof_type = "custos.state_proof.v2";

// The store's latest certified checkpoint (header and certificate), the RFC 9162 consistency
// proof from log size `from_size` to it, and the map proof of the item's state in that header's
// state_root. not_found for an unknown item; invalid_argument "from_size: ..." unless
// 0 < from_size <= the latest log size.
[[nodiscard]] Result<crypto::Json> make_state_proof(const Store& store, std::string_view item_id,
                                                    std::uint64_t from_size);

struct RefreshReport {
    enum class Verdict {
        still_complete,  // The item has exactly the bundle's events at the newer checkpoint.
        later_events,    // The item has events the bundle does not hold.
        set_changed,     // The newer checkpoint is of a validator set the bundle does not know.
    };
    Verdict verdict = Verdict::still_complete;
    std::string item;
    std::uint64_t anchor_height = 0;
    std::uint64_t height = 0;  // Of the newer checkpoint.
    TimeMs time;
    std::uint64_t bundle_events = 0;  // The item's events in the bundle.
    std::uint64_t ledger_events = 0;  // The item's events at the newer checkpoint.
    EventId head;                     // The item's last event at the newer checkpoint.
    [[nodiscard]] std::string message() const;
};

// Verifies the bundle offline (as verify_bundle), then checks `answer` (a state proof) against
// it: the newer certificate against the validator set the bundle gives for that height, its
// header against the certificate, the consistency proof from the anchor's log to the newer one,
// and the item's map proof against the newer header's state_root. An error
// (verification_failed) refuses the answer and names the field, or says the bundle itself does
// not verify; set_changed is returned, not trusted, when the newer header names a validator set
// the bundle's governance records do not give.
[[nodiscard]] Result<RefreshReport> verify_bundle_refresh(const crypto::Json& bundle,
                                                          const VerifyOptions& options,
                                                          const crypto::Json& answer);

}  // namespace custos::ledger
