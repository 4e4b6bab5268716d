// The court bundle: a genuine bundle made from a RocksDB store verifies; every kind of change to
// it (event body, signature, key, proof hash, leaf index, tree size, checkpoint line, certificate
// line, genesis; dropping, swapping, duplicating events) is refused by the check named for it.
#include <doctest/doctest.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/bundle/bundle.hpp"
#include "tests/ledger/bundle_cases.hpp"
#include "tests/ledger/bundle_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;
using ledger::BundleCheck;
using ledger::BundleReport;

// One store for the whole file: building it is the slow part, and no test changes it.
BundleWorld& shared_world() {
    static BundleWorld world;
    return world;
}

const Json& genuine() {
    static const Json bundle = shared_world().bundle();
    return bundle;
}

Hash32 genuine_genesis_hash() {
    return ledger::genesis_hash(shared_world().world.genesis);
}

BundleReport verify(const Json& bundle, bool pinned = true) {
    ledger::VerifyOptions options;
    if (pinned) options.pinned_genesis_hash = genuine_genesis_hash();
    auto report = ledger::verify_bundle(bundle, options);
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    record_bundle_case(bundle, options.pinned_genesis_hash, *report);
    return *report;
}

// Verifies a changed copy of the genuine bundle and returns the name of the check that failed.
std::string failed_check(const std::function<void(Json&)>& change, bool pinned = true) {
    Json bundle = genuine();
    change(bundle);
    REQUIRE(bundle != genuine());
    BundleReport report = verify(bundle, pinned);
    if (!report.failure) return "none (verified)";
    INFO(report.failure->message());
    return std::string(ledger::bundle_check_name(report.failure->check));
}

// Changes one character of a string, keeping it the same length (a single-byte change).
void flip_char(Json& value, std::size_t position) {
    std::string text = value.get<std::string>();
    REQUIRE(position < text.size());
    char& c = text[position];
    c = (c == 'a') ? 'b' : (c == '0' ? '1' : (c == 'A' ? 'B' : 'a'));
    value = text;
}

// Flips one bit of the bytes a base64 string encodes, keeping the encoding canonical.
void flip_base64_byte(Json& value, std::size_t byte) {
    auto bytes = crypto::base64_decode(value.get<std::string>());
    REQUIRE(bytes.has_value());
    REQUIRE(byte < bytes->size());
    (*bytes)[byte] ^= 0x01;
    value = crypto::base64_encode(*bytes);
}

std::size_t find_event(const Json& bundle, std::string_view kind) {
    for (std::size_t i = 0; i < bundle["events"].size(); ++i)
        if (bundle["events"][i]["envelope"]["event"]["kind"] == kind) return i;
    FAIL("no " << kind << " event in the bundle");
    return 0;
}

// Two genuine bundles of unrelated items (ITEM-1's family and ITEM-2, another case) merged into
// one, every list kept sorted: each event and proof is genuine, but `items` is not one family.
Json merged_bundle() {
    Json bundle = genuine();
    const Json other = shared_world().bundle("ITEM-2");
    auto merge_sorted = [](Json& into, const Json& from, const char* key) {
        std::map<std::string, Json> sorted;
        for (const Json* list : {static_cast<const Json*>(&into), &from})
            for (const Json& entry : *list)
                sorted.emplace(entry[key].is_number()
                                   ? std::to_string(100000000 + entry[key].get<std::uint64_t>())
                                   : entry[key].get<std::string>(),
                               entry);
        into = Json::array();
        for (auto& [k, entry] : sorted)
            into.push_back(entry);
    };
    merge_sorted(bundle["events"], other["events"], "leaf_index");
    merge_sorted(bundle["checkpoints"], other["checkpoints"], "height");
    merge_sorted(bundle["state"]["items"], other["state"]["items"], "item");
    merge_sorted(bundle["state"]["officers"], other["state"]["officers"], "key");
    bundle["items"] = Json::array({"ITEM-1", "ITEM-1.image", "ITEM-2"});
    return bundle;
}

}  // namespace

