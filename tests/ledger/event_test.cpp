// Event envelopes: canonical bytes, ids that never depend on the signature, signing, and the
// exact JSON an independent verifier would see.
#include <doctest/doctest.h>

#include <set>

#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;

TEST_CASE("event: the canonical event is exactly the pinned JSON") {
    LedgerWorld world;
    Event event = world.register_event("ITEM-1");
    event.seal.reset();
    event.digests = Digests{crypto::sha256(std::string_view("abc")), std::nullopt, std::nullopt};
    event.attributes = {{"nl.zaaknummer", "2026/0042"}};
    // Keys sorted by code unit, no whitespace, times with milliseconds and 'Z'.
    const std::string expected =
        R"({"agency":"NL-POL","attributes":{"nl.zaaknummer":"2026/0042"},"case":"CASE-1","chain_id":"custos-test",)"
        R"("description":"Laptop, black, serial ABC123","digests":{"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},)"
        R"("item":"ITEM-1","kind":"register","legal_authority":{"kind":"warrant","reference":"W-2026-001"},)"
        R"("location":"Amsterdam, evidence room 3","time":"2026-02-01T10:00:00.000Z","type":"custos.event.v1"})";
    CHECK(canonical_event(event) == expected);
    CHECK(event_id(event).hash == crypto::sha256(expected));
    // The values docs/FORMAT.md sections 6.1 and 7.1 quote for this event.
    CHECK(event_id_hex(event_id(event)) ==
          "b14cacd727825e73dd2708170dce2cb3f647825ea9bcc2a064e0527e740fca3e");
    const EventId ids[] = {event_id(event)};
    CHECK(crypto::hex_encode(events_hash(std::span<const EventId>(ids)).view()) ==
          "26ebeffbaa46f096f7b5bb47087dddfc470e2f147a437764d98a2cfeae4deae7");
}

TEST_CASE("event: the id ignores the signature and the input's key order and spacing") {
    LedgerWorld world;
    Envelope envelope = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const EventId id = event_id(envelope.event);

    // Same event, different signature bytes: same id (the signature is not part of it).
    Envelope other_signature = envelope;
    other_signature.signature.bytes[0] ^= 0x01;
    CHECK(event_id(other_signature.event) == id);
    CHECK(!verify_envelope_signature(other_signature));

    // The event text with other key order and whitespace parses to the same id.
    auto json = envelope_to_json(envelope);
    std::string spaced = json.dump(4);  // nlohmann's key order and spacing, not canonical
    auto parsed = parse_envelope(spaced);
    REQUIRE(parsed.has_value());
    CHECK(event_id(parsed->event) == id);
    CHECK(*parsed == envelope);

    // The signature text has one encoding: a re-encoding (non-zero trailing bits) is refused
    // rather than yield a second envelope text for the same event.
    // 64 bytes end in one byte encoded as two characters and "==": the second character's low
    // four bits must be zero ('A', 'Q', 'g' or 'w'); the next letter sets one of them.
    std::string sig = json["sig"].get<std::string>();
    REQUIRE(sig.ends_with("=="));
    char& last = sig[sig.size() - 3];
    REQUIRE(std::string_view("AQgw").find(last) != std::string_view::npos);
    last = static_cast<char>(last + 1);
    json["sig"] = sig;
    auto reencoded = envelope_from_json(json);
    REQUIRE(!reencoded);
    CHECK(reencoded.error().message.starts_with("R1 sig:"));
}

TEST_CASE("event: the signature covers the canonical event with type tag and chain id") {
    LedgerWorld world;
    Envelope envelope = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    CHECK(verify_envelope_signature(envelope).has_value());
    const std::string bytes = canonical_event(envelope.event);
    CHECK(bytes.find(R"("type":"custos.event.v1")") != std::string::npos);
    CHECK(bytes.find(R"("chain_id":"custos-test")") != std::string::npos);
    CHECK(crypto::verify(envelope.signer, as_bytes(bytes), envelope.signature));
    // Leaf data is the canonical envelope: it holds the event, the signer's key id and the sig.
    auto leaf = crypto::parse_json(canonical_envelope(envelope));
    REQUIRE(leaf.has_value());
    CHECK((*leaf)["signer"] == key_id(world.key("nl.custodian").public_key()));
    CHECK((*leaf)["sig"] == crypto::base64_encode(envelope.signature.view()));
    CHECK(crypto::canonicalize((*leaf)["event"]).value() == bytes);
}

