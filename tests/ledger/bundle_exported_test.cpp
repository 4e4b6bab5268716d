// Who exported a bundle (docs/FORMAT.md 11.8): the vector of the document, a genuine exported
// bundle verifies and names the officer (agency, role), the node and the receipt time; a bundle
// without the member still verifies ("exporter not stated"); every kind of damage to the member,
// by a third party or by a dishonest node that re-signs what it changed, is refused by check 7
// (exported) in custos verify and in the independent Python verifier alike.
#include <doctest/doctest.h>

#include <functional>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/bundle/bundle.hpp"
#include "ledger/events/read_record.hpp"
#include "tests/ledger/bundle_cases.hpp"
#include "tests/ledger/bundle_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)
namespace {

using crypto::Json;
using ledger::BundleReport;
using ledger::Envelope;
using ledger::Event;
using ledger::ReadAction;
using ledger::ReadRecord;

BundleWorld& shared_world() {
    static BundleWorld world;
    return world;
}

Hash32 pinned() {
    return ledger::genesis_hash(shared_world().world.genesis);
}

constexpr const char* received_at = "2026-02-09T09:00:00.000Z";

// The export's read record as validator-1 (NL-POL) signs it for nl.prosecutor's request.
Event export_event(const std::string& item = "ITEM-1", const std::string& handle = "nl.prosecutor") {
    const LedgerWorld& world = shared_world().world;
    ReadRecord read = world.signed_read(handle, ReadAction::bundle, item, received_at);
    read.status = 200;
    read.outcome = ledger::ReadOutcome::served;
    return world.read_event(read, received_at);
}

// The bundle of `item` with an `exported` member: `event` signed by validator `index`, the
// member signed by the same key.
Json exported_bundle(const Event& event, std::size_t index = 0, const std::string& item = "ITEM-1") {
    Json bundle = shared_world().bundle(item);
    const crypto::SecretKey& key = shared_world().world.validator_keys.at(index);
    const Envelope read = ledger::sign_event(event, key);
    // A dishonest node may sign whatever it likes: add the member without add_bundle_export's
    // own precondition, so the verifier alone must refuse it.
    auto digest = ledger::bundle_digest(bundle);
    REQUIRE(digest.has_value());
    const auto signature = key.sign(as_bytes(ledger::bundle_export_signed_text(*digest, read)));
    bundle["exported"] = Json{{"bundle", crypto::hex_encode(digest->view())},
                              {"read", ledger::envelope_to_json(read)},
                              {"signature", crypto::base64_encode(signature.view())},
                              {"type", std::string(ledger::bundle_export_type)}};
    return bundle;
}

const Json& genuine() {
    static const Json bundle = exported_bundle(export_event());
    return bundle;
}

BundleReport verify(const Json& bundle) {
    ledger::VerifyOptions options;
    options.pinned_genesis_hash = pinned();
    auto report = ledger::verify_bundle(bundle, options);
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    record_bundle_case(bundle, options.pinned_genesis_hash, *report);
    return *report;
}

std::string verdict(const BundleReport& report) {
    if (!report.failure) return "OK";
    INFO(report.failure->message());
    return std::string(ledger::bundle_check_name(report.failure->check));
}

void flip_char(Json& value, std::size_t position) {
    std::string text = value.get<std::string>();
    REQUIRE(position < text.size());
    char& c = text[position];
    c = (c == 'a') ? 'b' : (c == '0' ? '1' : (c == 'A' ? 'B' : 'a'));
    value = text;
}

}  // namespace

