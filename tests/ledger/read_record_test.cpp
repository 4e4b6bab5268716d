// The consultation log's read records (docs/FORMAT.md 6.7, CUSTODY_RULES.md R33..R37): the
// vector computed from the document, and one test per check, each refusing what its check alone
// catches (a record that passes every other rule).
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "ledger/events/read_record.hpp"
#include "ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

namespace {

using namespace custos;
using namespace custos::ledger;
using custos::test::at;
using custos::test::LedgerWorld;

constexpr const char* received = "2026-02-02T00:00:00.000Z";

// The world with ITEM-1 registered, and the admission check of one envelope against it.
struct ReadWorld : LedgerWorld {
    ReadWorld() { commit({sign(register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z"); }
    RuleResult<EventEffects> admit(const Envelope& envelope) const {
        return admit_event(ledger->state(), envelope, at(received), genesis);
    }
    Envelope trail_read(const std::string& handle = "nl.prosecutor") const {
        return sign_read(read_event(signed_read(handle, ReadAction::trail, "ITEM-1", received), received));
    }
};

int refused_rule(const RuleResult<EventEffects>& result) {
    REQUIRE_FALSE(result.has_value());
    INFO(result.error().message());
    return result.error().rule;
}

crypto::SecretKey key_of(const char* seed_hex) {
    auto seed = crypto::hex_decode(seed_hex);
    REQUIRE(seed.has_value());
    auto key = crypto::SecretKey::from_seed(ByteView(seed->data(), seed->size()));
    REQUIRE(key.has_value());
    return std::move(*key);
}

TEST_CASE("read record: the FORMAT.md 6.7 vector (tests/ledger/read_record_vectors.py)") {
    custos::test::seeded_key(0);  // libsodium initialised
    const auto officer = key_of("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const auto validator = key_of("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
    const std::string officer_hex = key_id(officer.public_key());
    CHECK(officer_hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    ReadRecord read;
    read.node = "NL-POL.validator-1";
    read.officer = officer.public_key();
    read.action = ReadAction::trail;
    read.subject = "ITEM-1";
    read.signature_base =
        "\"@method\": GET\n\"@target-uri\": http://127.0.0.1:8081/v1/items/ITEM-1/trail\n"
        "\"content-digest\": sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\n"
        "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;"
        "expires=1700000060;nonce=\"00112233445566778899aabbccddeeff\";keyid=\"" +
        officer_hex + "\";alg=\"ed25519\"";
    read.signature = officer.sign(as_bytes(read.signature_base));
    CHECK(crypto::base64_encode(read.signature.view()) ==
          "Ctw6fAipDI0WAHwDUp5A5L+V3AetC/ocBszUXl0+UNsrhyu80WzUd2Mhsj5daXsqCCdCP/dj2G4Qe7noP3BgAw==");
    CHECK(crypto::hex_encode(read_request_hash(read).view()) ==
          "3fd902f8c1510752325c60616e245dfa547116cb8f1da721c555e1b9a85ebe7d");
    Event event;
    event.chain_id = "custos-test";
    event.kind = EventKind::read;
    event.agency = "NL-POL";
    event.time = TimeMs{1700000001000};
    event.read = read;
    CHECK(event_id_hex(event_id(event)) ==
          "8d5708f807dbc42e1efd59282a9133d0c7800b6eda79631a61829381cd2202a1");
    // The writer straight from the struct and the JSON tree agree, and the text parses back.
    CHECK(canonical_event(event) == crypto::canonicalize(event_to_json(event)).value());
    auto parsed = event_from_json(crypto::parse_json(canonical_event(event)).value());
    REQUIRE(parsed.has_value());
    CHECK(*parsed == event);
    const Envelope envelope = sign_event(event, validator);
    CHECK(key_id(envelope.signer) == "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
    CHECK(crypto::base64_encode(envelope.signature.view()) ==
          "s7781yRlnbSFyKR/ZkaG5YX3LCCVUACCzMTLppFzzv3FoCYSldFCJtiVl8jvQwQpKmqDgOmV3B2CVXCHnHJ8CA==");
}

TEST_CASE("read record: R1 refuses what the log must never hold and inconsistent outcomes") {
    ReadWorld world;
    Event event =
        world.read_event(world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received), received);
    crypto::Json json = event_to_json(event);
    SUBCASE("attributes (free text) are refused") {
        json["attributes"] = crypto::Json{{"note", "x"}};
        auto parsed = event_from_json(json);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().message.find("event.attributes: not allowed in a read event") !=
              std::string::npos);
    }
    SUBCASE("an item is refused: a read enters no trail") {
        json["item"] = "ITEM-1";
        CHECK_FALSE(event_from_json(json).has_value());
    }
    SUBCASE("served with 403 is refused") {
        json["read"]["status"] = 403;
        auto parsed = event_from_json(json);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().message.find("event.read.status") != std::string::npos);
    }
    SUBCASE("refused with 403 is read") {
        json["read"]["outcome"] = "refused";
        json["read"]["status"] = 403;
        CHECK(event_from_json(json).has_value());
    }
    SUBCASE("a base with a control character other than LF is refused") {
        json["read"]["signature_base"] = std::string("\"@method\": GET\r\n");
        CHECK_FALSE(event_from_json(json).has_value());
    }
}

TEST_CASE("read record: a valid one commits and touches no trail, item state or state map entry") {
    ReadWorld world;
    const ItemState before = world.item("ITEM-1");
    const Hash32 root_before = world.ledger->last_header()->state_root;
    const Envelope read = world.trail_read();
    REQUIRE(world.admit(read).has_value());
    BlockEffects effects = world.commit({read}, "2026-02-02T00:00:01.000Z");
    CHECK(world.item("ITEM-1") == before);
    CHECK(effects.item_events.empty());
    CHECK(effects.agency_events.empty());
    CHECK(effects.items.empty());
    CHECK(effects.governance == world.ledger->governance());
    CHECK(world.ledger->last_header()->state_root == root_before);
    REQUIRE(effects.reads.size() == 1);
    CHECK(effects.reads[0].item == "ITEM-1");
    CHECK(effects.reads[0].request == read_request_hash(*read.event.read));
    // A case read is indexed under no item.
    const Envelope case_read = world.sign_read(world.read_event(
        world.signed_read("nl.prosecutor", ReadAction::case_items, "CASE-1", received), received));
    effects = world.commit({case_read}, "2026-02-02T00:00:02.000Z");
    REQUIRE(effects.reads.size() == 1);
    CHECK(effects.reads[0].item.empty());
}

TEST_CASE("read record: R33 the signer must be the named validator of its agency") {
    ReadWorld world;
    Event event =
        world.read_event(world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received), received);
    SUBCASE("an officer's key is not a validator's") {
        CHECK(refused_rule(world.admit(world.sign(event, "nl.custodian"))) == rule::read_node);
    }
    SUBCASE("another validator's key for validator-1's record") {
        CHECK(refused_rule(world.admit(world.sign_read(event, 1))) == rule::read_node);
    }
    SUBCASE("a name outside the set") {
        event.read->node = "validator-9";
        CHECK(refused_rule(world.admit(world.sign_read(event))) == rule::read_node);
    }
    SUBCASE("the validator's agency, not another") {
        event.agency = "DE-BKA";
        CHECK(refused_rule(world.admit(world.sign_read(event))) == rule::read_node);
    }
}

TEST_CASE("read record: R2 a record altered after the node signed it") {
    ReadWorld world;
    Envelope read = world.trail_read();
    read.event.read->outcome = ReadOutcome::refused;
    read.event.read->status = 403;
    CHECK(refused_rule(world.admit(read)) == rule::signature);
    // The same holds in a block: apply_block checks R2 for every envelope.
    auto built = world.ledger->build(
        BlockProposal{{read}, custos::test::at("2026-02-02T00:00:01.000Z"), "validator-1"});
    REQUIRE(built.has_value());
    CHECK(built->block.events.empty());
    REQUIRE(built->dropped.size() == 1);
    CHECK(built->dropped[0].error.rule == rule::signature);
}

TEST_CASE("read record: R34 the reader must be an officer key the ledger knows") {
    ReadWorld world;
    const auto stranger = custos::test::seeded_key(77);
    ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
    read.officer = stranger.public_key();
    read.signature_base = world.signature_base(
        "/v1/items/ITEM-1/trail", custos::test::at(received).value / 1000 - 1, key_id(read.officer));
    read.signature = stranger.sign(as_bytes(read.signature_base));
    CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) == rule::read_officer);
}

TEST_CASE("read record: R35 a forged officer signature") {
    ReadWorld world;
    ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
    // The node signs the base itself with another key (here an officer's of another agency).
    read.signature = world.key("de.prosecutor").sign(as_bytes(read.signature_base));
    CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
          rule::read_signature);
}

TEST_CASE("read record: R36 the record must say what the officer signed") {
    ReadWorld world;
    SUBCASE("a signature base that names another item") {
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received,
                                            "/v1/items/ITEM-2/trail");
        CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
              rule::read_fields);
    }
    SUBCASE("another action on the same item") {
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::bundle, "ITEM-1", received,
                                            "/v1/items/ITEM-1/trail");
        CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
              rule::read_fields);
    }
    SUBCASE("a search for another digest") {
        const std::string wanted(64, 'a'), signed_for(64, 'b');
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::search, wanted, received,
                                            "/v1/search?sha256=" + signed_for + "&limit=5");
        CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
              rule::read_fields);
        read = world.signed_read("nl.prosecutor", ReadAction::search, wanted, received,
                                 "/v1/search?cursor=3&sha256=" + wanted);
        CHECK(world.admit(world.sign_read(world.read_event(read, received))).has_value());
    }
    SUBCASE("a receipt time outside the signature's window") {
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
        // Signed a second before `received`, valid 60 s: a receipt 2 minutes later is refused.
        Event late = world.read_event(read, "2026-02-02T00:02:00.000Z");
        auto result = admit_event(world.ledger->state(), world.sign_read(late),
                                  custos::test::at("2026-02-02T00:02:00.000Z"), world.genesis);
        CHECK(refused_rule(result) == rule::read_fields);
    }
    SUBCASE("a keyid that is not the record's officer") {
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
        read.signature_base =
            world.signature_base("/v1/items/ITEM-1/trail", custos::test::at(received).value / 1000 - 1,
                                 key_id(world.key("de.prosecutor").public_key()));
        read.signature = world.key("nl.prosecutor").sign(as_bytes(read.signature_base));
        CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
              rule::read_fields);
    }
    SUBCASE("a POST is not a read") {
        ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
        read.signature_base.replace(read.signature_base.find("GET"), 3, "POST");
        read.signature = world.key("nl.prosecutor").sign(as_bytes(read.signature_base));
        CHECK(refused_rule(world.admit(world.sign_read(world.read_event(read, received)))) ==
              rule::read_fields);
    }
}