TEST_CASE("event: every kind built by the fixture round-trips through JSON") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    for (std::size_t k = 0; k < event_kind_count; ++k) {
        const auto kind = static_cast<EventKind>(k);
        Event event = kind == EventKind::register_item
                          ? world.register_event("ITEM-9")
                          : world.next_event(kind, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
        if (kind == EventKind::access) event.results = {custos::test::digests_of("image")};
        if (kind == EventKind::transfer_cancel) event.reason = "offer withdrawn";
        INFO(event_kind_name(kind));
        CHECK(validate_event(event).has_value());
        auto parsed = event_from_json(crypto::parse_json(canonical_event(event)).value());
        REQUIRE(parsed.has_value());
        CHECK(*parsed == event);
        CHECK(event_kind_from_name(event_kind_name(kind)) == kind);
    }
}

TEST_CASE("event: validate_event refuses a value the schema refuses") {
    LedgerWorld world;
    Event event = world.register_event("ITEM-1");
    event.digests.reset();
    CHECK(!validate_event(event));
    event = world.register_event("ITEM-1");
    event.grantee = "DE-BKA";
    CHECK(!validate_event(event));
    event = world.register_event("ITEM-1");
    event.prev = EventId{};
    CHECK(!validate_event(event));
    event = world.register_event("ITEM-1");
    event.digests->md5 = "ABCDEF";
    CHECK(!validate_event(event));
    event.digests->md5 = std::string(32, 'a');
    CHECK(validate_event(event).has_value());
}

TEST_CASE("event: grants must expire after they are given; derive needs a new id") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    Event grant = world.next_event(EventKind::grant, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
    grant.expires = grant.time;
    auto refused = validate_event(grant);
    REQUIRE(!refused);
    CHECK(refused.error().message.starts_with("R1 event.expires"));
    Event derive = world.next_event(EventKind::derive, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
    derive.new_item = "ITEM-1";
    CHECK(!validate_event(derive));
}

TEST_CASE("event: event_bytes gives exactly the separately computed id, event and envelope bytes") {
    LedgerWorld world;
    Event event = world.register_event("ITEM-1");
    event.description = "Téléphone « Galaxy » \"S23\" \\ 東京";
    event.attributes = {{"b", "2"}, {"a", "1"}, {"Z", "0"}};
    for (const Envelope& envelope :
         {world.sign(event, "nl.custodian"), world.sign(world.register_event("ITEM-2"), "nl.admin")}) {
        const EventBytes bytes = event_bytes(envelope);
        CHECK(bytes.canonical_event == canonical_event(envelope.event));
        CHECK(bytes.id == event_id(envelope.event));
        CHECK(bytes.canonical_envelope == canonical_envelope(envelope));
        CHECK(canonical_envelope_of(bytes.canonical_event, envelope) == bytes.canonical_envelope);
        CHECK(verify_envelope_signature(envelope, bytes).has_value());
        // And back: the event inside the envelope text, found by the layout alone.
        const auto inside = canonical_event_of_envelope(bytes.canonical_envelope);
        REQUIRE(inside.has_value());
        CHECK(*inside == bytes.canonical_event);
    }
}

TEST_CASE("event: canonical_event_of_envelope refuses text without the canonical envelope's layout") {
    LedgerWorld world;
    const std::string text = canonical_envelope(world.sign(world.register_event("ITEM-1"), "nl.custodian"));
    REQUIRE(canonical_event_of_envelope(text).has_value());
    CHECK_FALSE(canonical_event_of_envelope("").has_value());
    CHECK_FALSE(canonical_event_of_envelope(text.substr(0, text.size() - 1)).has_value());  // cut short
    CHECK_FALSE(canonical_event_of_envelope(" " + text).has_value());                       // leading space
    CHECK_FALSE(canonical_event_of_envelope(text + " ").has_value());
    // The members in another order (JSON that means the same, but not the canonical text).
    const auto sig_at = text.find(R"(,"sig":")");
    const std::string reordered = R"({"sig":)" + text.substr(sig_at + 7, 90) + R"(,"event":)" +
                                  text.substr(9, sig_at - 9) + text.substr(sig_at + 97);
    CHECK_FALSE(canonical_event_of_envelope(reordered).has_value());
    // A signature one character short shifts the layout.
    std::string short_sig = text;
    short_sig.erase(sig_at + 8, 1);
    CHECK_FALSE(canonical_event_of_envelope(short_sig).has_value());
}

TEST_CASE("event: canonical_event written from the struct equals the canonicalized JSON tree") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    auto same = [](const Event& event) {
        INFO(event_kind_name(event.kind));
        CHECK(canonical_event(event) == crypto::canonicalize(event_to_json(event)).value());
    };
    for (std::size_t k = 0; k < event_kind_count; ++k) {
        const auto kind = static_cast<EventKind>(k);
        Event event = kind == EventKind::register_item
                          ? world.register_event("ITEM-9")
                          : world.next_event(kind, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
        same(event);
        // Every optional member at once (validity does not matter to the encoding).
        event.attributes = {{"b.key", "x"}, {"a.key", "quote \" backslash \\ tab \t nul "}, {"Z", "ünï €"}};
        event.attributes["a.key"].push_back('\0');
        event.attributes["a.key"] += "\x1f\x7f\b\f\n\r";
        event.location = "Zürich \"depot\" \\ 3";
        event.digests = Digests{crypto::sha256("x"), std::string(32, 'a'), std::string(40, 'b')};
        event.results = {Digests{crypto::sha256("y"), std::nullopt, std::string(40, 'c')},
                         Digests{crypto::sha256("z"), std::string(32, 'd'), std::nullopt}};
        event.scope = {AccessAction::view, AccessAction::export_data};
        event.roles = {Role::custodian, Role::admin};
        event.seal_intact = false;
        event.expires = custos::test::at("2026-06-01T00:00:00.000Z");
        event.description = "line one\nline two \xF0\x9F\x94\x92";
        same(event);
    }
}

TEST_CASE("event: text fields are 1..N bytes (FORMAT.md 5.1): an empty text is refused, N bytes taken") {
    LedgerWorld world;
    crypto::Json json = event_to_json(world.register_event("ITEM-1"));
    json["location"] = "";
    auto empty = event_from_json(json);
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().message.find("event.location") != std::string::npos);
    json["location"] = std::string(1024, 'x');
    CHECK(event_from_json(json).has_value());
    json["location"] = std::string(1025, 'x');
    CHECK_FALSE(event_from_json(json).has_value());
}

