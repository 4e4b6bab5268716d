// custos verify: checks a court bundle offline (no network, no data directory) and prints the
// custody timeline and the verdict; --report writes the HTML page. Exit 0 only when every check
// holds; 1 naming the failed check otherwise; 2 for bad usage.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/verify.hpp"
#include "tools/support/api_client.hpp"

namespace custos::cli {
namespace {

constexpr std::string_view verify_help =
    "Verifies a court bundle (custos bundle, or GET /v1/items/{item}/bundle) offline: no network,\n"
    "no data directory. Checks, in order: 0 format; 1 the genesis hash; 2 every event's signature\n"
    "and that its key belonged to its agency with the needed role at that point of the log; 3 every\n"
    "inclusion and consistency proof and every checkpoint's certificate (> 2/3 of the validators);\n"
    "4 the item's prev links from registration to its latest event, no gaps; 5 the custody rules,\n"
    "replayed by the ledger's own rule engine; 6 completeness: the certified state at the anchor\n"
    "counts exactly the bundle's events; 7 who exported it: the officer's signed request for this\n"
    "item's bundle, the officer's name, agency and roles as the bundle's ledger gives them, and the\n"
    "serving validator's signature binding that request to this bundle's digest (a bundle without\n"
    "that member says \"exporter not stated\"). Prints the custody timeline and the verdict.\n"
    "Exit 0 only when every check holds; 1 names the first failed check and where it failed.\n"
    "\n"
    "Signatures: an officer's or validator's key (as the bundle's genesis and governance records\n"
    "make it) is checked on Custos's Ed25519 table path once it has signed twice, every other one\n"
    "by libsodium's strict verifier; the table path accepts only what libsodium accepts, and is\n"
    "off if libsodium fails its self-test (docs/VERIFYING.md). --reference-only: libsodium alone.";

struct VerifyArgs {
    std::string file;
    std::string genesis_hash_text;
    std::optional<Hash32> genesis_hash;  // genesis_hash_text, once the command runs
    unsigned threads = 0;                // 0: one per core.
    bool json = false;
    std::string report;
    std::string refresh_from;
    std::string key_path;
    bool reference_only = false;
};

Result<std::string> read_file(const std::string& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return make_error(ErrorCode::io_error, "cannot read " + path + ": " + error.message());
    if (size > ledger::bundle_bytes_max)
        return make_error(ErrorCode::invalid_argument, path + " is larger than the bundle limit of 64 MiB");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::io_error, "cannot open " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

using crypto::hex;

void print_entry(const ledger::TimelineEntry& entry) {
    const ledger::Event& event = entry.envelope.event;
    std::cout << "  " << ledger::format_time(entry.ledger_time) << "  "
              << (entry.governance ? std::string("[governance]") : event.item) << "  "
              << ledger::event_kind_name(event.kind) << "  by " << event.agency << "\n"
              << "      officer   " << (entry.signer_name.empty() ? "(unknown)" : entry.signer_name)
              << (entry.signer_role.empty() ? "" : " (" + entry.signer_role + ")") << ", key "
              << ledger::key_id(entry.envelope.signer) << "\n";
    if (event.location) std::cout << "      location  " << *event.location << "\n";
    if (event.legal_authority) {
        std::cout << "      authority " << ledger::authority_kind_name(event.legal_authority->kind) << " "
                  << event.legal_authority->reference << "\n";
    }
    if (event.recipient) std::cout << "      to        " << *event.recipient << "\n";
    if (event.released_by) std::cout << "      released  " << *event.released_by << "\n";
    if (event.received_by) std::cout << "      received  " << *event.received_by << "\n";
    if (event.new_item) std::cout << "      new item  " << *event.new_item << "\n";
    if (event.purpose) std::cout << "      purpose   " << *event.purpose << "\n";
    if (!entry.seal_check.empty()) std::cout << "      seal      " << entry.seal_check << "\n";
    if (!entry.digest_check.empty()) std::cout << "      digest    " << entry.digest_check << "\n";
    if (entry.integrity_alert) std::cout << "      *** INTEGRITY ALERT ***\n";
    std::cout << "      record    event " << ledger::event_id_hex(entry.id) << ", leaf " << entry.leaf_index
              << ", block " << entry.height << ", event time " << ledger::format_time(event.time) << "\n";
}

void print_readable(const ledger::BundleReport& report, const std::string& file) {
    std::cout << "Custos court bundle: " << file << "\n"
              << "  bundle sha256  " << hex(report.bundle_sha256) << "\n"
              << "  item           " << report.item
              << (report.case_id.empty() ? "" : ", case " + report.case_id) << "\n";
    if (!report.description.empty()) std::cout << "  description    " << report.description << "\n";
    for (const auto& item : report.related_items)
        std::cout << "  related item   " << item << "\n";
    if (!report.chain_id.empty()) {
        std::cout << "  chain          " << report.chain_id << ", genesis " << hex(report.genesis_hash)
                  << (report.genesis_pinned ? " (pinned)" : " (NOT PINNED)") << "\n"
                  << "  checkpoint     height " << report.checkpoint_height << ", log size "
                  << report.checkpoint_log_size << ", time " << ledger::format_time(report.checkpoint_time)
                  << "\n";
    }
    if (!report.chain_id.empty()) {
        std::cout << "  exported       " << report.exporter.statement() << "\n";
        if (report.exporter.verified) {
            std::cout << "                 read record " << ledger::event_id_hex(report.exporter.read_id)
                      << " (custos reads " << report.item << " lists it), request sha256 "
                      << hex(report.exporter.request_hash) << "\n";
        }
    }
    if (!report.timeline.empty()) std::cout << "\nTimeline (ledger time, item, action, acting agency):\n";
    for (const auto& entry : report.timeline)
        print_entry(entry);
    if (!report.current_custodian.empty())
        std::cout << "\nCurrent custodian: " << report.current_custodian
                  << (report.integrity_alert ? "   *** INTEGRITY ALERT on this item ***" : "") << "\n";
    std::cout << "\nChecks:\n";
    for (const auto& check : report.checks) {
        std::cout << "  [" << (!check.ran ? "--" : (check.passed ? "ok" : "FAIL")) << "] "
                  << static_cast<int>(check.check) << " " << ledger::bundle_check_name(check.check) << ": "
                  << check.summary << "\n";
    }
}

void warn_not_pinned() {
    std::cerr
        << "\n"
           "WARNING: NO GENESIS HASH PINNED. The genesis (validators and officer keys) was taken from\n"
           "WARNING: the bundle itself: a forged bundle with its own validators would pass. Re-run with\n"
           "WARNING: --genesis-hash HEX, the hash the court trusts.\n\n";
}

// The refresh (--refresh-from): fetches the item's state proof from the anchor's log size and
// checks it against the bundle. Prints the verdict (or the refusal) and returns the exit status.
int refresh(const VerifyArgs& parsed, const std::string& text, const ledger::BundleReport& report,
            crypto::Json* json_report) {
    auto note = [&](const std::string& verdict, const std::string& message) {
        if (json_report) {
            (*json_report)["refresh"] =
                crypto::Json{{"node", parsed.refresh_from}, {"verdict", verdict}, {"message", message}};
        }
    };
    auto url = api::parse_url(parsed.refresh_from);
    if (!url || url->target != "/") {
        std::cerr << "error: --refresh-from takes a base URL (http://HOST:PORT)\n";
        return exit_usage;
    }
    auto tls = node_tls(*url);
    if (!tls) {
        std::cerr << "error: --refresh-from: " << tls.error().message << "\n";
        return exit_usage;
    }
    auto key = read_key_option(parsed.key_path);
    if (!key) return fail(key.error().message);
    api_cli::Options options;
    options.node = *url;
    options.tls = std::move(*tls);
    options.node_url = parsed.refresh_from;
    const std::string target =
        "/v1/items/" + report.item + "/state-proof?from_size=" + std::to_string(report.checkpoint_log_size);
    auto response = api_cli::signed_call(options, key->key, "GET", target);
    if (!response) return fail("--refresh-from: " + response.error().message);
    if (response->status != 200) return api_cli::report_problem(*response);
    auto answer = api_cli::json_body(*response);
    if (!answer) return exit_failure;
    auto bundle = crypto::parse_json(text, crypto::JsonParseOptions{.bytes_max = ledger::bundle_bytes_max});
    if (!bundle) return fail(bundle.error().message);
    auto refreshed = ledger::verify_bundle_refresh(
        *bundle, ledger::VerifyOptions{.pinned_genesis_hash = parsed.genesis_hash}, *answer);
    if (!refreshed) {
        note("refused", refreshed.error().message);
        std::cerr << "REFRESH REFUSED: the answer of " << parsed.refresh_from
                  << " does not hold: " << refreshed.error().message << "\n";
        return exit_failure;
    }
    using Verdict = ledger::RefreshReport::Verdict;
    const std::string message = refreshed->message();
    const char* verdict = refreshed->verdict == Verdict::still_complete ? "still_complete"
                          : refreshed->verdict == Verdict::later_events ? "later_events"
                                                                        : "set_changed";
    note(verdict, message);
    if (!json_report) {
        std::cout << (refreshed->verdict == Verdict::still_complete ? "REFRESHED: " : "REFRESH: ") << message
                  << " (checked against " << parsed.refresh_from << ").\n";
    }
    return refreshed->verdict == Verdict::still_complete ? exit_ok : exit_failure;
}

int run_verify(VerifyArgs& parsed) {
    if (!parsed.genesis_hash_text.empty())
        parsed.genesis_hash = parse_hash_option(parsed.genesis_hash_text).value();
    if (parsed.reference_only) crypto::ed25519_tables::set_reference_only(true);
    auto text = read_file(parsed.file);
    if (!text) {
        std::cerr << "error: " << text.error().message << "\n";
        return exit_failure;
    }
    auto report = ledger::verify_bundle_text(
        *text, ledger::VerifyOptions{.pinned_genesis_hash = parsed.genesis_hash,
                                     .threads = ledger::worker_threads(parsed.threads)});
    if (!report) {
        std::cerr << "error: " << report.error().to_string() << "\n";
        return exit_failure;
    }
    if (!parsed.genesis_hash) warn_not_pinned();
    if (!parsed.report.empty()) {
        const std::string html = render_report_html(*report, parsed.file);
        auto written = parsed.report.ends_with(".pdf") ? write_report_pdf(html, parsed.report)
                                                       : write_new_file(parsed.report, html);
        if (!written) {
            std::cerr << "error: " << written.error().message << "\n";
            return exit_failure;
        }
    }
    crypto::Json json_report = parsed.json ? ledger::bundle_report_to_json(*report) : crypto::Json();
    if (!parsed.json) print_readable(*report, parsed.file);
    int status = exit_ok;
    if (report->failure) {
        if (parsed.json) std::cout << json_report.dump(2) << "\n";
        std::cerr << "NOT VERIFIED: " << report->failure->message() << "\n";
        return exit_failure;
    }
    if (!parsed.json) {
        std::cout << "\nVERIFIED: every check holds; " << report->completeness_claim() << ".\n"
                  << report->exporter.statement() << ".\n";
    }
    if (!parsed.refresh_from.empty())
        status = refresh(parsed, *text, *report, parsed.json ? &json_report : nullptr);
    if (parsed.json) std::cout << json_report.dump(2) << "\n";
    if (!parsed.genesis_hash) std::cerr << "(verified against the bundle's own genesis: NOT PINNED)\n";
    return status;
}

}  // namespace

void add_verify(Tool& tool) {
    auto parsed = std::make_shared<VerifyArgs>();
    auto& command = tool.add(tool.root(), "verify",
                             "verify a court bundle offline and print its timeline (--report FILE.html)",
                             [parsed] { return run_verify(*parsed); });
    command.add_option("FILE", parsed->file, "the bundle file")->required();
    command
        .add_option("--genesis-hash", parsed->genesis_hash_text,
                    "the genesis hash the court trusts (64 hex digits). Without it the\n"
                    "genesis is taken from the bundle itself and a forged validator set\n"
                    "would pass: a loud warning is printed")
        ->type_name("HEX")
        ->check(sha256_hex());
    command
        .add_option("--threads", parsed->threads,
                    "threads that parse the events and verify their signatures, 1..256\n"
                    "(default: one per core); the verdict does not depend on it")
        ->type_name("N")
        ->check(whole_number(1, threads_option_max));
    command.add_flag("--json", parsed->json,
                     "print the full report as JSON on stdout instead of the timeline");
    auto* refresh_from =
        command
            .add_option("--refresh-from", parsed->refresh_from,
                        "after the offline checks hold, ask the node at URL (http://HOST:PORT)\n"
                        "for the item's state proof from the bundle's anchor\n"
                        "(GET /v1/items/{item}/state-proof) and check it against the bundle:\n"
                        "the newer certificate by the validator set the bundle gives, the\n"
                        "consistency proof from the anchor's log, the item's map proof. Says\n"
                        "'still complete as of height H' (exit 0) or 'N later event(s) exist'\n"
                        "(exit 1); a state proof that does not hold is refused (exit 1), and a\n"
                        "validator set changed after the anchor is reported as not checkable\n"
                        "from the bundle alone (exit 1). The node is not trusted")
            ->type_name("URL");
    command
        .add_option("--key", parsed->key_path,
                    "the officer key that signs that request (one that may read the\n"
                    "item's trail); needed with --refresh-from")
        ->type_name("FILE")
        ->needs(refresh_from);
    refresh_from->needs(command.get_option("--key"));
    command
        .add_option("--report", parsed->report,
                    "also write the court report: a self-contained HTML page (refuses an\n"
                    "existing file). A name ending in .pdf writes it as PDF instead,\n"
                    "printed by headless Chromium (make deps installs chromium;\n"
                    "CUSTOS_CHROMIUM names another browser binary)")
        ->type_name("FILE.html|FILE.pdf");
    command.add_flag("--reference-only", parsed->reference_only,
                     "check every signature with libsodium alone (no table path)");
    command.footer(std::string(verify_help));
}

}  // namespace custos::cli
