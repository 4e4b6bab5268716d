// Who exported a bundle (docs/FORMAT.md 11.8): the `exported` member a node adds to a bundle it
// serves, and check 7 of the verifier, which proves from the bundle alone who asked for it, which
// validator served it and when, and that the member belongs to this very bundle.
#include <algorithm>

#include "crypto/ed25519.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/bundle/bundle_internal.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger/genesis.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/rules/rules_internal.hpp"
#include "ledger/state/state.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

using crypto::Json;

Result<Hash32> bundle_digest(const Json& bundle) {
    if (!bundle.is_object()) return make_error(ErrorCode::invalid_argument, "a bundle is a JSON object");
    Json without = bundle;
    without.erase("exported");
    auto canonical = crypto::canonicalize(without);
    if (!canonical) return tl::unexpected(canonical.error());
    return crypto::sha256(*canonical);
}

std::string bundle_export_signed_text(const Hash32& digest, const Envelope& read) {
    const Json signed_part{{"bundle", crypto::hex_encode(digest.view())},
                           {"read", envelope_to_json(read)},
                           {"type", std::string(bundle_export_type)}};
    auto canonical = crypto::canonicalize(signed_part);
    // Every member is a string or an envelope that envelope_to_json made: always canonical.
    return canonical ? *canonical : std::string();
}

Status add_bundle_export(Json& bundle, const Envelope& read,
                         const std::function<crypto::Signature(std::string_view)>& sign) {
    const Event& event = read.event;
    if (event.kind != EventKind::read || !event.read || event.read->action != ReadAction::bundle ||
        !bundle.contains("item") || bundle["item"] != event.read->subject)
        return make_error(ErrorCode::invalid_argument, "the read record is not the export of this bundle");
    auto digest = bundle_digest(bundle);
    if (!digest) return tl::unexpected(digest.error());
    const crypto::Signature signature = sign(bundle_export_signed_text(*digest, read));
    bundle["exported"] = Json{{"bundle", crypto::hex_encode(digest->view())},
                              {"read", envelope_to_json(read)},
                              {"signature", crypto::base64_encode(signature.view())},
                              {"type", std::string(bundle_export_type)}};
    return {};
}

std::string BundleExporter::statement() const {
    if (!stated) return "exporter not stated (the bundle has no exported member)";
    if (!verified) return "exporter NOT shown: the exported member does not verify";
    std::string text = "Exported by ";
    if (officer_known) {
        text += "officer " + officer_name + " (" + officer_agency + ", ";
        for (std::size_t i = 0; i < officer_roles.size(); ++i)
            text += (i == 0 ? "" : "/") + std::string(role_name(officer_roles[i]));
        text +=
            std::string(officer_revoked ? ", key revoked by the anchor" : "") + ") key " + key_id(officer);
    } else {
        text += "key " + key_id(officer) +
                " (NOT an officer key of this ledger up to the anchor: the bundle proves that the holder of "
                "this key asked for it, not who that is)";
    }
    return text + " on node " + node + " (" + node_agency + ") at " + format_time(received);
}