TEST_CASE("event: case participants: who registered, held, was offered or granted an item") {
    auto event = [](EventKind kind, std::string agency) {
        Event out;
        out.kind = kind;
        out.case_id = "CASE-1";
        out.agency = std::move(agency);
        return out;
    };
    std::set<std::string> agencies;
    auto add_case_participants = [](const Event& of, std::set<std::string>& into) {
        for (auto& agency : case_participants(of))
            into.insert(std::move(agency));
    };
    add_case_participants(event(EventKind::register_item, "NL-POL"), agencies);
    CHECK(agencies == std::set<std::string>{"NL-POL"});
    auto offer = event(EventKind::transfer_offer, "NL-POL");
    offer.recipient = "DE-BKA";
    add_case_participants(offer, agencies);
    CHECK(agencies == std::set<std::string>{"DE-BKA", "NL-POL"});
    auto grant = event(EventKind::grant, "DE-BKA");
    grant.grantee = "BE-FGP";
    add_case_participants(grant, agencies);
    auto revoke = event(EventKind::revoke, "DE-BKA");
    revoke.grantee = "FR-PN";  // A revoke names a grantee but grants nothing.
    add_case_participants(revoke, agencies);
    add_case_participants(event(EventKind::access, "DE-BKA"), agencies);
    CHECK(agencies == std::set<std::string>{"BE-FGP", "DE-BKA", "NL-POL"});
    // A governance event names no case: it makes no agency part of one.
    auto governance = event(EventKind::officer_add, "FR-PN");
    governance.case_id.clear();
    add_case_participants(governance, agencies);
    CHECK(agencies == std::set<std::string>{"BE-FGP", "DE-BKA", "NL-POL"});
}

}  // namespace CUSTOS_TEST_FILE