TEST_CASE("bundle: two genuine bundles of unrelated items merged into one fail check chain") {
    const Json merged = merged_bundle();
    const BundleReport report = verify(merged);
    REQUIRE(report.failure);
    INFO(report.failure->message());
    CHECK(report.failure->check == BundleCheck::chain);
    CHECK(report.failure->reason.find("one derivation family") != std::string::npos);
    CHECK(python_verdict(merged, genuine_genesis_hash()) == "chain");
}

TEST_CASE("bundle: a genuine bundle verifies, with every check run and the trail as committed") {
    const Json& bundle = genuine();
    CHECK(bundle["type"] == "custos.bundle.v3");
    CHECK(bundle["items"] == Json::array({"ITEM-1", "ITEM-1.image"}));
    CHECK(bundle["governance"].size() == 3);  // officer.add, two officer.revoke
    // ITEM-1: register, offer, accept, access, derive, offer, accept; ITEM-1.image: verify.
    CHECK(bundle["events"].size() == 8);
    BundleReport report = verify(bundle);
    INFO((report.failure ? report.failure->message() : std::string()));
    REQUIRE(report.ok());
    for (const auto& check : report.checks) {
        CHECK(check.ran);
        CHECK(check.passed);
    }
    CHECK(report.genesis_pinned);
    CHECK(report.item == "ITEM-1");
    CHECK(report.case_id == "CASE-1");
    CHECK(report.current_custodian == "NL-POL");
    CHECK(report.related_items == std::vector<std::string>{"ITEM-1.image"});
    CHECK(report.checkpoint_height == shared_world().store().height().value);
    REQUIRE(report.timeline.size() == 11);  // 8 events and 3 governance records, in log order
    for (std::size_t i = 1; i < report.timeline.size(); ++i)
        CHECK(report.timeline[i - 1].leaf_index < report.timeline[i].leaf_index);
    CHECK(report.timeline.back().governance);
    CHECK(report.timeline.back().envelope.event.kind == ledger::EventKind::officer_revoke);
    const auto& last = report.timeline[report.timeline.size() - 3];
    CHECK(last.envelope.event.kind == ledger::EventKind::transfer_accept);
    CHECK(last.signer_name == "Officer P. Bakker");  // the key governance added
    CHECK(last.digest_check == "SHA-256 matches the reference");
    CHECK(report.timeline[0].ledger_time == at("2026-02-01T10:00:01.000Z"));
}

TEST_CASE("bundle: the same bundle without a pinned genesis hash verifies but says it is not pinned") {
    BundleReport report = verify(genuine(), false);
    CHECK(report.ok());
    CHECK_FALSE(report.genesis_pinned);
    CHECK(report.checks[1].summary.find("NOT PINNED") != std::string::npos);
}

TEST_CASE("bundle: a pinned genesis hash that differs fails check genesis") {
    ledger::VerifyOptions options{.pinned_genesis_hash = crypto::sha256(std::string_view("another chain"))};
    auto report = ledger::verify_bundle(genuine(), options);
    REQUIRE(report.has_value());
    REQUIRE(report->failure);
    CHECK(report->failure->check == BundleCheck::genesis);
}

TEST_CASE("bundle: make_bundle of an unknown item is not_found") {
    auto made = ledger::make_bundle(shared_world().store(), "NO-SUCH-ITEM");
    REQUIRE_FALSE(made.has_value());
    CHECK(made.error().code == ErrorCode::not_found);
}

TEST_CASE("bundle: the bundle of a derived item holds the whole derivation family and verifies") {
    Json bundle = shared_world().bundle("ITEM-1.image");
    CHECK(bundle["items"] == Json::array({"ITEM-1", "ITEM-1.image"}));
    BundleReport report = verify(bundle);
    CHECK(report.ok());
    CHECK(report.item == "ITEM-1.image");
    CHECK(report.current_custodian == "DE-BKA");
}