TEST_CASE("read record: R37 one record per signed request") {
    ReadWorld world;
    const ReadRecord read = world.signed_read("nl.prosecutor", ReadAction::trail, "ITEM-1", received);
    const Envelope first = world.sign_read(world.read_event(read, received));
    // The same request again with another receipt time: another event id, the same request.
    const Envelope again = world.sign_read(world.read_event(read, "2026-02-02T00:00:00.500Z"));
    REQUIRE(first.event != again.event);
    SUBCASE("in a later block") {
        world.commit({first}, "2026-02-02T00:00:01.000Z");
        CHECK(refused_rule(world.admit(again)) == rule::read_once);
    }
    SUBCASE("in the same block") {
        auto built = world.ledger->build(
            BlockProposal{{first, again}, custos::test::at("2026-02-02T00:00:01.000Z"), "validator-1"});
        REQUIRE(built.has_value());
        CHECK(built->block.events.size() == 1);
        REQUIRE(built->dropped.size() == 1);
        CHECK(built->dropped[0].error.rule == rule::read_once);
    }
    SUBCASE("the same record twice is R7") {
        world.commit({first}, "2026-02-02T00:00:01.000Z");
        CHECK(refused_rule(world.admit(first)) == rule::unique_event);
    }
}

}  // namespace

}  // namespace CUSTOS_TEST_FILE
