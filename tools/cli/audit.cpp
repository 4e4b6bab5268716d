// custos audit: replays a node's store from genesis without trusting it and prints either
// "verified: N blocks, M events" or the first violation, with its place. Exit 0 only when
// everything verified.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "common/memory_filesystem.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/ed25519_tables.hpp"
#include "crypto/encoding.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/audit/audit_signatures.hpp"
#include "ledger/events/event.hpp"
#include "tools/cli/audit_expect.hpp"
#include "tools/cli/commands.hpp"

namespace custos::cli {

namespace {

constexpr std::string_view audit_help =
    "Replays the ledger store in DIR from its genesis and re-verifies everything: every event's\n"
    "signature, signer role and custody rules (R1-R37, officer keys as governance events changed\n"
    "them at each event's place in the log), every prev link, the block hash chain, every commit\n"
    "certificate against the validator set in force at its height (validator changes adopted by\n"
    "the replay count from two blocks on), the Merkle log root and state root at every block,\n"
    "the stored item states, officer records and validator records against the replay, and the\n"
    "read indexes (the agencies' inboxes, their cases, the searches by evidence digest, officer\n"
    "key and ledger time) entry by entry against what the replay gives (`index.offer`,\n"
    "`index.case`, `index.digest`, `index.signer`, `index.time`), and the consultation log's\n"
    "(`index.read`, `index.read_request`).\n"
    "Prints the genesis, the head it verified (height, block hash, log size, log root) and\n"
    "\"verified: N blocks, M events\", and exits 0; or prints the first violation (height, leaf,\n"
    "event id, rule, expected and found) and exits 1. Progress goes to stderr as key=value lines\n"
    "on long runs (every 100,000 events: height, blocks_total, events, events_total,\n"
    "events_per_s, seconds_left, threads).\n"
    "\n"
    "Damage is an error, never a shorter ledger: a write-ahead log record that does not check\n"
    "out and a table file that is short or fails its checksums are refused, naming the file\n"
    "(exit 1). Only a record cut short at the very end of the log (a write in progress when the\n"
    "node crashed or the copy was taken) is left out, as the node itself would.\n"
    "A store cut short cleanly (an old backup, a copy truncated at an earlier block) still\n"
    "verifies on its own: to prove it holds the whole ledger, compare it with a certified\n"
    "checkpoint from elsewhere. --expect and --against do that: the checkpoint must verify\n"
    "against the validator set in force at its height, and the store must hold that very block\n"
    "(a checkpoint above the head: `checkpoint.behind`; another block there: `checkpoint.fork`;\n"
    "a checkpoint that does not verify: `checkpoint.certificate`; each exits 1).\n"
    "\n"
    "The store is opened read-only: the audit writes nothing, so it may run beside the node. A\n"
    "running node keeps committing meanwhile; the audit checks the store as it was when opened\n"
    "(the blocks committed after that are not in its count). On a busy node a long audit may\n"
    "stop with a read error if the node's compaction removes a file the audit had not opened\n"
    "yet: run it again, or audit a copy (docs/OPERATIONS.md, \"Backup and restore\").\n"
    "\n"
    "What the replay keeps that grows with the ledger (its own copy of every item state, event\n"
    "id, read request, the state map and the read indexes' entries) goes into a scratch store on\n"
    "disk, a new directory custos-audit-<random> in --scratch DIR (default: TMPDIR, else /tmp),\n"
    "removed when the audit ends. It takes about 210 bytes of disk per event (2.1 GB at 10\n"
    "million events, 210 GB at a billion); memory stays flat, about 250-280 MiB, whatever the\n"
    "ledger's size. Where that directory is in memory (a tmpfs or ramfs /tmp, as on many\n"
    "systems) the scratch takes RAM instead: the audit then says so on stderr\n"
    "(event=audit_scratch_in_memory) and runs all the same; give --scratch a directory on a disk.\n"
    "\n"
    "Signatures: an officer's or validator's key (as the replay finds it in force) is checked on\n"
    "Custos's Ed25519 table path once it has signed twice, every other one by libsodium's strict\n"
    "verifier; the table path accepts only what libsodium accepts, and is off if libsodium fails\n"
    "its self-test (crypto/ed25519_tables.hpp). --reference-only: libsodium alone.";

struct AuditArgs {
    std::filesystem::path data;
    std::string genesis_hash_text;
    std::optional<Hash32> genesis_hash;  // genesis_hash_text, once the command runs
    std::vector<std::filesystem::path> expect;
    std::vector<std::string> against;
    unsigned threads = 0;           // 0: one per core.
    std::filesystem::path scratch;  // Empty: the system's temporary directory.
    bool json = false;
    bool reference_only = false;
};

// A node's data directory keeps its store in store/ (consensus/runtime/node.cpp); a store
// directory is taken as it is.
std::filesystem::path store_directory(const std::filesystem::path& data) {
    const auto nested = data / "store";
    std::error_code error;
    if (!std::filesystem::exists(data / "CURRENT", error) &&
        std::filesystem::exists(nested / "CURRENT", error))
        return nested;
    return data;
}

crypto::Json report_json(const ledger::AuditReport& report) {
    crypto::Json checkpoints = crypto::Json::array();
    for (const auto& match : report.checkpoints) {
        checkpoints.push_back({{"height", match.height.value},
                               {"block_hash", crypto::hex_encode(match.block_hash.hash.view())},
                               {"signed_power", match.signed_power},
                               {"total_power", match.total_power}});
    }
    crypto::Json json = {{"verified", report.verified()},
                         {"blocks", report.blocks},
                         {"events", report.events},
                         {"genesis_hash", crypto::hex_encode(report.genesis_hash.view())},
                         {"head",
                          {{"height", report.head.height.value},
                           {"block_hash", crypto::hex_encode(report.head.block_hash.hash.view())},
                           {"log_size", report.head.log_size},
                           {"log_root", crypto::hex_encode(report.head.log_root.view())}}},
                         {"checkpoints", std::move(checkpoints)},
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

// The checkpoints of --expect and --against; prints the error and returns false on failure.
bool collect_checkpoints(const AuditArgs& parsed, std::vector<ledger::Certificate>& out) {
    for (const auto& path : parsed.expect) {
        auto checkpoint = read_checkpoint_file(path);
        if (!checkpoint) {
            std::cerr << "error: " << checkpoint.error().message << "\n";
            return false;
        }
        out.push_back(std::move(*checkpoint));
    }
    for (const auto& url : parsed.against) {
        auto checkpoint = fetch_latest_checkpoint(url);
        if (!checkpoint) {
            std::cerr << "error: " << checkpoint.error().message << "\n";
            return false;
        }
        out.push_back(std::move(*checkpoint));
    }
    return true;
}

void print_text(const AuditArgs& parsed, const ledger::AuditReport& report) {
    const bool genesis_refused = report.violation && report.violation->rule == ledger::audit_check::genesis;
    std::cout << "genesis: " << crypto::hex_encode(report.genesis_hash.view())
              << (!parsed.genesis_hash ? " (not checked: no --genesis-hash given)"
                  : genesis_refused    ? " (does NOT match --genesis-hash)"
                                       : " (matches --genesis-hash)")
              << "\n";
    if (!genesis_refused) {
        const auto& head = report.head;
        std::cout << "head: height " << head.height.value << ", block "
                  << crypto::hex_encode(head.block_hash.hash.view()) << ", log size " << head.log_size
                  << ", log root " << crypto::hex_encode(head.log_root.view())
                  << (report.violation && !report.violation->rule.starts_with("checkpoint.")
                          ? " (the last block verified before the violation)"
                          : "")
                  << "\n";
    }
    for (const auto& match : report.checkpoints) {
        std::cout << "checkpoint: height " << match.height.value << " block "
                  << crypto::hex_encode(match.block_hash.hash.view()) << " matches (signed by "
                  << match.signed_power << " of " << match.total_power << " voting power)\n";
    }
    if (report.verified() && parsed.expect.empty() && parsed.against.empty()) {
        std::cout << "note: not compared with a certified checkpoint (--expect, --against): a store "
                     "cut short at an earlier block verifies too\n";
    }
    std::cout << ledger::audit_summary(report) << "\n";
}

// The scratch store grows with the ledger (about 210 bytes an event): on a filesystem held in
// memory (a tmpfs /tmp, the default place) that is RAM, 210 GB at a billion events. One statfs,
// and a warning on stderr naming --scratch; the audit runs all the same.
void warn_if_scratch_in_memory(const std::filesystem::path& chosen) {
    std::error_code error;
    const std::filesystem::path directory =
        chosen.empty() ? std::filesystem::temp_directory_path(error) : chosen;
    if (error) return;  // The audit reports it when it makes the scratch store.
    auto memory = memory_filesystem_of(directory);
    if (!memory || memory->empty()) return;
    std::string quoted;
    for (char c : directory.string()) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        quoted.push_back(c);
    }
    std::fprintf(
        stderr,
        "level=warn event=audit_scratch_in_memory dir=\"%s\" filesystem=%.*s scratch_bytes_per_event=210 "
        "detail=\"the audit's scratch store grows with the ledger and this directory is in memory "
        "(RAM, about 210 GB at a billion events): give --scratch DIR a directory on a disk\"\n",
        quoted.c_str(), static_cast<int>(memory->size()), memory->data());
}

int run_audit(AuditArgs& parsed) {
    if (!parsed.genesis_hash_text.empty())
        parsed.genesis_hash = parse_hash_option(parsed.genesis_hash_text).value();
    if (parsed.reference_only) crypto::ed25519_tables::set_reference_only(true);
    warn_if_scratch_in_memory(parsed.scratch);

    const auto start = std::chrono::steady_clock::now();
    ledger::AuditOptions options;
    options.expected_genesis_hash = parsed.genesis_hash;
    if (!collect_checkpoints(parsed, options.expected_checkpoints)) return exit_failure;
    options.threads = ledger::worker_threads(parsed.threads);
    options.scratch_directory = parsed.scratch;
    options.progress = [&](const ledger::AuditProgress& progress) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double rate = seconds > 0 ? static_cast<double>(progress.events) / seconds : 0.0;
        const double left = rate > 0 && progress.events_total > progress.events
                                ? static_cast<double>(progress.events_total - progress.events) / rate
                                : 0.0;
        std::fprintf(stderr,
                     "level=info event=audit_progress height=%llu blocks_total=%llu events=%llu "
                     "events_total=%llu events_per_s=%.0f seconds_left=%.0f threads=%u\n",
                     static_cast<unsigned long long>(progress.height.value),
                     static_cast<unsigned long long>(progress.blocks_total),
                     static_cast<unsigned long long>(progress.events),
                     static_cast<unsigned long long>(progress.events_total), rate, left, options.threads);
    };
    auto report = ledger::audit_directory(store_directory(parsed.data), options);
    if (!report) {
        std::cerr << "error: audit of " << parsed.data.string() << ": " << report.error().to_string() << "\n";
        return exit_failure;
    }
    if (parsed.json) {
        std::cout << report_json(*report).dump() << "\n";
    } else {
        print_text(parsed, *report);
    }
    return report->verified() ? exit_ok : exit_failure;
}

// --scratch: an existing directory.
CLI::Validator directory() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            std::error_code error;
            if (!text.empty() && std::filesystem::is_directory(text, error)) return {};
            return "'" + text + "' is not a directory";
        },
        "", "directory");
}

}  // namespace