TEST_CASE("bundle tamper: event bodies, signatures and keys fail check signatures") {
    const std::size_t accept = find_event(genuine(), "transfer.accept");
    CHECK(failed_check([&](Json& b) {
              flip_char(b["events"][accept]["envelope"]["event"]["location"], 3);
          }) == "signatures");
    CHECK(failed_check([&](Json& b) { b["events"][accept]["envelope"]["event"]["seal_intact"] = false; }) ==
          "signatures");
    CHECK(failed_check([&](Json& b) { b["events"][0]["envelope"]["event"]["kind"] = "transfer.offer"; }) ==
          "signatures");  // R1: the fields no longer fit the kind
    CHECK(failed_check([&](Json& b) { b["events"][0]["envelope"]["event"]["colour"] = "red"; }) ==
          "signatures");
    CHECK(failed_check([&](Json& b) { flip_base64_byte(b["events"][2]["envelope"]["sig"], 10); }) ==
          "signatures");
    CHECK(failed_check([&](Json& b) { flip_char(b["events"][2]["envelope"]["sig"], 20); }) == "signatures");
    CHECK(failed_check([&](Json& b) { b["events"][2]["envelope"].erase("sig"); }) == "signatures");
    CHECK(failed_check([&](Json& b) { flip_char(b["events"][2]["envelope"]["signer"], 5); }) == "signatures");
    // Another officer's key in place of the signer's: the signature is not theirs.
    CHECK(failed_check([&](Json& b) {
              b["events"][2]["envelope"]["signer"] = b["events"][0]["envelope"]["signer"];
          }) == "signatures");
    CHECK(failed_check([&](Json& b) { flip_char(b["governance"][0]["envelope"]["event"]["name"], 2); }) ==
          "signatures");
}

TEST_CASE("bundle tamper: proof hashes, leaf indexes, sizes, headers and heights fail check proofs") {
    CHECK(failed_check([](Json& b) { flip_char(b["events"][1]["inclusion_proof"][0], 7); }) == "proofs");
    CHECK(failed_check([](Json& b) { b["events"][1]["inclusion_proof"].erase(0); }) == "proofs");
    CHECK(failed_check([](Json& b) { b["events"][1]["inclusion_proof"].push_back(std::string(64, 'a')); }) ==
          "proofs");
    CHECK(failed_check([](Json& b) { flip_char(b["checkpoints"][0]["consistency_proof"][0], 0); }) ==
          "proofs");
    CHECK(failed_check([](Json& b) {
              b["events"][1]["leaf_index"] = b["events"][1]["leaf_index"].get<std::uint64_t>() + 1;
          }) == "proofs");
    CHECK(failed_check([](Json& b) {
              auto& size = b["checkpoints"][1]["header"]["log_size"];
              size = size.get<std::uint64_t>() + 1;
          }) == "proofs");
    CHECK(failed_check([](Json& b) {
              auto& size = b["checkpoints"][2]["previous_header"]["log_size"];
              size = size.get<std::uint64_t>() - 1;
          }) == "proofs");
    CHECK(failed_check([](Json& b) { flip_char(b["checkpoints"][1]["header"]["log_root"], 10); }) ==
          "proofs");
    CHECK(failed_check([](Json& b) { b["checkpoints"][1]["header"]["time"] = "2026-02-02T08:00:02.000Z"; }) ==
          "proofs");
    // A record moved to a later block (a later ledger time): its leaf is not in that block.
    CHECK(failed_check([](Json& b) { b["events"][0]["height"] = b["events"][1]["height"]; }) == "proofs");
}

