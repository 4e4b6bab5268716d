// Multi-process: the court bundle end to end. `custos-dev localnet run` plays its demo (an item
// registered by NL-POL, offered to and accepted by DE-BKA); DE-BKA then records a verify event
// whose digest does not match and whose location holds HTML. The bundle exported from each of the
// four nodes (`custos bundle`, signed by a prosecutor) verifies identically offline
// (`custos verify --json`); a changed byte is refused naming the check; and the HTML report
// renders in headless Chromium with the verdict, the item, every event, the integrity alert, and
// the bundle's HTML shown as text, never as markup. `custos verify --refresh-from` says bundle 0 is
// still complete, then, after one more event, that a later event exists. Each bundle says who
// exported it (the prosecutor, from which node, when), and its read record is the one the
// consultation log lists.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "api/http_client.hpp"
#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"

namespace {

namespace fs = std::filesystem;
using custos::crypto::Json;
using namespace custos::node_test;

constexpr std::string_view demo_item = "EXHIBIT-DEMO-0001";
constexpr std::string_view hostile_location = "<script>alert('x')</script> & <b>Lab 2</b>";

// Waits (up to 60 s) for `custos-dev localnet run` to finish its demo.
bool demo_done(const RunningLocalnet& running) {
    for (int tick = 0; tick < 600; ++tick) {
        if (contains(running.log(), "demo done")) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

std::string time_now() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    return custos::ledger::format_time(custos::ledger::TimeMs{ms});
}

// What must be the same in every node's bundle: the verdict and everything checked about the
// trail (the anchor may be a later empty block on one node than on another).
Json checked_content(const Json& report) {
    Json events = Json::array();
    for (const auto& entry : report["timeline"]) {
        events.push_back(Json{{"id", entry["id"]},
                              {"leaf_index", entry["leaf_index"]},
                              {"height", entry["height"]},
                              {"ledger_time", entry["ledger_time"]},
                              {"signer", entry["signer"]},
                              {"integrity_alert", entry["integrity_alert"]}});
    }
    Json checks = Json::array();
    for (const auto& check : report["checks"])
        checks.push_back(Json{{"check", check["check"]}, {"passed", check["passed"]}});
    return Json{{"verified", report["verified"]},
                {"item", report["item"]},
                {"case", report["case"]},
                {"custodian", report["current_custodian"]},
                {"alert", report["integrity_alert"]},
                {"genesis_hash", report["genesis_hash"]},
                {"checks", std::move(checks)},
                {"events", std::move(events)}};
}

// Records a verify event by DE-BKA (the custodian after the demo) with a wrong digest and an
// HTML-laden location, committed before this returns.
void record_hostile_verify(const fs::path& work, const fs::path& net, const std::string& node) {
    Run trail = run_custos(work, "trail " + std::string(demo_item) + " --json" + node + " --key " +
                                     (net / "keys" / "DE-BKA" / "custodian.key").string());
    REQUIRE_MESSAGE(trail.exit_code == 0, trail.err);
    auto parsed = custos::crypto::parse_json(trail.out);
    REQUIRE(parsed);
    const std::string head = (*parsed)["events"].back()["id"].get<std::string>();
    Json event{{"type", "custos.event.v1"},
               {"chain_id", "custos-localnet"},
               {"kind", "verify"},
               {"item", demo_item},
               {"case", "CASE-DEMO-2026"},
               {"agency", "DE-BKA"},
               {"time", time_now()},
               {"prev", head},
               {"location", hostile_location},
               {"digests", Json{{"sha256", std::string(64, 'f')}}}};
    std::ofstream(work / "verify.json") << event.dump();
    Run submitted =
        run_custos(work, "submit " + (work / "verify.json").string() + node + " --key " +
                             (net / "keys" / "DE-BKA" / "custodian.key").string() + " --sign-event --wait");
    REQUIRE_MESSAGE(submitted.exit_code == 0, submitted.err);
}

}  // namespace

TEST_CASE(
    "bundle: exported from each of four nodes, verified offline identically; report renders in Chromium") {
    Run chromium_path = run_command(fs::temp_directory_path(), "command -v chromium");
    REQUIRE_MESSAGE(chromium_path.exit_code == 0,
                    "chromium is missing: run make deps (scripts/install-deps.sh)");
    const std::string chromium = chromium_path.out.substr(0, chromium_path.out.find('\n'));

    fs::path work = fs::temp_directory_path() / ("custos-bundle-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    // Ports from the process id, below Linux's ephemeral range (32768..60999) so an outgoing
    // connection cannot take one first, and below the range tests/node/localnet.cpp uses.
    const auto rest_base = static_cast<std::uint16_t>(12000 + (::getpid() % 990) * 8);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 4);
    Run init = run_custos_dev(work, "localnet init --dir " + net.string() + " --rest-port-base " +
                                        std::to_string(rest_base) + " --peer-port-base " +
                                        std::to_string(peer_base));
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    auto genesis = custos::ledger::parse_genesis(read_file(net / "genesis.json"));
    REQUIRE(genesis);
    const std::string genesis_hash =
        custos::crypto::hex_encode(custos::ledger::genesis_hash(*genesis).view());
    auto node = [&](std::size_t index) {
        return " --node http://127.0.0.1:" + std::to_string(rest_base + index);
    };
    const std::string prosecutor = " --key " + (net / "keys" / "NL-POL" / "prosecutor.key").string();

    std::vector<fs::path> bundles;
    {
        RunningLocalnet running(work, net, /*demo=*/true);
        REQUIRE_MESSAGE(demo_done(running), running.log());
        // The demo's last commit was confirmed on node 0: node 1 answers with the whole trail
        // (the right head to chain the verify to) once it holds node 0's height.
        const fs::path auditor_key = net / "keys" / "NL-POL" / "auditor.key";
        REQUIRE(wait_height(rest_base, 4, auditor_key, node_height(rest_base, auditor_key)));
        record_hostile_verify(work, net, node(1));
        for (std::size_t index = 0; index < 4; ++index) {
            bundles.push_back(work / ("bundle-" + std::to_string(index) + ".json"));
            // A node that has not yet applied the last block answers with a shorter trail: retry.
            Json content;
            for (int attempt = 0; attempt < 50; ++attempt) {
                fs::remove(bundles.back());
                Run fetched = run_custos(work, "bundle " + std::string(demo_item) + node(index) + prosecutor +
                                                   " --out " + bundles.back().string());
                REQUIRE_MESSAGE(fetched.exit_code == 0, fetched.err);
                auto bundle = custos::crypto::parse_json(read_file(bundles.back()));
                REQUIRE(bundle);
                if ((*bundle)["events"].size() == 4) break;
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        // Each bundle says who exported it (FORMAT.md 11.8): its `exported` member holds the read
        // record the serving node commits to the consultation log for that very request.
        for (std::size_t index = 0; index < 4; ++index) {
            auto bundle = custos::crypto::parse_json(read_file(bundles[index]));
            REQUIRE(bundle);
            REQUIRE((*bundle).contains("exported"));
            const Json& read = (*bundle)["exported"]["read"];
            CHECK(read["event"]["read"]["action"] == "bundle");
            CHECK(read["event"]["read"]["subject"] == demo_item);
            auto canonical = custos::crypto::canonicalize(read["event"]);
            REQUIRE(canonical);
            const std::string read_id = custos::crypto::hex_encode(custos::crypto::sha256(*canonical).view());
            bool listed = false;
            for (int attempt = 0; attempt < 100 && !listed; ++attempt) {
                Run reads = run_custos(
                    work, "reads " + std::string(demo_item) + node(index) + prosecutor + " --json");
                REQUIRE_MESSAGE(reads.exit_code == 0, reads.err);
                listed = contains(reads.out, read_id);
                if (!listed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            CHECK_MESSAGE(listed, "the export's read record " << read_id << " is in the consultation log");
        }
        Run wrong_role = run_custos(work, "bundle " + std::string(demo_item) + node(0) + " --key " +
                                              (net / "keys" / "NL-POL" / "custodian.key").string() +
                                              " --out " + (work / "refused.json").string());
        CHECK(wrong_role.exit_code == 1);
        CHECK_FALSE(fs::exists(work / "refused.json"));

        // Fresh completeness (FORMAT.md 11.6): node 0's state proof from bundle 0's anchor says it
        // is still complete; after one more event on the item, that a later event exists.
        const std::string refresh = "verify " + bundles[0].string() + " --genesis-hash " + genesis_hash +
                                    " --refresh-from http://127.0.0.1:" + std::to_string(rest_base) +
                                    prosecutor;
        Run still = run_custos(work, refresh);
        CHECK_MESSAGE(still.exit_code == 0, still.err);
        CHECK(contains(still.out, "REFRESHED: still complete as of height "));
        record_hostile_verify(work, net, node(0));
        Run later = run_custos(work, refresh);
        CHECK_MESSAGE(later.exit_code == 1, later.err);
        CHECK(contains(later.out, "REFRESH: 1 later event(s) of EXHIBIT-DEMO-0001 exist (head "));
        CHECK(contains(later.out, "the bundle is not the whole trail as of height "));
    }

    // Offline from here: the network is stopped.
    std::optional<Json> first;
    for (const auto& bundle : bundles) {
        Run verified =
            run_custos(work, "verify " + bundle.string() + " --genesis-hash " + genesis_hash + " --json");
        INFO(bundle.string() << ": " << verified.err);
        CHECK(verified.exit_code == 0);
        auto report = custos::crypto::parse_json(verified.out);
        REQUIRE(report);
        Json content = checked_content(*report);
        CHECK(content["verified"] == true);
        CHECK(content["events"].size() == 4);
        CHECK(content["alert"] == true);
        CHECK(content["custodian"] == "DE-BKA");
        if (!first) first = content;
        CHECK(content == *first);
        // Exported by the NL-POL prosecutor, from the node it was asked of.
        const Json& exported = (*report)["exported"];
        CHECK(exported["officer"]["name"] == "NL-POL prosecutor (localnet)");
        CHECK(exported["officer"]["agency"] == "NL-POL");
        CHECK(exported["officer"]["roles"] == Json::array({"prosecutor"}));
        CHECK(contains((*report)["exporter"].get<std::string>(),
                       "Exported by officer NL-POL prosecutor (localnet) (NL-POL, prosecutor) key "));
    }

    // Readable output, unpinned: verified, with the loud warning.
    Run readable = run_custos(work, "verify " + bundles[0].string());
    CHECK(readable.exit_code == 0);
    CHECK(contains(readable.err, "WARNING: NO GENESIS HASH PINNED"));
    CHECK(contains(readable.out, "VERIFIED: every check holds; the trail is complete as of height "));
    CHECK(contains(readable.out, "transfer.accept"));
    CHECK(contains(readable.out, "INTEGRITY ALERT"));
    CHECK(contains(readable.out,
                   "  exported       Exported by officer NL-POL prosecutor (localnet) (NL-POL, "
                   "prosecutor) key "));
    CHECK(contains(readable.out, "(custos reads EXHIBIT-DEMO-0001 lists it)"));

    // One changed byte in an event (its location) is refused, naming the check.
    std::string text = read_file(bundles[0]);
    auto at = text.find("Evidence room");
    REQUIRE(at != std::string::npos);
    text[at] = 'e';
    std::ofstream(work / "tampered.json", std::ios::binary) << text;
    Run tampered =
        run_custos(work, "verify " + (work / "tampered.json").string() + " --genesis-hash " + genesis_hash);
    CHECK(tampered.exit_code == 1);
    CHECK(contains(tampered.err, "NOT VERIFIED: check 2 (signatures) failed"));
    Run wrong_genesis =
        run_custos(work, "verify " + bundles[0].string() + " --genesis-hash " + std::string(64, '0'));
    CHECK(wrong_genesis.exit_code == 1);
    CHECK(contains(wrong_genesis.err, "check 1 (genesis) failed"));
    Run usage = run_custos(work, "verify");
    CHECK(usage.exit_code == 2);

    // The HTML report, rendered by headless Chromium (no network: file:// and no external assets).
    const fs::path html = work / "report.html";
    Run reported = run_custos(work, "verify " + bundles[0].string() + " --genesis-hash " + genesis_hash +
                                        " --report " + html.string());
    REQUIRE_MESSAGE(reported.exit_code == 0, reported.err);
    Run dom =
        run_command(work, chromium +
                              " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                              " --disable-background-networking --disable-component-update --disable-sync"
                              " --user-data-dir=" +
                              (work / "chromium").string() + " --dump-dom file://" + html.string());
    REQUIRE_MESSAGE(dom.exit_code == 0, dom.err);
    // The headline states the integrity alert, not only that every check holds; the report says
    // when and by what it was made, and that the genesis hash was pinned.
    CHECK(contains(dom.out, "integrity alert recorded</span> on EXHIBIT-DEMO-0001 at "));
    CHECK(contains(dom.out, "Every check holds."));
    CHECK_FALSE(contains(dom.out, "VERIFIED: every check holds."));
    CHECK(contains(dom.out, "Report made 20"));
    CHECK(contains(dom.out, " by custos "));
    CHECK(contains(dom.out, "<strong>pinned</strong> by the reader"));
    CHECK(contains(dom.out, "@media print"));
    // The completeness claim, in plain words at the top, with the anchor's height and time.
    CHECK(contains(dom.out, "id=\"completeness\""));
    CHECK(contains(dom.out, ": the trail is complete as of height "));
    CHECK(contains(dom.out, "<dd id=\"item\">EXHIBIT-DEMO-0001</dd>"));
    CHECK(contains(dom.out, "INTEGRITY ALERT"));
    // Who exported it, as check 7 proved it.
    CHECK(contains(dom.out,
                   "<p id=\"exported\">Exported by officer NL-POL prosecutor (localnet) (NL-POL, "
                   "prosecutor) key "));
    CHECK(contains(dom.out, genesis_hash));
    for (const auto& event : (*first)["events"])
        CHECK(contains(dom.out, event["id"].get<std::string>()));
    // The hostile location is text: escaped in the DOM, and no element came from it.
    CHECK(contains(dom.out, "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;Lab 2&lt;/b&gt;"));
    CHECK_FALSE(contains(dom.out, "<script"));
    CHECK_FALSE(contains(dom.out, "<b>Lab 2"));

    // A failed check is worded as a failure in the report.
    const fs::path failed_html = work / "tampered.html";
    Run failed = run_custos(work, "verify " + (work / "tampered.json").string() + " --genesis-hash " +
                                      genesis_hash + " --report " + failed_html.string());
    CHECK(failed.exit_code == 1);
    const std::string failed_page = read_file(failed_html);
    CHECK(contains(failed_page, "NOT VERIFIED: check 2 (signatures) failed"));
    CHECK(contains(failed_page, "<span class=alert>FAILED</span>"));
    CHECK(contains(failed_page, "<span class=alert>Failed: check 2 (signatures) failed"));

    // The same report as PDF, printed by headless Chromium; an existing file is refused.
    const fs::path pdf = work / "report.pdf";
    Run printed = run_custos(work, "verify " + bundles[0].string() + " --genesis-hash " + genesis_hash +
                                       " --report " + pdf.string());
    REQUIRE_MESSAGE(printed.exit_code == 0, printed.err);
    const std::string pdf_bytes = read_file(pdf);
    CHECK(pdf_bytes.starts_with("%PDF-"));
    CHECK(pdf_bytes.size() > 10000);
    CHECK(contains(pdf_bytes, "%%EOF"));
    Run again = run_custos(work, "verify " + bundles[0].string() + " --report " + pdf.string());
    CHECK(again.exit_code == 1);
    CHECK(contains(again.err, "already exists"));
    fs::remove_all(work);
}