TEST_CASE("bundle exported: the vector of FORMAT.md 11.8") {
    auto seed = [](std::string_view hex) {
        auto bytes = crypto::hex_decode(hex);
        REQUIRE(bytes.has_value());
        auto key = crypto::SecretKey::from_seed(*bytes);
        REQUIRE(key.has_value());
        return std::move(*key);
    };
    const crypto::SecretKey officer =
        seed("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const crypto::SecretKey validator =
        seed("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    const std::string key_hex = ledger::key_id(officer.public_key());
    Event event;
    event.chain_id = "custos-test";
    event.kind = ledger::EventKind::read;
    event.agency = "NL-POL";
    event.time = at("2023-11-14T22:13:21.000Z");
    ReadRecord read;
    read.node = "NL-POL.validator-1";
    read.officer = officer.public_key();
    read.action = ReadAction::bundle;
    read.subject = "ITEM-1";
    read.outcome = ledger::ReadOutcome::served;
    read.status = 200;
    read.signature_base =
        "\"@method\": GET\n\"@target-uri\": http://127.0.0.1:8081/v1/items/ITEM-1/bundle\n"
        "\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
        "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;"
        "expires=1700000060;nonce=\"00112233445566778899aabbccddeeff\";keyid=\"" +
        key_hex + "\";alg=\"ed25519\"";
    read.signature = officer.sign(as_bytes(read.signature_base));
    event.read = read;
    const Envelope envelope = ledger::sign_event(event, validator);
    Json bundle{{"type", "custos.bundle.v2"}, {"item", "ITEM-1"}, {"items", Json::array({"ITEM-1"})}};
    auto added = ledger::add_bundle_export(
        bundle, envelope, [&](std::string_view bytes) { return validator.sign(as_bytes(bytes)); });
    REQUIRE(added.has_value());
    const Json& exported = bundle["exported"];
    CHECK(exported["bundle"] == "6d69c22407d6d1ae4172f7aa4ee4c25547ef5389b9e8d02ab4573feb263b9dd2");
    CHECK(crypto::base64_encode(read.signature.view()) ==
          "iGexTe0CcMFRCaj6ZzYrzCIVE/udjkKve/42TcSwGHC/jYJ+UTG0avEDpLgmwxuKrQmQT/xc5sg+1tPAhT46CA==");
    CHECK(ledger::event_id_hex(ledger::event_id(event)) ==
          "f37aa8feb59ebca093458abc7802a48ec4deecf5496fd750006a39181df28aa3");
    CHECK(exported["read"]["sig"] ==
          "0+M1fWrf1q1vfN53ActzV87Vj9NGTLfM44CJhr4kidEV1QziFGTkKLYEPSaREa+6uA3c1Jr6I1MIoZzONFWlAQ==");
    auto digest = ledger::bundle_digest(bundle);
    REQUIRE(digest.has_value());
    CHECK(crypto::hex_encode(crypto::sha256(ledger::bundle_export_signed_text(*digest, envelope)).view()) ==
          "62a0bec46cc89d28980fd66766e2613d837c94511736d588b9b42b6abf726df0");
    CHECK(exported["signature"] ==
          "/D/aB5MgPL2OiLZumiyE0wb/7NcBQRTsS7ItpghSEFYHwqVP/W9wcxQ1fwA3RM/XWfsONcenzVIhfTGz8mBiBw==");
    // The digest leaves `exported` out: adding it does not change it.
    CHECK(crypto::hex_encode(digest->view()) == exported["bundle"]);
    // add_bundle_export refuses a record that is not this bundle's export.
    Json other{{"type", "custos.bundle.v2"}, {"item", "ITEM-2"}};
    CHECK_FALSE(ledger::add_bundle_export(other, envelope, [&](std::string_view bytes) {
                    return validator.sign(as_bytes(bytes));
                }).has_value());
}

TEST_CASE("bundle exported: a genuine export names the officer, agency, role, node and receipt time") {
    const BundleReport report = verify(genuine());
    REQUIRE_MESSAGE(report.ok(), report.failure->message());
    CHECK(report.complete);
    const auto& exporter = report.exporter;
    CHECK(exporter.stated);
    CHECK(exporter.verified);
    CHECK(exporter.officer_known);
    CHECK(exporter.officer_name == "nl.prosecutor");
    CHECK(exporter.officer_agency == "NL-POL");
    CHECK(exporter.node == "validator-1");
    const std::string key = ledger::key_id(shared_world().world.key("nl.prosecutor").public_key());
    CHECK(exporter.statement() == "Exported by officer nl.prosecutor (NL-POL, prosecutor) key " + key +
                                      " on node validator-1 (NL-POL) at " + received_at);
    auto envelope = ledger::envelope_from_json(genuine()["exported"]["read"]);
    REQUIRE(envelope.has_value());
    CHECK(exporter.read_id == ledger::event_id(envelope->event));
    const Json json = ledger::bundle_report_to_json(report);
    CHECK(json["exported"]["officer"]["name"] == "nl.prosecutor");
    CHECK(json["exported"]["officer"]["roles"] == Json::array({"prosecutor"}));
    CHECK(json["exported"]["node"] == "validator-1");
    CHECK(json["exported"]["received"] == received_at);
    CHECK(json["exported"]["read_record"] == ledger::event_id_hex(ledger::event_id(envelope->event)));
    CHECK(json["exporter"] == exporter.statement());
    CHECK(json["checks"][7]["check"] == "exported");
    CHECK(json["checks"][7]["passed"] == true);
    std::string statement;
    CHECK(python_verdict(genuine(), pinned(), &statement) == "OK");
    CHECK(statement == "Exported by officer nl.prosecutor (NL-POL, prosecutor) on node validator-1 at " +
                           std::string(received_at));
}

TEST_CASE("bundle exported: a bundle without the member verifies and says exporter not stated") {
    const Json old = shared_world().bundle();
    const BundleReport report = verify(old);
    CHECK(report.ok());
    CHECK_FALSE(report.exporter.stated);
    CHECK(report.exporter.statement() == "exporter not stated (the bundle has no exported member)");
    CHECK(report.checks[7].passed);
    CHECK(report.checks[7].summary == "exporter not stated");
    CHECK(ledger::bundle_report_to_json(report)["exported"].is_null());
    std::string statement;
    CHECK(python_verdict(old, pinned(), &statement) == "OK");
    CHECK(statement == "exporter not stated");
}

TEST_CASE("bundle exported: a key the bundle's ledger does not name is reported as such, not as an officer") {
    // A node that served a key no officer record names (the ledger itself refuses to record such
    // a read, R34): the bundle proves that the key's holder asked, not who that is.
    const LedgerWorld& world = shared_world().world;
    const crypto::SecretKey stranger = seeded_key(77);
    Event event = export_event();
    ReadRecord& read = *event.read;
    read.officer = stranger.public_key();
    read.signature_base = world.signature_base("/v1/items/ITEM-1/bundle", at(received_at).value / 1000 - 1,
                                               ledger::key_id(stranger.public_key()));
    read.signature = stranger.sign(as_bytes(read.signature_base));
    const Json bundle = exported_bundle(event);
    const BundleReport report = verify(bundle);
    REQUIRE(report.ok());
    CHECK_FALSE(report.exporter.officer_known);
    CHECK(report.exporter.statement().find("NOT an officer key of this ledger up to the anchor") !=
          std::string::npos);
    std::string statement;
    CHECK(python_verdict(bundle, pinned(), &statement) == "OK");
    CHECK(statement.find("not an officer key") != std::string::npos);
}

TEST_CASE("bundle exported: every kind of damage to the member is refused by check 7 in both verifiers") {
    const LedgerWorld& world = shared_world().world;
    // A request signature base for `target`, signed by `handle`, received at received_at.
    auto rebase = [&](Event& event, const std::string& target, const std::string& handle = "nl.prosecutor") {
        ReadRecord& read = *event.read;
        read.signature_base = world.signature_base(target, at(received_at).value / 1000 - 1,
                                                   ledger::key_id(world.key(handle).public_key()));
        read.signature = world.key(handle).sign(as_bytes(read.signature_base));
    };
    struct Case {
        std::string what;
        std::function<Json()> make;
    };
    const std::vector<Case> cases = {
        // A third party changes the member (no key).
        {"bundle digest changed",
         [] {
             Json b = genuine();
             flip_char(b["exported"]["bundle"], 3);
             return b;
         }},
        {"node signature changed",
         [] {
             Json b = genuine();
             auto bytes = crypto::base64_decode(b["exported"]["signature"].get<std::string>());
             (*bytes)[5] ^= 1;
             b["exported"]["signature"] = crypto::base64_encode(*bytes);
             return b;
         }},
        {"read record changed (receipt time)",
         [] {
             Json b = genuine();
             b["exported"]["read"]["event"]["time"] = "2026-02-09T09:00:10.000Z";
             return b;
         }},
        {"read record's signature base changed",
         [] {
             Json b = genuine();
             flip_char(b["exported"]["read"]["event"]["read"]["signature_base"], 60);
             return b;
         }},
        {"wrong type",
         [] {
             Json b = genuine();
             b["exported"]["type"] = "custos.bundle.export.v2";
             return b;
         }},
        {"unknown member",
         [] {
             Json b = genuine();
             b["exported"]["note"] = "x";
             return b;
         }},
        {"missing member",
         [] {
             Json b = genuine();
             b["exported"].erase("signature");
             return b;
         }},
        {"not an object",
         [] {
             Json b = genuine();
             b["exported"] = "validator-1";
             return b;
         }},
        // Grafted: the genuine member of ITEM-1's bundle on ITEM-2's bundle.
        {"member grafted onto another bundle",
         [] {
             Json b = shared_world().bundle("ITEM-2");
             b["exported"] = genuine()["exported"];
             return b;
         }},
        // A dishonest node re-signs what it changed (its own signatures verify).
        {"request signed by another officer than the record names",
         [&] {
             Event event = export_event();
             event.read->signature = world.key("de.prosecutor").sign(as_bytes(event.read->signature_base));
             return exported_bundle(event);
         }},
        {"request for another item's bundle",
         [&] {
             Event event = export_event();
             rebase(event, "/v1/items/ITEM-2/bundle");
             return exported_bundle(event);
         }},
        {"request for the item's trail, not its bundle",
         [&] {
             Event event = export_event();
             rebase(event, "/v1/items/ITEM-1/trail");
             return exported_bundle(event);
         }},
        {"keyid of another officer",
         [&] {
             Event event = export_event();
             ReadRecord& read = *event.read;
             read.signature_base =
                 world.signature_base("/v1/items/ITEM-1/bundle", at(received_at).value / 1000 - 1,
                                      ledger::key_id(world.key("de.prosecutor").public_key()));
             read.signature = world.key("nl.prosecutor").sign(as_bytes(read.signature_base));
             return exported_bundle(event);
         }},
        {"a POST, not a GET",
         [&] {
             Event event = export_event();
             ReadRecord& read = *event.read;
             read.signature_base.replace(read.signature_base.find("GET"), 3, "POST");
             read.signature = world.key("nl.prosecutor").sign(as_bytes(read.signature_base));
             return exported_bundle(event);
         }},
        {"receipt time outside the request's window",
         [&] {
             Event event = export_event();
             event.time = at("2026-02-09T09:05:00.000Z");
             return exported_bundle(event);
         }},
        {"record of another subject",
         [&] {
             Event event = export_event();
             event.read->subject = "ITEM-2";
             return exported_bundle(event);
         }},
        {"record of another action",
         [&] {
             Event event = export_event();
             event.read->action = ReadAction::trail;
             return exported_bundle(event);
         }},
        {"a refused read",
         [&] {
             Event event = export_event();
             event.read->outcome = ledger::ReadOutcome::refused;
             event.read->status = 403;
             return exported_bundle(event);
         }},
        {"node names another validator",
         [&] {
             Event event = export_event();
             event.read->node = "validator-4";
             return exported_bundle(event);
         }},
        {"signed by a key that is no validator",
         [&] {
             Event event = export_event();
             Json b = shared_world().bundle();
             const crypto::SecretKey outsider = seeded_key(88);
             const Envelope read = ledger::sign_event(event, outsider);
             auto added = ledger::add_bundle_export(
                 b, read, [&](std::string_view bytes) { return outsider.sign(as_bytes(bytes)); });
             REQUIRE(added.has_value());
             return b;
         }},
        {"agency not the validator's",
         [&] {
             Event event = export_event();
             event.agency = "DE-BKA";
             return exported_bundle(event);
         }},
        {"chain id of another network",
         [&] {
             Event event = export_event();
             event.chain_id = "custos-other";
             return exported_bundle(event);
         }},
    };
    for (const auto& damage : cases) {
        CAPTURE(damage.what);
        const Json bundle = damage.make();
        const BundleReport report = verify(bundle);
        CHECK(verdict(report) == "exported");
        CHECK_FALSE(report.exporter.verified);
        if (report.failure) {
            CHECK(report.failure->where.field.starts_with("exported"));
            CHECK_FALSE(report.failure->reason.empty());
        }
        CHECK(python_verdict(bundle, pinned()) == "exported");
    }
}

}  // namespace custos::test::CUSTOS_TEST_FILE