TEST_CASE("bundle tamper: checkpoint and certificate lines fail check proofs") {
    auto edit_note = [](const std::function<std::string(std::string)>& edit) {
        return [edit](Json& b) {
            auto& note = b["checkpoints"][0]["certificate"];
            note = edit(note.get<std::string>());
        };
    };
    // Checkpoint body lines: log size, root, time (each a single byte).
    CHECK(failed_check(edit_note([](std::string note) {
              note[note.find('\n') + 1] = '7';
              return note;
          })) == "proofs");
    CHECK(failed_check(edit_note([](std::string note) {
              auto at = note.find("time 2026") + 5;
              note[at] = '3';
              return note;
          })) == "proofs");
    CHECK(failed_check(edit_note([](std::string note) {
              auto at = note.find("block ") + 8;
              note[at] = note[at] == 'a' ? 'b' : 'a';
              return note;
          })) == "proofs");
    // Certificate lines: one byte of a signature, one line dropped (2 of 4 is not > 2/3), a
    // forged line under the fourth validator's name, a validator's line twice.
    CHECK(failed_check(edit_note([](std::string note) {
              note[note.size() - 20] = note[note.size() - 20] == 'A' ? 'B' : 'A';
              return note;
          })) == "proofs");
    CHECK(failed_check(edit_note([](std::string note) {
              auto last = note.rfind("\xE2\x80\x94 ");
              return note.substr(0, last);
          })) == "proofs");
    const auto& world = shared_world();
    CHECK(failed_check(edit_note([&](std::string note) {
              const auto& validator = world.world.genesis.validators.validators[3];
              auto hash = crypto::note_key_hash(validator.name, validator.key);
              Bytes forged(hash.begin(), hash.end());
              forged.resize(4 + 64, 0x42);
              return note + "\xE2\x80\x94 " + validator.name + " " + crypto::base64_encode(forged) + "\n";
          })) == "proofs");
    CHECK(failed_check(edit_note([](std::string note) {
              auto last = note.rfind("\xE2\x80\x94 ");
              return note + note.substr(last);
          })) == "proofs");
    // A certificate of another block (the next one) in place of this one.
    CHECK(failed_check([](Json& b) {
              b["checkpoints"][0]["certificate"] = b["checkpoints"][1]["certificate"];
          }) == "proofs");
}

TEST_CASE("bundle tamper: a replaced genesis fails check genesis when pinned, and proofs when not") {
    auto other_validators = [](Json& b) {
        // The same document with the fourth validator's key swapped for an officer's key.
        b["genesis"]["validators"][3]["key"] = b["genesis"]["officers"][0]["key"];
    };
    CHECK(failed_check(other_validators, true) == "genesis");
    CHECK(failed_check(other_validators, false) == "proofs");
    CHECK(failed_check([](Json& b) { flip_char(b["genesis"]["agencies"][0]["name"], 1); }, true) ==
          "genesis");
    CHECK(failed_check([](Json& b) { flip_char(b["genesis"]["agencies"][0]["name"], 1); }, false) ==
          "none (verified)");  // documented: without a pinned hash, a harmless edit of the genesis is
                               // undetectable
    CHECK(failed_check([](Json& b) { b["genesis"]["chain_id"] = "custos-forged"; }, false) == "signatures");
    CHECK(failed_check([](Json& b) { b["genesis"].erase("params"); }, false) == "genesis");
}

TEST_CASE("bundle tamper: dropped, swapped and duplicated events fail check chain") {
    const std::size_t derive = find_event(genuine(), "derive");
    CHECK(failed_check([](Json& b) { b["events"].erase(0); }) == "chain");  // no register
    CHECK(failed_check([](Json& b) { b["events"].erase(2); }) == "chain");  // a gap
    CHECK(failed_check([&](Json& b) { b["events"].erase(derive); }) ==
          "chain");  // ITEM-1.image has no origin
    CHECK(failed_check([](Json& b) { std::swap(b["events"][1], b["events"][2]); }) == "chain");
    CHECK(failed_check([](Json& b) { b["events"].insert(b["events"].begin() + 2, b["events"][2]); }) ==
          "chain");
    CHECK(failed_check([](Json& b) { b["events"].push_back(b["governance"][0]); }) == "chain");
    CHECK(failed_check([](Json& b) {
              b["items"] = Json::array({"ITEM-1"});
              b["state"]["items"].erase(1);
          }) == "chain");
    CHECK(failed_check([](Json& b) { b["governance"] = Json::array(); }) ==
          "signatures");  // unknown officer key
}

