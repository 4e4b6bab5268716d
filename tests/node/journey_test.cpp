// Multi-process: the officers' and prosecutors' daily work on a localnet, with the `custos`
// commands only (no hand-written JSON): NL-POL registers an item and offers it to DE-BKA with
// `custos event new`; DE-BKA finds the offer in its inbox (another node) and accepts it; a DE-BKA
// prosecutor records an access; a DE-BKA admin grants FR-PN a view; an examiner finds the item by
// its digest (`custos find`); the trail names who signed each event, the access's tool and the
// grant's scope and expiry; the prosecutor exports the court bundle, which says who exported it;
// and the custodian lists who read the trail (`custos reads`): the readers' keys, what each read
// (trail, bundle) and the refused read of an agency outside the case.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "cli_support.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"

namespace {

namespace fs = std::filesystem;
using namespace custos::node_test;

constexpr std::string_view content_sha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// The height in "committed: event ...\n  height H, leaf index L" (custos event new --wait).
std::uint64_t committed_height(const Run& run) {
    const std::string marker = "  height ";
    auto at = run.out.find(marker);
    REQUIRE_MESSAGE(at != std::string::npos, (run.out + run.err));
    return std::stoull(run.out.substr(at + marker.size()));
}

}  // namespace

TEST_CASE(
    "journey: register and offer with event new, accept from the inbox, a prosecutor's access, find by "
    "digest, the custodian lists who read the trail") {
    fs::path work = fs::temp_directory_path() / ("custos-journey-test-" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    const fs::path net = work / "net";
    // Ports 11800..11999, between the CLI test's range (7000..11799) and the bundle test's
    // (12000..19999), below Linux's ephemeral range.
    const auto rest_base = static_cast<std::uint16_t>(11800 + (::getpid() % 25) * 8);
    const auto peer_base = static_cast<std::uint16_t>(rest_base + 4);
    Run init = init_localnet(work, net, rest_base, peer_base);
    REQUIRE_MESSAGE(init.exit_code == 0, init.err);
    // Stopped before the work directory is removed (its nodes write there until they stop).
    std::optional<RunningLocalnet> running;
    running.emplace(work, net, /*demo=*/false);
    REQUIRE_MESSAGE(wait_healthy(rest_base, 4), read_file(work / "run.log"));
    auto node = [&](int index) { return " --node http://127.0.0.1:" + std::to_string(rest_base + index); };
    auto key = [&](std::string_view agency, std::string_view role) {
        return " --key " + (net / "keys" / agency / (std::string(role) + ".key")).string();
    };
    const fs::path auditor = net / "keys" / "NL-POL" / "auditor.key";

    // NL-POL registers and offers, typing no JSON, id or time.
    Run registered = run_custos(
        work, "event new register --item J-1 --case J-CASE --sha256 " + std::string(content_sha256) +
                  " --description phone --location Amsterdam --authority warrant:W-1 --seal S-1"
                  " --wait" +
                  node(0) + key("NL-POL", "custodian"));
    REQUIRE_MESSAGE(registered.exit_code == 0, registered.err);
    CHECK(contains(registered.out, "event: register of J-1 by NL-POL"));
    CHECK(contains(registered.out, "committed: event "));
    // Committed on node 0; the dry run below reads node 1, which may apply the block a moment later.
    REQUIRE(wait_height(rest_base, 4, auditor, committed_height(registered)));

    // --dry-run: prev and case come from the node, the event is printed and nothing submitted.
    Run dry =
        run_custos(work, "event new transfer.offer --item J-1 --to DE-BKA --authority eio:EIO-7 --dry-run" +
                             node(1) + key("NL-POL", "custodian"));
    REQUIRE_MESSAGE(dry.exit_code == 0, dry.err);
    auto printed = custos::crypto::parse_json(dry.out);
    REQUIRE(printed);
    CHECK((*printed)["chain_id"] == "custos-localnet");
    CHECK((*printed)["agency"] == "NL-POL");
    CHECK((*printed)["case"] == "J-CASE");
    CHECK((*printed)["released_by"] == "NL-POL custodian (localnet)");
    CHECK((*printed)["prev"].get<std::string>().size() == 64);
    CHECK(contains(dry.err, "dry run: not signed, not submitted"));

    // A missing required field is refused here, naming the option.
    Run incomplete = run_custos(work, "event new transfer.offer --item J-1 --authority eio:EIO-7" + node(0) +
                                          key("NL-POL", "custodian"));
    CHECK(incomplete.exit_code == 1);
    CHECK(contains(incomplete.err, "event.recipient"));
    CHECK(contains(incomplete.err, "(option --to)"));

    Run offered =
        run_custos(work, "event new transfer.offer --item J-1 --to DE-BKA --authority eio:EIO-7 --wait" +
                             node(0) + key("NL-POL", "custodian"));
    REQUIRE_MESSAGE(offered.exit_code == 0, offered.err);
    REQUIRE(wait_height(rest_base, 4, auditor, committed_height(offered)));

    // DE-BKA finds it in its inbox, on another node; NL-POL's inbox is empty.
    Run inbox = run_custos(work, "inbox" + node(2) + key("DE-BKA", "custodian"));
    REQUIRE_MESSAGE(inbox.exit_code == 0, inbox.err);
    CHECK(contains(inbox.out, "inbox of DE-BKA: 1 pending offer"));
    CHECK(contains(inbox.out, "J-1   case J-CASE, from NL-POL"));
    CHECK(contains(inbox.out, "eio EIO-7"));
    Run other_inbox = run_custos(work, "inbox" + node(2) + key("NL-POL", "admin"));
    CHECK(contains(other_inbox.out, "inbox of NL-POL: 0 pending offers"));
    Run foreign_inbox = run_custos(work, "inbox --agency DE-BKA" + node(2) + key("NL-POL", "custodian"));
    CHECK(foreign_inbox.exit_code == 1);
    CHECK(contains(foreign_inbox.err, "(HTTP 403)"));

    // The offer made DE-BKA part of the case: its cases list it, with both agencies.
    Run cases = run_custos(work, "cases" + node(1) + key("DE-BKA", "prosecutor"));
    REQUIRE_MESSAGE(cases.exit_code == 0, cases.err);
    CHECK(contains(cases.out, "J-CASE   with DE-BKA, NL-POL"));

    // DE-BKA accepts; the inbox empties.
    Run accepted = run_custos(
        work, "event new transfer.accept --item J-1 --sha256 " + std::string(content_sha256) +
                  " --seal-intact yes --location Wiesbaden --wait" + node(2) + key("DE-BKA", "custodian"));
    REQUIRE_MESSAGE(accepted.exit_code == 0, accepted.err);
    REQUIRE(wait_height(rest_base, 4, auditor, committed_height(accepted)));
    Run emptied = run_custos(work, "inbox --json" + node(3) + key("DE-BKA", "prosecutor"));
    REQUIRE_MESSAGE(emptied.exit_code == 0, emptied.err);
    auto emptied_json = custos::crypto::parse_json(emptied.out);
    REQUIRE(emptied_json);
    CHECK((*emptied_json)["offers"].empty());

    // A DE-BKA prosecutor records an access (rule R6 lets a prosecutor sign it); an admin grants.
    Run access = run_custos(work,
                            "event new access --item J-1 --action image --purpose 'forensic copy'"
                            " --tool ddrescue --result " +
                                std::string(content_sha256) + " --authority warrant:W-2 --wait" + node(3) +
                                key("DE-BKA", "prosecutor"));
    REQUIRE_MESSAGE(access.exit_code == 0, access.err);
    Run grant = run_custos(work,
                           "event new grant --item J-1 --grantee FR-PN --scope view,analyse --expires +30d"
                           " --authority mlat:MLAT-3 --wait" +
                               node(3) + key("DE-BKA", "admin"));
    REQUIRE_MESSAGE(grant.exit_code == 0, grant.err);
    // A prosecutor may not register (R6): the node's 403 is printed.
    Run refused = run_custos(work, "event new register --item J-2 --case J-CASE --sha256 " +
                                       std::string(content_sha256) +
                                       " --description x --location y"
                                       " --authority warrant:W-1" +
                                       node(3) + key("DE-BKA", "prosecutor"));
    CHECK(refused.exit_code == 1);
    CHECK(contains(refused.err, "error: Forbidden (HTTP 403)"));
    CHECK(contains(refused.err, "(rule R6)"));
    REQUIRE(wait_height(rest_base, 4, auditor, committed_height(grant)));

    // An examiner holding only the file's SHA-256 finds the item: FR-PN (granted a view) and
    // DE-BKA do; BE-POL, which takes no part in the case, finds nothing.
    Run found = run_custos(
        work, "find --sha256 " + std::string(content_sha256) + node(1) + key("FR-PN", "prosecutor"));
    REQUIRE_MESSAGE(found.exit_code == 0, found.err);
    CHECK(contains(found.out, ": 3 events you may read"));  // register, accept, the access's result
    CHECK(contains(found.out, "J-1 (case J-CASE): register by NL-POL"));
    CHECK(contains(found.out, "J-1 (case J-CASE): access by DE-BKA"));
    Run not_found =
        run_custos(work, "find --sha256 " + std::string(content_sha256) + node(1) + key("BE-POL", "auditor"));
    CHECK_MESSAGE(not_found.exit_code == 0, not_found.err);
    CHECK(contains(not_found.out, ": 3 events you may read"));  // an auditor reads every case
    Run outsider = run_custos(
        work, "find --sha256 " + std::string(content_sha256) + node(1) + key("BE-POL", "custodian"));
    CHECK_MESSAGE(outsider.exit_code == 0, outsider.err);
    CHECK(contains(outsider.out, ": 0 events you may read"));

    // What NL-POL's custodian key signed (its public key file): the registration and the offer,
    // to a reader of the case on another node; nothing to an agency outside it.
    const std::string nl_custodian_pub = (net / "keys" / "NL-POL" / "custodian.key.pub").string();
    Run by_officer =
        run_custos(work, "find --officer " + nl_custodian_pub + node(2) + key("DE-BKA", "prosecutor"));
    REQUIRE_MESSAGE(by_officer.exit_code == 0, by_officer.err);
    CHECK(contains(by_officer.out, ": 2 events you may read"));
    CHECK(contains(by_officer.out, "J-1 (case J-CASE): register by NL-POL"));
    CHECK(contains(by_officer.out, "J-1 (case J-CASE): transfer.offer by NL-POL"));
    Run officer_outsider =
        run_custos(work, "find --officer " + nl_custodian_pub + node(2) + key("BE-POL", "custodian"));
    CHECK(contains(officer_outsider.out, ": 0 events you may read"));
    // By ledger time, in a human form: every event of the case since 2020, none before.
    Run since =
        run_custos(work, "find --from 2020-01-01 --case J-CASE" + node(1) + key("FR-PN", "prosecutor"));
    REQUIRE_MESSAGE(since.exit_code == 0, since.err);
    CHECK(contains(since.out, ": 5 events you may read"));
    Run before =
        run_custos(work, "find --to 2020-01-01T00:00Z --case J-CASE" + node(1) + key("FR-PN", "prosecutor"));
    REQUIRE_MESSAGE(before.exit_code == 0, before.err);
    CHECK(contains(before.out, ": 0 events you may read"));
    Run bad_time = run_custos(work, "find --from 01/02/2026" + node(1) + key("FR-PN", "prosecutor"));
    CHECK(bad_time.exit_code == 2);
    CHECK(contains(bad_time.err, "--from"));

    // Real-time sharing: FR-PN follows the case from its first block and gets its five events in
    // commit order, one JSON line each; BE-POL, which takes no part in it, gets none of them.
    Run followed = run_custos(work, "follow --from-height 1 --case J-CASE --max-events 5 --json" + node(2) +
                                        key("FR-PN", "prosecutor"));
    REQUIRE_MESSAGE(followed.exit_code == 0, followed.err);
    std::vector<std::string> kinds;
    std::uint64_t previous_leaf = 0;
    for (std::size_t start = 0, end; (end = followed.out.find('\n', start)) != std::string::npos;
         start = end + 1) {
        auto line = custos::crypto::parse_json(followed.out.substr(start, end - start));
        REQUIRE(line);
        const std::uint64_t leaf = (*line)["leaf_index"].get<std::uint64_t>();
        CHECK((kinds.empty() || leaf > previous_leaf));
        previous_leaf = leaf;
        kinds.push_back((*line)["envelope"]["event"]["kind"].get<std::string>());
    }
    CHECK(kinds ==
          std::vector<std::string>{"register", "transfer.offer", "transfer.accept", "access", "grant"});
    Run outsider_follow =
        run_command(work, "timeout 4 " + custos_binary().string() + " follow --from-height 1" + node(2) +
                              key("BE-POL", "custodian"));
    CHECK(outsider_follow.exit_code == 124);  // still waiting when stopped
    CHECK(outsider_follow.out.empty());

    // The trail names each event's officer, the access's action, tool and results, the grant's
    // scope and expiry.
    Run trail = run_custos(work, "trail J-1" + node(1) + key("DE-BKA", "custodian"));
    REQUIRE_MESSAGE(trail.exit_code == 0, trail.err);
    CHECK(contains(trail.out, "custodian: DE-BKA"));
    CHECK(contains(trail.out, "5 events:"));
    CHECK(contains(trail.out, "by NL-POL custodian (localnet) (custodian)"));
    CHECK(contains(trail.out, "by DE-BKA custodian (localnet) (custodian)"));
    CHECK(contains(trail.out, "by DE-BKA prosecutor (localnet) (prosecutor)"));
    CHECK(contains(trail.out, "by DE-BKA admin (localnet) (admin)"));
    CHECK(contains(trail.out, "image for forensic copy; tool ddrescue; results sha256 ba7816bf8f01cfea..."));
    CHECK(contains(trail.out, "grantee FR-PN; scope view,analyse; expires "));
    // Read two events a page, the trail is the same.
    Run paged = run_custos(work, "trail J-1 --page-size 2" + node(1) + key("DE-BKA", "custodian"));
    REQUIRE_MESSAGE(paged.exit_code == 0, paged.err);
    CHECK(paged.out == trail.out);

    // The prosecutor exports the court bundle; it says who exported it (FORMAT.md 11.8).
    const fs::path bundle = work / "J-1.bundle.json";
    Run exported =
        run_custos(work, "bundle J-1 --out " + bundle.string() + node(2) + key("DE-BKA", "prosecutor"));
    REQUIRE_MESSAGE(exported.exit_code == 0, exported.err);
    Run verified = run_custos(work, "verify " + bundle.string());
    CHECK_MESSAGE(verified.exit_code == 0, verified.err);
    CHECK(
        contains(verified.out, "Exported by officer DE-BKA prosecutor (localnet) (DE-BKA, prosecutor) key "));
    // An agency outside the case is refused the trail; the refusal is logged too.
    Run snooping = run_custos(work, "trail J-1" + node(1) + key("BE-POL", "custodian"));
    CHECK(snooping.exit_code == 1);

    // The custodian lists who read the trail: each read names the reader's key and what it read.
    auto public_key = [&](std::string_view agency, std::string_view role) {
        auto document =
            custos::crypto::parse_json(read_file(net / "keys" / agency / (std::string(role) + ".key.pub")));
        REQUIRE(document);
        return (*document)["public_key"].get<std::string>();
    };
    const std::string de_custodian = public_key("DE-BKA", "custodian");
    const std::string de_prosecutor = public_key("DE-BKA", "prosecutor");
    const std::string be_custodian = public_key("BE-POL", "custodian");
    auto has_read = [](const custos::crypto::Json& reads, std::string_view action, const std::string& officer,
                       std::string_view outcome) {
        for (const auto& read : reads)
            if (read["action"] == action && read["officer"]["key"] == officer && read["outcome"] == outcome)
                return true;
        return false;
    };
    custos::crypto::Json reads;
    for (int attempt = 0; attempt < 100; ++attempt) {  // Each read is committed about a block later.
        Run listed = run_custos(work, "reads J-1 --json" + node(0) + key("DE-BKA", "custodian"));
        REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
        auto json = custos::crypto::parse_json(listed.out);
        REQUIRE(json);
        reads = (*json)["reads"];
        if (has_read(reads, "bundle", de_prosecutor, "served") &&
            has_read(reads, "trail", be_custodian, "refused"))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(has_read(reads, "trail", de_custodian, "served"));    // the trail above, both times
    CHECK(has_read(reads, "bundle", de_prosecutor, "served"));  // the export
    CHECK(has_read(reads, "trail", be_custodian, "refused"));   // the 403, logged as refused
    // The prosecutor's access: `event new` read the item's head from its trail first.
    CHECK(has_read(reads, "trail", de_prosecutor, "served"));
    CHECK_FALSE(has_read(reads, "trail", be_custodian, "served"));   // BE-POL was only refused
    CHECK_FALSE(has_read(reads, "bundle", de_custodian, "served"));  // no export by the custodian
    for (const auto& read : reads) {
        CHECK(read["officer"]["key"].get<std::string>().size() == 64);
        CHECK(read["node"].get<std::string>().find("validator") != std::string::npos);
    }
    // The bundle's own read record is the one the log holds.
    auto bundle_json = custos::crypto::parse_json(read_file(bundle));
    REQUIRE(bundle_json);
    auto canonical = custos::crypto::canonicalize((*bundle_json)["exported"]["read"]["event"]);
    REQUIRE(canonical);
    const std::string export_id = custos::crypto::hex_encode(custos::crypto::sha256(*canonical).view());
    bool export_listed = false;
    for (const auto& read : reads)
        export_listed = export_listed || read["id"] == export_id;
    CHECK(export_listed);
    // The readable list: who, what, when, from which node.
    Run listed = run_custos(work, "reads J-1" + node(0) + key("DE-BKA", "custodian"));
    REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
    CHECK(contains(listed.out,
                   "bundle served (HTTP 200)  by DE-BKA prosecutor (localnet), prosecutor of DE-BKA"));
    CHECK(contains(listed.out,
                   "trail refused (HTTP 403)  by BE-POL custodian (localnet), custodian of BE-POL"));
    CHECK(
        contains(listed.out, "trail served (HTTP 200)  by DE-BKA custodian (localnet), custodian of DE-BKA"));
    // Reads of the trail are for the case's readers: BE-POL's custodian is refused.
    Run outsider_reads = run_custos(work, "reads J-1" + node(0) + key("BE-POL", "custodian"));
    CHECK(outsider_reads.exit_code == 1);
    running.reset();
    fs::remove_all(work);
}
