// custos audit: replays a node's store from genesis without trusting it and prints either
// "verified: N blocks, M events" or the first violation, with its place. Exit 0 only when
// everything verified.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit.hpp"
#include "ledger/event.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

constexpr std::string_view audit_usage =
    "usage: custos audit --data DIR [--genesis-hash HEX] [--json]\n"
    "\n"
    "Replays the ledger store in DIR from its genesis and re-verifies everything: every event's\n"
    "signature, signer role and custody rules (R1-R32, officer keys as governance events changed\n"
    "them at each event's place in the log), every prev link, the block hash chain, every commit\n"
    "certificate against the validator set in force at its height (validator changes adopted by\n"
    "the replay count from two blocks on), the Merkle log root at every block, and the stored\n"
    "item states, officer records and validator records against the replay.\n"
    "Prints \"verified: N blocks, M events\" and exits 0, or prints the first violation (height,\n"
    "leaf, event id, rule, expected and found) and exits 1. Progress goes to stderr as key=value\n"
    "lines on long runs.\n"
    "\n"
    "The store is opened read-only: the audit writes nothing, so it may run beside the node. A\n"
    "running node keeps committing meanwhile; the audit checks the store as it was when opened\n"
    "(the blocks committed after that are not in its count). On a busy node a long audit may\n"
    "stop with a read error if the node's compaction removes a file the audit had not opened\n"
    "yet: run it again, or audit a copy (docs/OPERATIONS.md, \"Backup and restore\").\n"
    "\n"
    "options:\n"
    "  --data DIR          a node's data directory (its store is DIR/store) or the store directory\n"
    "  --genesis-hash HEX  the genesis hash you trust (64 hex digits, either case); without it the\n"
    "                      store's own genesis is used and its hash printed, so compare it yourself\n"
    "  --json              print the result as one JSON object on stdout\n"
    "  -h, --help          show this help\n";

struct AuditArgs {
    std::filesystem::path data;
    std::optional<Hash32> genesis_hash;
    bool json = false;
};

int usage_error(const std::string& message) {
    std::cerr
        << "error: " << message << "\n"
        << "usage: custos audit --data DIR [--genesis-hash HEX] [--json]   (custos audit --help for more)\n";
    return exit_usage;
}

std::optional<std::string> parse_args(const Args& args, AuditArgs& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool has_value = i + 1 < args.size();
        if (arg == "--json") {
            out.json = true;
        } else if (arg == "--data" && has_value) {
            out.data = args[++i];
        } else if (arg == "--genesis-hash" && has_value) {
            auto hash = parse_hash_option(args[++i]);
            if (!hash) return "--genesis-hash: " + hash.error().message;
            out.genesis_hash = *hash;
        } else {
            return "unexpected argument '" + arg + "'";
        }
    }
    if (out.data.empty()) return std::string("--data DIR is required");
    return std::nullopt;
}

// A node's data directory keeps its store in store/ (consensus/runtime/node.cpp); a store
// directory is taken as it is.
std::filesystem::path store_directory(const std::filesystem::path& data) {
    const auto nested = data / "store";
    std::error_code error;
    if (!std::filesystem::exists(data / "CURRENT", error) && std::filesystem::exists(nested / "CURRENT", error))
        return nested;
    return data;
}

crypto::Json report_json(const ledger::AuditReport& report) {
    crypto::Json json = {{"verified", report.verified()},
                         {"blocks", report.blocks},
                         {"events", report.events},
                         {"genesis_hash", crypto::hex_encode(report.genesis_hash.view())},
                         {"summary", ledger::audit_summary(report)}};
    if (report.violation) {
        const auto& v = *report.violation;
        crypto::Json violation = {{"height", v.height.value}, {"rule", v.rule},   {"field", v.field},
                                  {"expected", v.expected},   {"found", v.found}, {"message", v.message}};
        violation["leaf_index"] = v.leaf_index ? crypto::Json(*v.leaf_index) : crypto::Json(nullptr);
        violation["event"] = v.event ? crypto::Json(ledger::event_id_hex(*v.event)) : crypto::Json(nullptr);
        json["violation"] = std::move(violation);
    }
    return json;
}

}  // namespace

int run_audit(const Args& args) {
    if (wants_help(args)) {
        std::cout << audit_usage;
        return exit_ok;
    }
    AuditArgs parsed;
    if (auto problem = parse_args(args, parsed)) return usage_error(*problem);

    const auto start = std::chrono::steady_clock::now();
    ledger::AuditOptions options;
    options.expected_genesis_hash = parsed.genesis_hash;
    options.progress = [&](const ledger::AuditProgress& progress) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "level=info event=audit_progress height=%llu events=%llu events_per_s=%.0f\n",
                     static_cast<unsigned long long>(progress.height.value),
                     static_cast<unsigned long long>(progress.events),
                     seconds > 0 ? static_cast<double>(progress.events) / seconds : 0.0);
    };
    auto report = ledger::audit_directory(store_directory(parsed.data), options);
    if (!report) {
        std::cerr << "error: audit of " << parsed.data.string() << ": " << report.error().to_string() << "\n";
        return exit_failure;
    }
    if (parsed.json) {
        std::cout << report_json(*report).dump() << "\n";
    } else {
        const bool genesis_refused =
            report->violation && report->violation->rule == ledger::audit_check::genesis;
        std::cout << "genesis: " << crypto::hex_encode(report->genesis_hash.view())
                  << (!parsed.genesis_hash ? " (not checked: no --genesis-hash given)"
                      : genesis_refused    ? " (does NOT match --genesis-hash)"
                                           : " (matches --genesis-hash)")
                  << "\n"
                  << ledger::audit_summary(*report) << "\n";
    }
    return report->verified() ? exit_ok : exit_failure;
}

}  // namespace custos::cli