TEST_CASE("bundle tamper: malformed bundles fail check format") {
    CHECK(failed_check([](Json& b) { b["type"] = "custos.bundle.v1"; }) == "format");
    CHECK(failed_check([](Json& b) { b.erase("state"); }) == "format");
    CHECK(failed_check([](Json& b) { b["state"]["items"].erase(0); }) == "format");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"]["siblings"][0] = "XYZ"; }) == "format");
    CHECK(failed_check([](Json& b) { b["extra"] = 1; }) == "format");
    CHECK(failed_check([](Json& b) { b.erase("checkpoints"); }) == "format");
    CHECK(failed_check([](Json& b) { b["checkpoints"] = Json::array(); }) == "format");
    CHECK(failed_check([](Json& b) { b["checkpoints"].erase(0); }) == "format");  // a record's height lost
    CHECK(failed_check([](Json& b) { b["events"][0]["inclusion_proof"][0] = "XYZ"; }) == "format");
    CHECK(failed_check([](Json& b) { b["items"] = Json::array({"ITEM-1.image", "ITEM-1"}); }) == "format");
    auto report = ledger::verify_bundle_text("{\"type\": \"custos.bundle.v1\", \"type\": 1}", {});
    REQUIRE(report.has_value());
    REQUIRE(report->failure);
    CHECK(report->failure->check == BundleCheck::format);
}

TEST_CASE("bundle completeness: a genuine bundle is shown complete as of its anchor") {
    const BundleReport report = verify(genuine());
    REQUIRE(report.ok());
    CHECK(report.complete);
    CHECK(report.checks[6].passed);
    CHECK(report.completeness_claim() ==
          "the trail is complete as of height 10, ledger time 2026-02-09T08:00:01.000Z");
    // The derived item's bundle holds the same family and is complete too.
    const BundleReport derived = verify(shared_world().bundle("ITEM-1.image"));
    CHECK(derived.complete);
}

TEST_CASE("bundle completeness: a trail cut short, a revocation left out, a forged map proof fail check 6") {
    // Every event left is genuine and chained: only the certified state shows what is missing.
    CHECK(failed_check([](Json& b) { b["events"].erase(b["events"].size() - 1); }) == "completeness");
    // The revocation of the key that signed the last accept (and, separately, another key's).
    CHECK(failed_check([](Json& b) { b["governance"].erase(2); }) == "completeness");
    CHECK(failed_check([](Json& b) { b["governance"].erase(1); }) == "completeness");
    // Forged or mismatched state entries.
    CHECK(failed_check([](Json& b) { flip_char(b["state"]["items"][0]["proof"]["siblings"][0], 3); }) ==
          "completeness");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["value"]["event_count"] = 6; }) ==
          "completeness");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"]["leaf"] = nullptr; }) == "completeness");
    CHECK(failed_check([](Json& b) { b["state"]["officers"].erase(0); }) == "completeness");
    CHECK(failed_check([](Json& b) { b["state"]["governance"]["value"]["count"] = 2; }) == "completeness");
    CHECK(failed_check([](Json& b) { b["state"]["officers"][0]["value"]["name"] = "Someone Else"; }) ==
          "completeness");
    // A state_root changed in the anchor's header no longer matches its certificate: check 3.
    CHECK(failed_check([](Json& b) { flip_char(b["checkpoints"].back()["header"]["state_root"], 0); }) ==
          "proofs");
}

// The map proofs of the bundle's state (items, officers, governance), for changes that need a
// proof of some shape.
std::vector<Json*> state_proofs(Json& bundle) {
    std::vector<Json*> proofs;
    for (auto& entry : bundle["state"]["items"])
        proofs.push_back(&entry["proof"]);
    for (auto& entry : bundle["state"]["officers"])
        proofs.push_back(&entry["proof"]);
    proofs.push_back(&bundle["state"]["governance"]["proof"]);
    return proofs;
}

bool empty_flag(const Json& proof, std::size_t depth) {
    const auto bitmap = crypto::hex_decode(proof["empty"].get<std::string>());
    REQUIRE(bitmap.has_value());
    return (((*bitmap)[depth / 8] >> (7 - depth % 8)) & 1) != 0;
}