void add_audit(Tool& tool) {
    auto parsed = std::make_shared<AuditArgs>();
    auto& command = tool.add(tool.root(), "audit", "replay a store from genesis and verify everything in it",
                             [parsed] { return run_audit(*parsed); });
    command
        .add_option("--data", parsed->data,
                    "a node's data directory (its store is DIR/store) or the store directory")
        ->type_name("DIR")
        ->required();
    command
        .add_option("--genesis-hash", parsed->genesis_hash_text,
                    "the genesis hash you trust (64 hex digits, either case); without it the\n"
                    "store's own genesis is used and its hash printed, so compare it yourself")
        ->type_name("HEX")
        ->check(sha256_hex());
    command
        .add_option("--expect", parsed->expect,
                    "a certified checkpoint to compare with: the signed note a node serves\n"
                    "(GET /v1/checkpoints/latest or /v1/checkpoints/HEIGHT), as its JSON\n"
                    "answer or the note's text (repeatable)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    command
        .add_option("--against", parsed->against,
                    "fetch the latest checkpoint from the node at URL (e.g.\n"
                    "http://127.0.0.1:8081) and compare with it (repeatable); the node need\n"
                    "not be trusted, its checkpoint's signatures are checked")
        ->type_name("URL")
        ->allow_extra_args(false);
    command
        .add_option("--threads", parsed->threads,
                    "threads that parse events and verify their signatures ahead of the\n"
                    "replay, 1..256 (default: one per core; with more than one, a thread\n"
                    "also writes the read indexes' replayed entries); blocks are still\n"
                    "applied in order, so the verdict and the first violation do not\n"
                    "depend on it")
        ->type_name("N")
        ->check(whole_number(1, threads_option_max));
    command
        .add_option("--scratch", parsed->scratch,
                    "where to make the scratch store (an existing directory on a disk;\n"
                    "default: TMPDIR, else /tmp; warned about when in memory, tmpfs or\n"
                    "ramfs); a killed audit leaves its custos-audit-* there")
        ->type_name("DIR")
        ->check(directory());
    command.add_flag("--json", parsed->json, "print the result as one JSON object on stdout");
    command.add_flag("--reference-only", parsed->reference_only,
                     "check every signature with libsodium alone (no table path)");
    command.footer(std::string(audit_help));
}

}  // namespace custos::cli