namespace bundle_detail {
namespace {

using crypto::hex;

// The state the bundle's governance records leave at the anchor (genesis officers and validators
// changed by every officer.* and validator.* record, in log order, as the ledger applies them):
// check 6 proves the bundle holds every governance record up to the anchor.
MemoryState governance_at_anchor(const Verification& verification) {
    MemoryState state(verification.genesis);
    for (const Record* record : verification.log_order) {
        if (!record->in_governance_list || !record->envelope) continue;
        auto effects = check_event(state, *record->envelope, record->bytes.id,
                                   record->checkpoint->header.time, verification.genesis);
        if (effects) state.apply(*effects);
    }
    return state;
}

struct ExportFailure {
    std::string field;
    std::string reason;
};

Result<crypto::Signature> signature_of(const Json& value) {
    if (!value.is_string()) return make_error(ErrorCode::invalid_argument, "must be a base64 string");
    const auto& text = value.get_ref<const std::string&>();
    auto bytes = crypto::base64_decode(text);
    if (!bytes || bytes->size() != crypto::signature_bytes || crypto::base64_encode(*bytes) != text)
        return make_error(ErrorCode::invalid_argument, "must be the canonical base64 of 64 bytes");
    return crypto::signature_from_bytes(*bytes);
}

// The member's own shape: exactly type, bundle, read and signature, of this type.
std::optional<ExportFailure> check_members(const Json& exported) {
    if (!exported.is_object()) return ExportFailure{"exported", "must be an object"};
    for (const auto& [key, value] : exported.items()) {
        (void)value;
        if (key != "type" && key != "bundle" && key != "read" && key != "signature")
            return ExportFailure{"exported." + key, "unknown member"};
    }
    for (const char* key : {"type", "bundle", "read", "signature"})
        if (!exported.contains(key)) return ExportFailure{std::string("exported.") + key, "missing"};
    if (exported["type"] != bundle_export_type)
        return ExportFailure{"exported.type", "must be \"" + std::string(bundle_export_type) + "\""};
    return std::nullopt;
}

// Checks 2 to 5 of 11.8 on the read record, parsed and its signature (R2) verified.
std::optional<ExportFailure> check_read_record(const Verification& verification, const Envelope& envelope,
                                               const EventBytes& bytes) {
    // 2. A valid read event of this chain, signed by its signer.
    const Event& event = envelope.event;
    if (event.kind != EventKind::read || !event.read)
        return ExportFailure{"exported.read.event.kind", "must be read"};
    const ReadRecord& read = *event.read;
    if (event.chain_id != verification.genesis.chain_id)
        return ExportFailure{"exported.read.event.chain_id", "is not the genesis chain id"};
    if (auto ok = verify_envelope_signature(envelope, bytes); !ok)
        return ExportFailure{"exported.read.sig", ok.error().message};
    // 3. It records a served export of this bundle's item.
    if (read.action != ReadAction::bundle)
        return ExportFailure{"exported.read.event.read.action", "must be bundle"};
    if (read.subject != verification.bundle.item)
        return ExportFailure{"exported.read.event.read.subject",
                             "is " + read.subject + ", the bundle is of " + verification.bundle.item};
    if (read.outcome != ReadOutcome::served || read.status != 200)
        return ExportFailure{"exported.read.event.read.outcome", "must be served with status 200"};
    // 4. R36: the officer signed a GET of this item's bundle path with this key, in the window.
    if (auto fields = detail::check_read_fields(event, read); !fields)
        return ExportFailure{"exported.read." + fields.error().field, fields.error().message()};
    // 5. R35: the officer's signature over the base.
    if (!crypto::verify(read.officer, as_bytes(read.signature_base), read.signature))
        return ExportFailure{
            "exported.read.event.read.signature",
            "the officer's request signature does not verify under key " + key_id(read.officer)};
    return std::nullopt;
}

// Check 6 of 11.8: the node that signed the record, a validator of the set in force at the
// anchor, or of the latest one the bundle's governance adopted, with the envelope's key; nullopt
// when it is neither. A copy: the sets it is found in are this function's own.
std::optional<Validator> serving_validator(const Verification& verification, const MemoryState& state,
                                           const Envelope& envelope) {
    const std::string& node = envelope.event.read->node;
    const ValidatorHistory history = validator_history(verification);
    const Validator* validator = history.at(verification.bundle.checkpoints.back().height)->find_name(node);
    if (validator != nullptr && validator->key == envelope.signer) return *validator;
    auto latest = state.latest_validators();
    const Validator* adopted = latest && latest->set ? latest->set->find_name(node) : nullptr;
    if (adopted != nullptr && adopted->key == envelope.signer) return *adopted;
    return std::nullopt;
}

// Check 8 of 11.8: who holds the key, as far as the bundle's ledger content (genesis and
// governance up to the anchor) says.
void describe_exporter(BundleExporter& out, const MemoryState& state, const Envelope& envelope,
                       const EventBytes& bytes, const Validator& validator) {
    const ReadRecord& read = *envelope.event.read;
    out.officer = read.officer;
    out.node = read.node;
    out.node_agency = validator.agency;
    out.node_key = envelope.signer;
    out.received = envelope.event.time;
    out.read_id = bytes.id;
    out.request_hash = read_request_hash(read);
    if (auto record = state.officer_record(read.officer); record && record->has_value()) {
        out.officer_known = true;
        out.officer_name = (*record)->officer.name;
        out.officer_agency = (*record)->officer.agency;
        out.officer_roles = (*record)->officer.roles;
        out.officer_revoked = (*record)->revoked();
    }
}

// The checks of 11.8, in its order; the first that fails is returned.
std::optional<ExportFailure> judge(Verification& verification, const Json& bundle, const Json& exported,
                                   BundleExporter& out) {
    if (auto failure = check_members(exported)) return failure;
    // 1. The digest: the member belongs to this bundle, as it is.
    auto digest = bundle_digest(bundle);
    if (!digest) return ExportFailure{"exported.bundle", digest.error().message};
    out.bundle_digest = *digest;
    if (exported["bundle"] != hex(*digest))
        return ExportFailure{"exported.bundle",
                             "is not the SHA-256 of this bundle without exported (" + hex(*digest) +
                                 "): the bundle was changed, or the member was taken from another bundle"};
    // 2 to 5. The read record.
    auto envelope = envelope_from_json(exported["read"]);
    if (!envelope) return ExportFailure{"exported.read", envelope.error().message};
    const EventBytes bytes = event_bytes(*envelope);
    if (auto failure = check_read_record(verification, *envelope, bytes)) return failure;
    // 6. The node, with the record's agency.
    const MemoryState state = governance_at_anchor(verification);
    const ReadRecord& read = *envelope->event.read;
    const std::optional<Validator> validator = serving_validator(verification, state, *envelope);
    if (!validator)
        return ExportFailure{"exported.read.event.read.node",
                             read.node + " with key " + key_id(envelope->signer) +
                                 " is not a validator of the bundle's ledger at the anchor"};
    if (validator->agency != envelope->event.agency)
        return ExportFailure{"exported.read.event.agency", "is not validator " + read.node + "'s agency"};
    // 7. The node's signature over the digest and the record together.
    auto node_signature = signature_of(exported["signature"]);
    if (!node_signature) return ExportFailure{"exported.signature", node_signature.error().message};
    if (!crypto::verify(envelope->signer, as_bytes(bundle_export_signed_text(*digest, *envelope)),
                        *node_signature))
        return ExportFailure{
            "exported.signature",
            "the validator's signature over the bundle digest and the read record does not verify"};
    // 8. Who holds the key.
    describe_exporter(out, state, *envelope, bytes, *validator);
    return std::nullopt;
}

}  // namespace

void check_exported(Verification& verification, const Json& bundle) {
    BundleExporter& out = verification.report.exporter;
    if (!bundle.contains("exported")) {
        verification.set_result(BundleCheck::exported, true, "exporter not stated");
        return;
    }
    out.stated = true;
    auto failure = judge(verification, bundle, bundle["exported"], out);
    if (failure) {
        verification.fail(BundleCheck::exported, BundleLocation{.field = failure->field}, failure->reason);
        verification.set_result(BundleCheck::exported, true, "the exported member does not verify");
        return;
    }
    out.verified = true;
    verification.set_result(BundleCheck::exported, true,
                            "the officer's request signature, the validator's signature over the bundle "
                            "digest and the export's read record " +
                                event_id_hex(out.read_id) + " verify");
}

}  // namespace bundle_detail
}  // namespace custos::ledger