void set_empty_flag(Json& proof, std::size_t depth, bool on) {
    auto bitmap = crypto::hex_decode(proof["empty"].get<std::string>());
    REQUIRE(bitmap.has_value());
    REQUIRE(depth / 8 < bitmap->size());
    const auto mask = static_cast<std::uint8_t>(0x80 >> (depth % 8));
    (*bitmap)[depth / 8] = on ? ((*bitmap)[depth / 8] | mask) : ((*bitmap)[depth / 8] & ~mask);
    proof["empty"] = crypto::hex_encode(*bitmap);
}

// The first proof of the bundle's state with a depth flagged empty; that depth.
std::pair<Json*, std::size_t> proof_with_empty_sibling(Json& bundle) {
    for (Json* proof : state_proofs(bundle)) {
        for (std::size_t depth = 0; depth < (*proof)["depth"].get<std::size_t>(); ++depth)
            if (empty_flag(*proof, depth)) return {proof, depth};
    }
    FAIL("no map proof of the bundle has an empty sibling");
    return {nullptr, 0};
}

TEST_CASE(
    "bundle completeness: a map proof in any but its one form fails check 6, naming the proof's check") {
    // Each change keeps the JSON well-formed (check 0 passes) and breaks one rule of FORMAT.md 3.5;
    // custos verify and the Python verifier both refuse it under completeness, each naming the rule.
    const std::vector<std::pair<std::string, std::function<void(Json&)>>> changes = {
        {"root", [](Json& b) { flip_char(b["state"]["items"][0]["proof"]["siblings"][0], 3); }},
        {"count",  // a bitmap bit flipped: a listed depth flagged empty, its hash still listed
         [](Json& b) {
             Json& proof = b["state"]["items"][0]["proof"];
             std::size_t depth = 0;
             while (empty_flag(proof, depth))
                 ++depth;
             set_empty_flag(proof, depth, true);
         }},
        {"count",  // one sibling too many
         [](Json& b) {
             Json& siblings = b["state"]["items"][0]["proof"]["siblings"];
             siblings.push_back(siblings[0]);
         }},
        {"count", [](Json& b) { b["state"]["items"][0]["proof"]["siblings"].erase(0); }},  // one too few
        {"padding",
         [](Json& b) {
             for (Json* proof : state_proofs(b)) {
                 const auto depth = (*proof)["depth"].get<std::size_t>();
                 if (depth % 8 == 0) continue;
                 set_empty_flag(*proof, depth, true);
                 return;
             }
             FAIL("no map proof of the bundle has a depth that is not a multiple of 8");
         }},
        {"zero",  // an empty sibling listed as 32 zero bytes instead of flagged
         [](Json& b) {
             auto [proof, depth] = proof_with_empty_sibling(b);
             set_empty_flag(*proof, depth, false);
             // Listed deepest first: after the listed siblings of the depths below it.
             std::size_t place = 0;
             for (std::size_t d = depth + 1; d < (*proof)["depth"].get<std::size_t>(); ++d)
                 place += empty_flag(*proof, d) ? 0 : 1;
             Json& siblings = (*proof)["siblings"];
             siblings.insert(siblings.begin() + static_cast<std::ptrdiff_t>(place), std::string(64, '0'));
         }},
        {"bitmap",
         [](Json& b) {
             Json& empty = b["state"]["items"][0]["proof"]["empty"];
             empty = empty.get<std::string>() + "00";
         }},
    };
    for (const auto& [rule_entry, change] : changes) {
        const auto& rule = rule_entry;  // clang 14 cannot capture a structured binding
        CAPTURE(rule);
        Json bundle = genuine();
        change(bundle);
        const BundleReport report = verify(bundle);
        REQUIRE(report.failure);
        CHECK(ledger::bundle_check_name(report.failure->check) == "completeness");
        CHECK_MESSAGE(report.failure->reason.find("map proof (" + rule + ")") != std::string::npos,
                      report.failure->reason);
        std::string python_reason;
        CHECK(python_verdict(bundle, genuine_genesis_hash(), &python_reason) == "completeness");
        CHECK_MESSAGE(python_reason.find("map proof (" + rule + ")") != std::string::npos, python_reason);
    }
    // A depth over 256 or a bitmap that is not hex is malformed JSON for a proof: check 0.
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"]["depth"] = 257; }) == "format");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"]["empty"] = "0g"; }) == "format");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"]["empty"] = std::string(66, '0'); }) ==
          "format");
    CHECK(failed_check([](Json& b) { b["state"]["items"][0]["proof"].erase("depth"); }) == "format");
}

