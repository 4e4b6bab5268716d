// Multi-process: the `custos` API commands (submit, trail, case, status) against a localnet made by
// `custos-dev localnet init` and run by `custos-dev localnet run --no-demo`, which gives every role's key
// file on disk as an officer would have it. Checks output and exit codes, including refusals (a
// custody rule broken: 409 naming the rule; a case the key may not read: 403) and usage errors.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "api/http_client.hpp"
#include "cli_support.hpp"
#include "common/memory_filesystem.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/time.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos::node_test;

std::string time_now_minus_2s() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return custos::ledger::format_time(custos::ledger::TimeMs{ms - 2000});
}

void write_event(const fs::path& path, const std::string& kind_fields, const std::string& item) {
    std::ofstream(path) << R"({"type":"custos.event.v1","chain_id":"custos-localnet","item":")" << item
                        << R"(","case":"CLI-CASE-1","agency":"NL-POL","time":")" << time_now_minus_2s()
                        << "\"," << kind_fields << "}";
}

}  // namespace

TEST_CASE("cli: submit, trail, case and status against a localnet; refusals print the problem and exit 1") {
    fs::path work = fs::temp_directory_path() / ("custos-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    // Ports from the process id, below Linux's ephemeral range (32768..60999) so an outgoing
    // connection cannot take one first, and apart from the other node tests' ranges (api read
    // cache 3000..6999, bundle 12000..19999, tests/node/localnet.cpp 20000..32767).
    const auto rest_base = static_cast<std::uint16_t>(7000 + (::getpid() % 600) * 8);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 4);
    Run init = init_localnet(work, net, rest_base, peer_base);
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    {
        RunningLocalnet running(work, net, /*demo=*/false);
        REQUIRE_MESSAGE(wait_healthy(rest_base, 4), read_file(work / "run.log"));
        auto node = [&](int index) {
            return " --node http://127.0.0.1:" + std::to_string(rest_base + index);
        };
        auto key = [&](std::string_view agency, std::string_view role) {
            return " --key " + (net / "keys" / agency / (std::string(role) + ".key")).string();
        };

        // submit --sign-event --wait: signed here, committed, with height and checkpoint.
        const fs::path register_file = work / "register.json";
        write_event(
            register_file,
            R"("kind":"register","location":"Room 1","legal_authority":{"kind":"warrant","reference":"W-1"},)"
            R"("digests":{"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},)"
            R"("description":"a phone")",
            "CLI-ITEM-1");
        Run submitted = run_custos(work, "submit " + register_file.string() + node(0) +
                                             key("NL-POL", "custodian") + " --sign-event --wait");
        CHECK_MESSAGE(submitted.exit_code == 0, submitted.err);
        CHECK(contains(submitted.out, "committed: event "));
        REQUIRE(contains(submitted.out, "checkpoint: height "));
        const std::uint64_t committed_at = std::stoull(submitted.out.substr(
            submitted.out.find("checkpoint: height ") + std::string("checkpoint: height ").size()));
        CHECK(committed_at >= 1);
        // Committed on node 0; the other nodes apply the block a moment later.
        REQUIRE(wait_height(rest_base, 4, net / "keys" / "NL-POL" / "auditor.key", committed_at));

        // trail: the timeline (readable) and the node's JSON (--json), from another node.
        Run trail = run_custos(work, "trail CLI-ITEM-1" + node(1) + key("NL-POL", "custodian"));
        CHECK_MESSAGE(trail.exit_code == 0, trail.err);
        CHECK(contains(trail.out, "item CLI-ITEM-1 (case CLI-CASE-1)"));
        CHECK(contains(trail.out, "custodian: NL-POL"));
        CHECK(contains(trail.out, "1 event:"));
        CHECK(contains(trail.out, "1. "));
        CHECK(contains(trail.out, "register"));
        CHECK(contains(trail.out, "warrant W-1"));
        Run trail_json = run_custos(work, "trail CLI-ITEM-1 --json" + node(2) + key("NL-POL", "custodian"));
        REQUIRE(trail_json.exit_code == 0);
        auto parsed = custos::crypto::parse_json(trail_json.out);
        REQUIRE(parsed);
        CHECK((*parsed)["custodian"] == "NL-POL");
        CHECK((*parsed)["events"].size() == 1);

        // case (a prosecutor of the agency) and status (an admin).
        Run case_run = run_custos(work, "case CLI-CASE-1" + node(2) + key("NL-POL", "prosecutor"));
        CHECK_MESSAGE(case_run.exit_code == 0, case_run.err);
        CHECK(contains(case_run.out, "case CLI-CASE-1: 1 item"));
        CHECK(contains(case_run.out, "CLI-ITEM-1"));
        CHECK(contains(case_run.out, "custodian NL-POL"));
        Run status = run_custos(work, "status" + node(3) + key("NL-POL", "admin"));
        CHECK_MESSAGE(status.exit_code == 0, status.err);
        CHECK(contains(status.out, "on chain custos-localnet"));
        CHECK(contains(status.out, "validators:"));
        Run status_json = run_custos(work, "status --json" + node(3) + key("NL-POL", "auditor"));
        REQUIRE(status_json.exit_code == 0);
        auto status_parsed = custos::crypto::parse_json(status_json.out);
        REQUIRE(status_parsed);
        CHECK((*status_parsed)["chain_id"] == "custos-localnet");
        CHECK((*status_parsed)["validators"].size() == 4);

        // A custody rule broken (R10: prev is not the item's head): 409, the rule printed, exit 1.
        const fs::path stale_file = work / "stale.json";
        write_event(
            stale_file,
            R"("kind":"verify","prev":"0000000000000000000000000000000000000000000000000000000000000000",)"
            R"("digests":{"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"})",
            "CLI-ITEM-1");
        Run stale = run_custos(
            work, "submit " + stale_file.string() + node(0) + key("NL-POL", "custodian") + " --sign-event");
        CHECK(stale.exit_code == 1);
        CHECK(contains(stale.err, "error: Custody rule violated (HTTP 409)"));
        CHECK(contains(stale.err, "rule: R10"));
        CHECK(contains(stale.err, "field: event.prev"));
        CHECK(stale.out.empty());

        // A role the key lacks (a custodian reading node status), and a case its agency takes no
        // part in: 403 with the node's reason, exit 1.
        Run forbidden_status = run_custos(work, "status" + node(0) + key("NL-POL", "custodian"));
        CHECK(forbidden_status.exit_code == 1);
        CHECK(contains(forbidden_status.err, "error: Forbidden (HTTP 403)"));
        Run forbidden_case = run_custos(work, "case CLI-CASE-1" + node(0) + key("FR-PN", "custodian"));
        CHECK(forbidden_case.exit_code == 1);
        CHECK(contains(forbidden_case.err, "(HTTP 403)"));
        Run missing = run_custos(work, "trail NO-SUCH-ITEM" + node(0) + key("NL-POL", "auditor"));
        CHECK(missing.exit_code == 1);
        CHECK(contains(missing.err, "(HTTP 404)"));

        // A public key file given as --key is named as such, not as a secret key of the wrong mode.
        const fs::path public_key = net / "keys" / "NL-POL" / "custodian.key.pub";
        Run pub = run_custos(work, "trail CLI-ITEM-1" + node(0) + " --key " + public_key.string());
        CHECK(pub.exit_code == 1);
        CHECK(contains(pub.err, "is a public key file"));
        CHECK(contains(pub.err, "custodian.key, mode 0600"));
        CHECK(!contains(pub.err, "consider the key exposed"));

        // bundle: a refusal is printed as the node's problem (a custodian may not export).
        Run bundle_refused = run_custos(work, "bundle CLI-ITEM-1" + node(1) + key("NL-POL", "custodian") +
                                                  " --out " + (work / "refused.bundle.json").string());
        CHECK(bundle_refused.exit_code == 1);
        CHECK(contains(bundle_refused.err, "error: Forbidden (HTTP 403)"));
        CHECK(contains(bundle_refused.err, "field: role"));
        CHECK(!contains(bundle_refused.err, "{"));

        // audit: a node's data directory (its store is data/store), while the node runs, with
        // the genesis hash in capitals.
        REQUIRE(contains(init.out, "genesis hash: "));
        std::string genesis_hash = init.out.substr(init.out.find("genesis hash: ") + 14, 64);
        for (char& c : genesis_hash)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        Run audit = run_custos(
            work, "audit --data " + (net / "node2" / "data").string() + " --genesis-hash " + genesis_hash);
        CHECK_MESSAGE(audit.exit_code == 0, audit.err);
        CHECK(contains(audit.out, "(matches --genesis-hash)"));
        CHECK(contains(audit.out, "verified: "));
        // Its scratch store went to the temporary directory: warned about (naming --scratch) if
        // and only if that is in memory; a tmpfs --scratch is warned about and still audited.
        auto memory_kind = [](const fs::path& directory) {
            return std::string(custos::memory_filesystem_of(directory).value_or(""));
        };
        CHECK(contains(audit.err, "event=audit_scratch_in_memory") ==
              !memory_kind(fs::temp_directory_path()).empty());
        if (const std::string shm_kind = memory_kind("/dev/shm"); !shm_kind.empty()) {
            Run shm =
                run_custos(work, "audit --data " + (net / "node2" / "data").string() + " --scratch /dev/shm");
            CHECK_MESSAGE(shm.exit_code == 0, shm.err);
            CHECK(contains(
                shm.err, "level=warn event=audit_scratch_in_memory dir=\"/dev/shm\" filesystem=" + shm_kind));
            CHECK(contains(shm.err, "--scratch DIR"));
        }

        // An event file without --sign-event is refused before anything is sent.
        Run unsigned_file =
            run_custos(work, "submit " + register_file.string() + node(0) + key("NL-POL", "custodian"));
        CHECK(unsigned_file.exit_code == 1);
        CHECK(contains(unsigned_file.err, "add --sign-event"));
    }
    // Usage: --help on each command (exit 0), a missing argument (exit 2).
    for (std::string_view command : {"submit", "trail", "case", "status", "bundle"}) {
        Run help = run_custos(work, std::string(command) + " --help");
        CHECK(help.exit_code == 0);
        CHECK(contains(help.out, "usage: custos " + std::string(command)));
        CHECK(contains(help.out, "http://127.0.0.1:8081"));
    }
    // --version: the tool, each of its commands, and the node.
    for (std::string_view arguments :
         {"--version", "trail --version", "bundle --version", "audit --version", "event --version"}) {
        Run version = run_custos(work, std::string(arguments));
        CHECK_MESSAGE(version.exit_code == 0, arguments);
        CHECK(version.out.starts_with("custos "));
    }
    // The developers' tool: the same, and its commands' help.
    for (std::string_view arguments :
         {"--version", "localnet --version", "bench --version", "bench load --version"}) {
        Run version = run_custos_dev(work, std::string(arguments));
        CHECK_MESSAGE(version.exit_code == 0, arguments);
        CHECK(version.out.starts_with("custos-dev "));
    }
    for (std::string_view command :
         {"localnet init", "localnet run", "bench ledger", "bench api", "bench load"}) {
        Run help = run_custos_dev(work, std::string(command) + " --help");
        CHECK_MESSAGE(help.exit_code == 0, command);
        CHECK_MESSAGE(contains(help.out, "usage: custos-dev " + std::string(command)), command);
    }
    // The benchmarks and the localnet left the court verifier's tool: custos names where they went.
    for (std::string_view command : {"bench crypto", "localnet init --dir x", "localnet --help"}) {
        Run moved = run_custos(work, std::string(command));
        CHECK_MESSAGE(moved.exit_code == 2, command);
        CHECK_MESSAGE(contains(moved.err, "custos-dev " + std::string(command.substr(0, command.find(' ')))),
                      command);
        CHECK(std::count(moved.err.begin(), moved.err.end(), '\n') == 1);
    }
    Run custos_help = run_custos(work, "--help");
    CHECK(!contains(custos_help.out, "  bench "));
    CHECK(!contains(custos_help.out, "  localnet "));
    CHECK(contains(run_custos_dev(work, "--help").out, "  localnet "));
    Run node_version = run_command(work, std::string(CUSTOS_NODE_BINARY) + " --version");
    CHECK(node_version.exit_code == 0);
    CHECK(node_version.out.starts_with("custos-node "));
    // Usage errors: exit 2 and one line "error: ..." that names the option (or argument) at fault,
    // for both tools; nothing is run.
    struct Usage {
        bool dev;
        std::string_view arguments, named;
    };
    for (const Usage& usage : {
             Usage{false, "trail CLI-ITEM-1 --key x.key", "--node"},
             Usage{false, "trail a/b --node http://127.0.0.1:1 --key x.key", "ITEM"},
             Usage{false, "trail CLI-ITEM-1 --node http://127.0.0.1:1 --key x.key --bogus", "--bogus"},
             Usage{false, "trail CLI-ITEM-1 --key x.key --node", "--node"},
             Usage{false, "trail CLI-ITEM-1 --node http://127.0.0.1:1 --key x.key --page-size lots",
                   "--page-size"},
             Usage{false, "trail CLI-ITEM-1 --node http://127.0.0.1:1 --key x.key --page-size 1001",
                   "--page-size"},
             Usage{false, "trail CLI-ITEM-1 --node http://127.0.0.1:1/v1 --key x.key", "--node"},
             Usage{false, "audit --data . --threads 0", "--threads"},
             Usage{false, "verify x.json --genesis-hash 12ab", "--genesis-hash"},
             Usage{false, "follow --node http://127.0.0.1:1 --key x.key --max-events -1", "--max-events"},
             Usage{false, "find --node http://127.0.0.1:1 --key x.key --from yesterday", "--from"},
             Usage{false, "event new teleport --node http://127.0.0.1:1 --key x.key", "KIND"},
             Usage{false, "--passphrase-fd three status --node http://127.0.0.1:1 --key x.key",
                   "--passphrase-fd"},
             Usage{false, "frobnicate", "frobnicate"},
             Usage{true, "localnet init --dir x --validators many", "--validators"},
             Usage{true, "localnet init --dir x --bogus 1", "--bogus"},
             Usage{true, "localnet run", "--dir"},
             Usage{true, "bench ledger --events", "--events"},
             Usage{true, "bench verify --runs none", "--runs"},
             Usage{true, "bench tables --seconds 1 --bogus", "--bogus"},
             Usage{true, "bench load --key x.key", "--nodes"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --bogus 1", "--bogus"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --rate fast", "--rate"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --events 2.5", "--events"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --batch 1001", "--batch"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --rate 100 --max", "--max"},
             Usage{true, "bench load --nodes http://127.0.0.1:1/v1 --key x.key", "--nodes"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --pids 12,abc", "--pids"},
             Usage{true, "bench load --nodes http://127.0.0.1:1 --key x.key --passphrase-fd x",
                   "--passphrase-fd"},
         }) {
        Run run = usage.dev ? run_custos_dev(work, std::string(usage.arguments))
                            : run_custos(work, std::string(usage.arguments));
        CHECK_MESSAGE(run.exit_code == 2, usage.arguments);
        CHECK_MESSAGE(run.err.starts_with("error: "), usage.arguments, ": ", run.err);
        CHECK_MESSAGE(std::count(run.err.begin(), run.err.end(), '\n') == 1, usage.arguments, ": ", run.err);
        CHECK_MESSAGE(contains(run.err, std::string(usage.named)), usage.arguments, ": ", run.err);
        CHECK_MESSAGE(run.out.empty(), usage.arguments);
    }
    // bench api's --node says which URL is wrong and why, as bench load's --nodes does.
    for (const auto& refusal : std::vector<std::pair<std::string, std::string>>{
             {"bench api --node http://127.0.0.1:1/v1 --key x.key", "http://127.0.0.1:1/v1 has a path"},
             {"bench api --node https://127.0.0.1:1 --key x.key", "speak plain HTTP"},
             {"bench api --node http://127.0.0.1:1,http://127.0.0.1:2 --key x.key", "not a list"}}) {
        const std::string& arguments = refusal.first;
        const std::string& reason = refusal.second;
        Run run = run_custos_dev(work, arguments);
        CHECK_MESSAGE(run.exit_code == 2, arguments);
        CHECK_MESSAGE(contains(run.err, "--node"), arguments, ": ", run.err);
        CHECK_MESSAGE(contains(run.err, reason), arguments, ": ", run.err);
    }
    fs::remove_all(work);
}
