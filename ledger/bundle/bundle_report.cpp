// The verifier's report as JSON (custos verify --json): the verdict, every check, the first
// failure with its place, the fingerprints and the timeline.
#include "crypto/encoding.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {
namespace {

using crypto::Json;

using crypto::hex;

Json location_json(const BundleLocation& where) {
    Json json = Json::object();
    if (where.event) json["event"] = event_id_hex(*where.event);
    if (where.leaf_index) json["leaf_index"] = *where.leaf_index;
    if (where.height) json["height"] = *where.height;
    if (!where.field.empty()) json["field"] = where.field;
    return json;
}

Json timeline_json(const TimelineEntry& entry) {
    const Event& event = entry.envelope.event;
    Json json{{"id", event_id_hex(entry.id)},     {"leaf_index", entry.leaf_index},
              {"height", entry.height},           {"ledger_time", format_time(entry.ledger_time)},
              {"time", format_time(event.time)},  {"kind", std::string(event_kind_name(event.kind))},
              {"agency", event.agency},           {"signer", key_id(entry.envelope.signer)},
              {"signer_name", entry.signer_name}, {"signer_role", entry.signer_role},
              {"governance", entry.governance},   {"integrity_alert", entry.integrity_alert}};
    if (!event.item.empty()) json["item"] = event.item;
    if (event.location) json["location"] = *event.location;
    if (event.legal_authority) {
        json["legal_authority"] = std::string(authority_kind_name(event.legal_authority->kind)) + " " +
                                  event.legal_authority->reference;
    }
    if (!entry.seal_check.empty()) json["seal_check"] = entry.seal_check;
    if (!entry.digest_check.empty()) json["digest_check"] = entry.digest_check;
    return json;
}

// Who exported the bundle (check 7), null when the bundle does not say or it did not verify.
Json exported_json(const BundleExporter& exporter) {
    if (!exporter.verified) return nullptr;
    Json roles = Json::array();
    for (Role role : exporter.officer_roles)
        roles.push_back(std::string(role_name(role)));
    Json officer{{"key", key_id(exporter.officer)}, {"known", exporter.officer_known}};
    if (exporter.officer_known) {
        officer["name"] = exporter.officer_name;
        officer["agency"] = exporter.officer_agency;
        officer["roles"] = std::move(roles);
        officer["revoked"] = exporter.officer_revoked;
    }
    return Json{{"officer", std::move(officer)},
                {"node", exporter.node},
                {"node_agency", exporter.node_agency},
                {"node_key", key_id(exporter.node_key)},
                {"received", format_time(exporter.received)},
                {"read_record", event_id_hex(exporter.read_id)},
                {"request_sha256", hex(exporter.request_hash)},
                {"bundle_digest", hex(exporter.bundle_digest)}};
}

}  // namespace

crypto::Json bundle_report_to_json(const BundleReport& report) {
    Json checks = Json::array();
    for (const auto& check : report.checks) {
        checks.push_back(Json{{"check", std::string(bundle_check_name(check.check))},
                              {"number", static_cast<int>(check.check)},
                              {"ran", check.ran},
                              {"passed", check.passed},
                              {"summary", check.summary}});
    }
    Json timeline = Json::array();
    for (const auto& entry : report.timeline)
        timeline.push_back(timeline_json(entry));
    Json json{{"verified", report.ok()},
              {"item", report.item},
              {"case", report.case_id},
              {"description", report.description},
              {"related_items", report.related_items},
              {"current_custodian", report.current_custodian},
              {"integrity_alert", report.integrity_alert},
              {"chain_id", report.chain_id},
              {"genesis_hash", hex(report.genesis_hash)},
              {"genesis_pinned", report.genesis_pinned},
              {"bundle_sha256", hex(report.bundle_sha256)},
              {"checkpoint", Json{{"height", report.checkpoint_height},
                                  {"log_size", report.checkpoint_log_size},
                                  {"log_root", hex(report.checkpoint_root)},
                                  {"time", format_time(report.checkpoint_time)}}},
              {"complete", report.complete},
              {"completeness", report.completeness_claim()},
              {"exporter", report.exporter.statement()},
              {"exported", exported_json(report.exporter)},
              {"checks", std::move(checks)},
              {"timeline", std::move(timeline)}};
    // Null what the verifier never read: it stopped before the genesis or the checkpoints.
    if (report.chain_id.empty()) json["genesis_hash"] = nullptr;
    if (report.checkpoint_height == 0) json["checkpoint"] = nullptr;
    if (report.failure) {
        json["failure"] = Json{{"check", std::string(bundle_check_name(report.failure->check))},
                               {"number", static_cast<int>(report.failure->check)},
                               {"where", location_json(report.failure->where)},
                               {"reason", report.failure->reason},
                               {"message", report.failure->message()}};
    }
    return json;
}

}  // namespace custos::ledger