TEST_CASE("bundle completeness: a bundle that drops the last event says which count differs") {
    Json bundle = genuine();
    bundle["events"].erase(bundle["events"].size() - 1);
    const BundleReport report = verify(bundle);
    REQUIRE(report.failure);
    CHECK_FALSE(report.complete);
    CHECK(report.failure->reason == "item ITEM-1 has 7 events at height 10, the bundle holds 6");
}

TEST_CASE("bundle: the report as JSON names the verdict, the failure and the fingerprints") {
    Json bundle = genuine();
    bundle["events"].erase(2);
    auto text = bundle.dump();
    auto report = ledger::verify_bundle_text(text, {});
    REQUIRE(report.has_value());
    Json json = ledger::bundle_report_to_json(*report);
    CHECK(json["verified"] == false);
    CHECK(json["failure"]["check"] == "chain");
    CHECK(json["bundle_sha256"] == crypto::hex_encode(crypto::sha256(std::string_view(text)).view()));
    CHECK(json["genesis_hash"] == crypto::hex_encode(genuine_genesis_hash().view()));
    CHECK(json["checks"].size() == ledger::bundle_check_count);
}

TEST_CASE("bundle: an independent Python verifier written from FORMAT.md agrees with custos verify") {
    const Hash32 pinned = genuine_genesis_hash();
    CHECK(python_verdict(genuine(), pinned) == "OK");
    CHECK(python_verdict(genuine(), crypto::sha256(std::string_view("another"))) == "genesis");
    const std::vector<std::pair<std::string, std::function<void(Json&)>>> changes = {
        {"signatures", [](Json& b) { flip_char(b["events"][0]["envelope"]["event"]["location"], 2); }},
        {"signatures", [](Json& b) { b["governance"] = Json::array(); }},
        {"proofs", [](Json& b) { flip_char(b["events"][3]["inclusion_proof"][0], 5); }},
        {"proofs", [](Json& b) { flip_char(b["checkpoints"][0]["consistency_proof"][0], 5); }},
        {"proofs",
         [](Json& b) {
             auto& note = b["checkpoints"][1]["certificate"];
             std::string text = note.get<std::string>();
             note = text.substr(0, text.rfind("\xE2\x80\x94 "));
         }},
        {"chain", [](Json& b) { b["events"].erase(3); }},
        {"chain", [](Json& b) { std::swap(b["events"][2], b["events"][3]); }},
        {"completeness", [](Json& b) { b["events"].erase(b["events"].size() - 1); }},
        {"completeness", [](Json& b) { b["governance"].erase(2); }},
        {"completeness", [](Json& b) { b["governance"].erase(1); }},
        {"completeness", [](Json& b) { flip_char(b["state"]["items"][0]["proof"]["siblings"][0], 3); }},
        {"completeness", [](Json& b) { b["state"]["governance"]["value"]["count"] = 2; }},
    };
    for (const auto& [expected, change] : changes) {
        Json bundle = genuine();
        change(bundle);
        CHECK(python_verdict(bundle, pinned) == expected);
        auto report = ledger::verify_bundle(bundle, {.pinned_genesis_hash = pinned});
        REQUIRE(report.has_value());
        REQUIRE(report->failure);
        CHECK(ledger::bundle_check_name(report->failure->check) == expected);
    }
}

}  // namespace custos::test::CUSTOS_TEST_FILE
