// The HTML report of `custos verify --report`: one self-contained page (inline CSS, no scripts,
// no external assets) a judge can read: the exhibit, its case, the custody timeline, transfers as
// released-by / received-by pairs, the verdict with what was checked, and the fingerprints needed
// to re-run the check. Every value from the bundle passes through html_escape().
#include <chrono>
#include <map>
#include <sstream>

#include "common/version.hpp"

#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"
#include "tools/cli/verify.hpp"

namespace custos::cli {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

namespace {

using ledger::BundleReport;
using ledger::Event;
using ledger::EventKind;
using ledger::TimelineEntry;

constexpr const char* page_style = R"(
body{font-family:Georgia,'Times New Roman',serif;margin:2em auto;max-width:72em;color:#111;line-height:1.4}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #888;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top;text-align:left}
td.wrap{overflow-wrap:anywhere;min-width:8em}
th{background:#eee}.mono{font-family:'DejaVu Sans Mono',monospace;font-size:.85em;overflow-wrap:anywhere}
.verdict{padding:1em;border:3px solid;font-size:1.2em;margin:1em 0}
.ok{border-color:#1a7f37;background:#e9f7ee}.bad{border-color:#b3261e;background:#fdecea}
.warn{border:2px solid #b26a00;background:#fff4e0;padding:.7em;margin:1em 0}
.alert{color:#b3261e;font-weight:bold}dl{display:grid;grid-template-columns:14em 1fr;gap:.2em 1em}
dt{font-weight:bold}dd{margin:0}.made{color:#444;font-size:.9em}
.verdict.alertv{border-color:#b3261e;background:#fff4e0}
@page{size:A4;margin:14mm 12mm}
@media print{body{margin:0;max-width:none;font-size:9.5pt}table{font-size:8.5pt}
thead{display:table-header-group}tr{break-inside:avoid}h2{break-after:avoid}
.verdict,.warn{break-inside:avoid}a{color:inherit;text-decoration:none}}
)";

using crypto::hex;

std::string officer_text(const TimelineEntry& entry) {
    std::string text = entry.signer_name.empty() ? "(unknown officer)" : entry.signer_name;
    if (!entry.signer_role.empty()) text += " (" + entry.signer_role + ")";
    return html_escape(text) + "<br><span class=mono>" + ledger::key_id(entry.envelope.signer) + "</span>";
}

std::string action_text(const Event& event) {
    std::string text(ledger::event_kind_name(event.kind));
    if (event.kind == EventKind::access && event.action)
        text += ": " + std::string(ledger::access_action_name(*event.action));
    if (event.recipient) text += " to " + *event.recipient;
    if (event.grantee) text += " for " + *event.grantee;
    if (event.new_item) text += " into " + *event.new_item;
    if (event.outcome) text += ": " + std::string(ledger::dispose_outcome_name(*event.outcome));
    if (event.officer) text += " key " + ledger::key_id(*event.officer).substr(0, 16) + "...";
    if (event.name) text += " (" + *event.name + ")";
    return html_escape(text);
}

std::string details_text(const TimelineEntry& entry) {
    const Event& event = entry.envelope.event;
    std::vector<std::string> parts;
    if (event.purpose) parts.push_back("purpose: " + *event.purpose);
    if (event.tool) parts.push_back("tool: " + *event.tool);
    for (const auto& result : event.results)
        parts.push_back("result: SHA-256 " + crypto::hex_encode(result.sha256.view()));
    if (!event.scope.empty()) {
        std::string scope;
        for (auto action : event.scope)
            scope += (scope.empty() ? "" : ", ") + std::string(ledger::access_action_name(action));
        parts.push_back("scope: " + scope);
    }
    if (event.expires) parts.push_back("expires: " + ledger::format_time(*event.expires));
    if (event.released_by) parts.push_back("released by: " + *event.released_by);
    if (event.received_by) parts.push_back("received by: " + *event.received_by);
    if (event.reason) parts.push_back("reason: " + *event.reason);
    if (!entry.seal_check.empty()) parts.push_back("seal: " + entry.seal_check);
    if (!entry.digest_check.empty()) parts.push_back("digest: " + entry.digest_check);
    std::string out;
    for (const auto& part : parts)
        out += html_escape(part) + "<br>";
    if (entry.integrity_alert) out += "<span class=alert>INTEGRITY ALERT</span>";
    return out;
}

void timeline_table(std::ostringstream& out, const BundleReport& report) {
    out << "<h2>Custody timeline</h2>\n<p class=made>Ledger time: when the validators ordered the event (the "
           "time of its block, taken by the proposer when it built the block and accepted by the other "
           "validators only as close to their own clocks). Event time: the signer's clock when the event was "
           "signed. It is not after the ledger time when the signer's clock agrees with the validators'; a "
           "clock running ahead can put it later by at most the network's clock_skew_max_ms (custody rule "
           "R8).</p>\n<table><thead><tr><th>Ledger time</th><th>Item</th><th>Action</th>"
           "<th>Agency</th><th>Officer</th><th>Location</th><th>Legal authority</th><th>Checks</th>"
           "<th>Record</th></tr></thead>\n";
    for (const auto& entry : report.timeline) {
        const Event& event = entry.envelope.event;
        out << "<tr class=event><td>" << ledger::format_time(entry.ledger_time) << "<br><small>event time "
            << ledger::format_time(event.time) << "</small></td><td>"
            << (entry.governance ? "<em>governance</em>" : html_escape(event.item)) << "</td><td>"
            << action_text(event) << "</td><td>" << html_escape(event.agency) << "</td><td>"
            << officer_text(entry) << "</td><td class=wrap>" << html_escape(event.location.value_or(""))
            << "</td><td>"
            << (event.legal_authority
                    ? html_escape(std::string(ledger::authority_kind_name(event.legal_authority->kind)) +
                                  " " + event.legal_authority->reference)
                    : std::string())
            << "</td><td class=wrap>" << details_text(entry) << "</td><td class=mono>event "
            << ledger::event_id_hex(entry.id) << "<br>leaf " << entry.leaf_index << ", block " << entry.height
            << "</td></tr>\n";
    }
    out << "</table>\n";
}

// Transfers: each offer with the accept, reject or cancel that answered it (its prev).
void transfers_table(std::ostringstream& out, const BundleReport& report) {
    std::map<ledger::EventId, const TimelineEntry*> answers;
    for (const auto& entry : report.timeline) {
        const Event& event = entry.envelope.event;
        if ((event.kind == EventKind::transfer_accept || event.kind == EventKind::transfer_reject ||
             event.kind == EventKind::transfer_cancel) &&
            event.prev)
            answers.emplace(*event.prev, &entry);
    }
    out << "<h2>Transfers</h2>\n<table><tr><th>Item</th><th>Released by</th><th>Received by</th>"
           "<th>Outcome</th></tr>\n";
    for (const auto& entry : report.timeline) {
        const Event& offer = entry.envelope.event;
        if (offer.kind != EventKind::transfer_offer) continue;
        out << "<tr class=transfer><td>" << html_escape(offer.item) << "</td><td>"
            << html_escape(offer.released_by.value_or("")) << "<br>" << html_escape(offer.agency) << ", "
            << ledger::format_time(entry.ledger_time) << "</td>";
        auto found = answers.find(entry.id);
        if (found == answers.end()) {
            out << "<td>(pending: offered to " << html_escape(offer.recipient.value_or(""))
                << ")</td><td></td></tr>\n";
            continue;
        }
        const TimelineEntry& answer = *found->second;
        const Event& reply = answer.envelope.event;
        out << "<td>" << html_escape(reply.received_by.value_or("")) << "<br>" << html_escape(reply.agency)
            << ", " << ledger::format_time(answer.ledger_time) << "</td><td>"
            << html_escape(std::string(ledger::event_kind_name(reply.kind))) << "<br>" << details_text(answer)
            << "</td></tr>\n";
    }
    out << "</table>\n";
}

// The headline says what a court must not miss: a failure as a failure, and an integrity alert
// even when every check holds.
void verdict_section(std::ostringstream& out, const BundleReport& report) {
    if (!report.ok()) {
        out << "<div id=verdict class='verdict bad'>NOT VERIFIED: "
            << (report.failure ? html_escape(report.failure->message()) : std::string()) << "</div>\n";
    } else if (report.integrity_alert) {
        out << "<div id=verdict class='verdict alertv'>VERIFIED &mdash; <span class=alert>integrity alert "
               "recorded</span>";
        std::string separator = " on ";
        for (const auto& entry : report.timeline) {
            if (!entry.integrity_alert) continue;
            const Event& event = entry.envelope.event;
            out << separator << html_escape(event.item) << " at " << ledger::format_time(entry.ledger_time)
                << " (" << html_escape(std::string(ledger::event_kind_name(event.kind))) << " by "
                << html_escape(event.agency)
                << (entry.digest_check.empty() ? "" : ": " + html_escape(entry.digest_check))
                << (entry.seal_check.empty() ? "" : ", " + html_escape(entry.seal_check)) << ")";
            separator = "; ";
        }
        out << ". Every check holds.</div>\n";
    } else {
        out << "<div id=verdict class='verdict ok'>VERIFIED: every check holds.</div>\n";
    }
    // The completeness claim, in plain words with the anchor's height and time (check 6).
    if (report.complete) {
        out << "<div id=completeness class='verdict ok'>Complete: this bundle holds every event of the item"
               " (and of the items derived from or into it) and every governance record up to height "
            << report.checkpoint_height << ", ledger time " << ledger::format_time(report.checkpoint_time)
            << ": the trail is complete as of height " << report.checkpoint_height << ", ledger time "
            << ledger::format_time(report.checkpoint_time)
            << ". Events after that time, and events that were never submitted to the ledger, are not"
               " covered.</div>\n";
    } else {
        out << "<div id=completeness class='verdict bad'>Completeness NOT shown: the bundle may leave out"
               " events of the item or governance records.</div>\n";
    }
    if (!report.genesis_pinned) {
        out << "<div class=warn><strong>Warning: the genesis hash was not pinned.</strong> The verifier took "
               "the genesis (validators and officer keys) from the bundle itself; a forged bundle with its "
               "own validators would pass. Re-run with <code>--genesis-hash</code> and the hash the court "
               "trusts.</div>\n";
    }
    out << "<h2>What was "
           "checked</h2>\n<table><thead><tr><th>#</th><th>Check</th><th>Result</th><th>Details</th></tr></"
           "thead>\n";
    for (const auto& check : report.checks) {
        const bool failed_here = report.failure && report.failure->check == check.check;
        out << "<tr class=check><td>" << static_cast<int>(check.check) << "</td><td>"
            << ledger::bundle_check_name(check.check) << "</td><td>"
            << (!check.ran ? "not run" : (check.passed ? "passed" : "<span class=alert>FAILED</span>"))
            << "</td><td>"
            << (failed_here
                    ? "<span class=alert>Failed: " + html_escape(report.failure->message()) + "</span>"
                    : html_escape(check.summary))
            << "</td></tr>\n";
    }
    out << "</table>\n";
}

// Who exported the bundle (check 7, docs/FORMAT.md 11.8), and how a reader matches it with the
// consultation log.
void exported_section(std::ostringstream& out, const BundleReport& report) {
    const ledger::BundleExporter& exporter = report.exporter;
    out << "<h2>Export</h2>\n<p id=exported" << (exporter.stated && !exporter.verified ? " class=alert" : "")
        << ">" << html_escape(exporter.statement()) << ".</p>\n";
    if (!exporter.verified) return;
    out << "<dl><dt>Officer key</dt><dd class=mono>" << ledger::key_id(exporter.officer) << "</dd>"
        << "<dt>Serving validator</dt><dd>" << html_escape(exporter.node) << " ("
        << html_escape(exporter.node_agency) << "), key <span class=mono>"
        << ledger::key_id(exporter.node_key) << "</span></dd><dt>Received</dt><dd>"
        << ledger::format_time(exporter.received) << "</dd>"
        << "<dt>Read record</dt><dd class=mono>" << ledger::event_id_hex(exporter.read_id)
        << "</dd><dt>What it proves</dt><dd>The officer signed a request for this item's bundle (the "
           "signature over the request verifies under the officer's key, so the request cannot be denied); "
           "the validator signed this bundle's digest together with that request (so it cannot deny serving "
           "this very bundle, and the statement cannot be moved to another bundle). The consultation log "
           "records the same read record: <code>custos reads "
        << html_escape(report.item) << "</code> lists it.</dd></dl>\n";
}

void fingerprints_section(std::ostringstream& out, const BundleReport& report,
                          const std::string& bundle_name) {
    out << "<h2>Fingerprints (to re-run the check)</h2>\n<dl>"
        << "<dt>Bundle file</dt><dd>" << html_escape(bundle_name) << "</dd>"
        << "<dt>Bundle SHA-256</dt><dd class=mono>" << hex(report.bundle_sha256) << "</dd>"
        << "<dt>Chain</dt><dd>" << html_escape(report.chain_id) << "</dd>"
        << "<dt>Genesis hash</dt><dd class=mono>" << hex(report.genesis_hash)
        << (report.genesis_pinned ? " (pinned)" : " (NOT pinned)") << "</dd>"
        << "<dt>Latest certified checkpoint</dt><dd class=mono>height " << report.checkpoint_height
        << ", log size " << report.checkpoint_log_size << ", root " << hex(report.checkpoint_root)
        << ", time " << ledger::format_time(report.checkpoint_time) << "</dd>"
        << "<dt>Command</dt><dd class=mono>custos verify " << html_escape(bundle_name) << " --genesis-hash "
        << hex(report.genesis_hash) << "</dd></dl>\n";
}

}  // namespace

std::string render_report_html(const BundleReport& report, const std::string& bundle_name) {
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
           "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src "
           "'unsafe-inline'\">"
           "<title>Custody report: "
        << html_escape(report.item) << "</title><style>" << page_style << "</style></head><body>\n";
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    out << "<h1>Chain of custody report</h1>\n<p class=made id=made>Report made "
        << ledger::format_time(ledger::TimeMs{now.time_since_epoch().count()}) << " by custos "
        << custos::version << " (custos verify, offline). Genesis hash " << hex(report.genesis_hash)
        << (report.genesis_pinned ? ": <strong>pinned</strong> by the reader."
                                  : ": <strong>NOT pinned</strong>.")
        << "</p>\n";
    verdict_section(out, report);
    out << "<h2>Exhibit</h2>\n<dl><dt>Item</dt><dd id=item>" << html_escape(report.item) << "</dd>"
        << "<dt>Description</dt><dd>" << html_escape(report.description) << "</dd>"
        << "<dt>Case</dt><dd>" << html_escape(report.case_id) << "</dd>"
        << "<dt>Current custodian</dt><dd>" << html_escape(report.current_custodian) << "</dd>"
        << "<dt>Integrity</dt><dd>"
        << (report.integrity_alert ? "<span class=alert>INTEGRITY ALERT recorded</span>"
                                   : "no alert recorded")
        << "</dd><dt>Related items</dt><dd>";
    for (const auto& item : report.related_items)
        out << html_escape(item) << " ";
    out << "</dd></dl>\n";
    exported_section(out, report);
    timeline_table(out, report);
    transfers_table(out, report);
    fingerprints_section(out, report, bundle_name);
    out << "<p><small>Produced by <code>custos verify</code> offline from the bundle alone; see "
           "docs/VERIFYING.md for what each check means.</small></p>\n</body></html>\n";
    return out.str();
}

}  // namespace custos::cli
