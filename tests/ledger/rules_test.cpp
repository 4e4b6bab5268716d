// Every custody rule of docs/CUSTODY_RULES.md, allowed and refused, asserting the rule number
// the refusal cites.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::at;
using custos::test::LedgerWorld;

namespace {

constexpr const char* now = "2026-03-01T12:00:00.000Z";

int refused_rule(const RuleResult<EventEffects>& result) {
    REQUIRE_MESSAGE(!result.has_value(), "the event was admitted");
    return result.error().rule;
}

void require_admitted(const RuleResult<EventEffects>& result) {
    REQUIRE_MESSAGE(result.has_value(), (result ? std::string() : result.error().message()));
}

// A world with ITEM-1 registered by NL-POL at 2026-02-01T10:00.
struct Registered : LedgerWorld {
    Registered() { commit({sign(register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z"); }
    RuleResult<EventEffects> admit(const Event& event, const std::string& signer,
                                   const char* time = now) const {
        return ledger->admit(sign(event, signer), at(time));
    }
};

}  // namespace

TEST_CASE("R1: a malformed envelope is refused naming the field") {
    LedgerWorld world;
    auto json = envelope_to_json(world.sign(world.register_event("ITEM-1"), "nl.custodian"));
    REQUIRE(envelope_from_json(json).has_value());

    auto unknown = json;
    unknown["event"]["colour"] = "red";
    auto refused = envelope_from_json(unknown);
    REQUIRE(!refused);
    CHECK(refused.error().message == "R1 event.colour: unknown field");

    auto missing = json;
    missing["event"].erase("digests");
    refused = envelope_from_json(missing);
    REQUIRE(!refused);
    CHECK(refused.error().message.starts_with("R1 event.digests: missing"));

    auto not_allowed = json;
    not_allowed["event"]["grantee"] = "DE-BKA";
    refused = envelope_from_json(not_allowed);
    REQUIRE(!refused);
    CHECK(refused.error().message.starts_with("R1 event.grantee: not allowed in a register event"));

    auto prev_on_register = json;
    prev_on_register["event"]["prev"] = std::string(64, 'a');
    CHECK(!envelope_from_json(prev_on_register));

    auto bad_id = json;
    bad_id["event"]["item"] = "ITEM 1";
    refused = envelope_from_json(bad_id);
    REQUIRE(!refused);
    CHECK(refused.error().message.starts_with("R1 event.item:"));

    auto bad_time = json;
    bad_time["event"]["time"] = "2026-02-01T10:00:00Z";
    CHECK(!envelope_from_json(bad_time));

    auto long_text = json;
    long_text["event"]["description"] = std::string(description_bytes_max + 1, 'x');
    CHECK(!envelope_from_json(long_text));

    auto control = json;
    control["event"]["location"] = "room\n3";
    CHECK(!envelope_from_json(control));

    auto too_many = json;
    for (std::size_t i = 0; i <= attributes_max; ++i)
        too_many["event"]["attributes"]["k" + std::to_string(i)] = "v";
    CHECK(!envelope_from_json(too_many));

    auto bad_type = json;
    bad_type["event"]["type"] = "custos.block.v1";
    refused = envelope_from_json(bad_type);
    REQUIRE(!refused);
    CHECK(refused.error().message.starts_with("R1 event.type:"));

    CHECK(!parse_envelope(std::string(envelope_bytes_max + 1, ' ')));
}

TEST_CASE("R2: the signature must verify over the canonical event") {
    Registered world;
    Envelope good = world.sign(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now), "nl.custodian");
    require_admitted(world.ledger->admit(good, at(now)));
    Envelope tampered = good;
    tampered.event.tool = "another tool";
    CHECK(refused_rule(world.ledger->admit(tampered, at(now))) == rule::signature);
    Envelope other_signer = good;
    other_signer.signer = world.key("nl.admin").public_key();
    CHECK(refused_rule(world.ledger->admit(other_signer, at(now))) == rule::signature);
}

TEST_CASE("R3: the event must name this chain") {
    Registered world;
    Event event = world.register_event("ITEM-2");
    require_admitted(world.admit(event, "nl.custodian"));
    event.chain_id = "another-chain";
    CHECK(refused_rule(world.admit(event, "nl.custodian")) == rule::chain);
}

TEST_CASE("R4: the signer must be an officer of the genesis") {
    Registered world;
    auto stranger = custos::test::seeded_key(77);
    Envelope envelope = sign_event(world.register_event("ITEM-2"), stranger);
    auto result = world.ledger->admit(envelope, at(now));
    CHECK(refused_rule(result) == rule::known_officer);
    CHECK(result.error().field == "signer");
    // A validator key is not an officer key either.
    CHECK(refused_rule(world.ledger->admit(
              sign_event(world.register_event("ITEM-2"), world.validator_keys[0]), at(now))) ==
          rule::known_officer);
}

TEST_CASE("R5: the signer must belong to the acting agency") {
    Registered world;
    auto result =
        world.admit(world.register_event("ITEM-2", "2026-02-01T10:00:00.000Z", "NL-POL"), "de.custodian");
    CHECK(refused_rule(result) == rule::officer_agency);
    CHECK(result.error().field == "event.agency");
    require_admitted(
        world.admit(world.register_event("ITEM-2", "2026-02-01T10:00:00.000Z", "DE-BKA"), "de.custodian"));
}

TEST_CASE("R6: the signer must hold the role the kind needs") {
    Registered world;
    CHECK(refused_rule(world.admit(world.register_event("ITEM-2"), "nl.auditor")) == rule::role);
    CHECK(refused_rule(world.admit(world.register_event("ITEM-2"), "nl.prosecutor")) == rule::role);
    CHECK(refused_rule(world.admit(world.register_event("ITEM-2"), "nl.admin")) == rule::role);
    // Access: custodian or prosecutor.
    require_admitted(
        world.admit(world.next_event(EventKind::access, "ITEM-1", "NL-POL", now), "nl.prosecutor"));
    CHECK(refused_rule(world.admit(world.next_event(EventKind::access, "ITEM-1", "NL-POL", now),
                                   "nl.auditor")) == rule::role);
    // Grant: custodian or admin; a prosecutor may not.
    require_admitted(world.admit(world.next_event(EventKind::grant, "ITEM-1", "NL-POL", now), "nl.admin"));
    CHECK(refused_rule(world.admit(world.next_event(EventKind::grant, "ITEM-1", "NL-POL", now),
                                   "nl.prosecutor")) == rule::role);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now),
                                   "nl.admin")) == rule::role);
}

TEST_CASE("R7: the same event is refused the second time") {
    Registered world;
    Envelope again = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    auto result = world.ledger->admit(again, at(now));
    CHECK(refused_rule(result) == rule::unique_event);
    // The same event twice in one candidate list: the second is dropped with R7.
    Envelope fresh = world.sign(world.register_event("ITEM-2"), "nl.custodian");
    auto built = world.ledger->build(BlockProposal{{fresh, fresh}, at(now), "validator-1"});
    REQUIRE(built.has_value());
    CHECK(built->block.events.size() == 1);
    REQUIRE(built->dropped.size() == 1);
    CHECK(built->dropped[0].error.rule == rule::unique_event);
}

// Forwards to a view and counts R7's point reads (in a node, a store lookup per event checked).
class CountingView final : public StateView {
public:
    explicit CountingView(const StateView& base) : base_(base) {}
    Result<std::optional<ItemState>> item(std::string_view item_id) const override {
        return base_.item(item_id);
    }
    Result<bool> has_event(const EventId& id) const override {
        ++has_event_calls;
        return base_.has_event(id);
    }
    Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const override {
        return base_.officer(key);
    }
    Result<std::optional<OfficerRecord>> officer_record(const crypto::PublicKey& key) const override {
        return base_.officer_record(key);
    }
    Result<std::uint64_t> admin_keys(std::string_view agency) const override {
        return base_.admin_keys(agency);
    }
    Result<std::optional<ValidatorProposal>> validator_proposal(const EventId& id) const override {
        return base_.validator_proposal(id);
    }
    Result<ValidatorEpoch> latest_validators() const override { return base_.latest_validators(); }

    mutable int has_event_calls = 0;

private:
    const StateView& base_;
};

TEST_CASE(
    "R7: an event on an item already in the ledger is refused with R7, before the rules it also breaks") {
    Registered world;
    // A transfer offer continuing ITEM-1 from its head at the time of the call.
    auto offer = [&] {
        Event event = world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL", now);
        event.recipient = "DE-BKA";
        return world.sign(event, "nl.custodian");
    };
    const Envelope verify =
        world.sign(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now), "nl.custodian");
    const Envelope stale_offer = offer();  // Its prev is the register, as verify's is.
    world.commit({verify}, "2026-03-01T12:00:01.000Z");
    const Envelope committed_offer = offer();
    world.commit({committed_offer}, "2026-03-01T12:00:02.000Z");
    // Each of these breaks R10 (the item's head moved on), the register R9 too.
    CHECK(refused_rule(world.ledger->admit(verify, at(now))) == rule::unique_event);
    CHECK(refused_rule(world.ledger->admit(committed_offer, at(now))) == rule::unique_event);
    CHECK(refused_rule(world.ledger->admit(world.sign(world.register_event("ITEM-1"), "nl.custodian"),
                                           at(now))) == rule::unique_event);
    // Never committed, with a prev that is no longer the head: R10 itself.
    CHECK(refused_rule(world.ledger->admit(stale_offer, at(now))) == rule::prev_is_head);
}

TEST_CASE("R7: an event on an item that passes every later rule costs no lookup of its id") {
    Registered world;
    const auto& genesis = world.ledger->genesis();
    CountingView view(world.ledger->state());
    const Envelope verify =
        world.sign(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now), "nl.custodian");
    require_admitted(check_event(view, verify, at(now), genesis));
    require_admitted(
        check_event(view, world.sign(world.register_event("ITEM-2"), "nl.custodian"), at(now), genesis));
    CHECK(view.has_event_calls == 0);
    // A refusal asks, so that R7 would come first.
    Event forked = verify.event;
    forked.prev = EventId{crypto::sha256("not the head")};
    CHECK(refused_rule(check_event(view, world.sign(forked, "nl.custodian"), at(now), genesis)) ==
          rule::prev_is_head);
    CHECK(view.has_event_calls == 1);
    // Governance events ask first, as before.
    require_admitted(
        check_event(view, world.sign(world.next_event(EventKind::officer_add, "", "NL-POL", now), "nl.admin"),
                    at(now), genesis));
    CHECK(view.has_event_calls == 2);
}

TEST_CASE("R8: an event may not be ahead of ledger time beyond the clock skew") {
    Registered world;
    // clock_skew_max_ms is 5000: exactly 5 s ahead is allowed, 5.001 s is not.
    require_admitted(world.admit(world.register_event("ITEM-2", "2026-03-01T12:00:05.000Z"), "nl.custodian"));
    CHECK(refused_rule(world.admit(world.register_event("ITEM-2", "2026-03-01T12:00:05.001Z"),
                                   "nl.custodian")) == rule::not_ahead);
}

TEST_CASE("R9: register needs a new item, every other kind an existing one") {
    Registered world;
    // A different event (another time) for the same item id.
    CHECK(refused_rule(world.admit(world.register_event("ITEM-1", "2026-02-05T10:00:00.000Z"),
                                   "nl.custodian")) == rule::item_exists);
    Event verify = world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now);
    verify.item = "ITEM-404";
    CHECK(refused_rule(world.admit(verify, "nl.custodian")) == rule::item_exists);
}

TEST_CASE("R10: prev must be the item's current head") {
    Registered world;
    Event first = world.next_event(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-02T10:00:00.000Z");
    world.commit({world.sign(first, "nl.custodian")}, "2026-02-02T10:00:01.000Z");
    // `first` still names the old head (the register event): now stale.
    Event stale = first;
    stale.tool = "re-run";
    auto result = world.admit(stale, "nl.custodian");
    CHECK(refused_rule(result) == rule::prev_is_head);
    CHECK(result.error().field == "event.prev");
    require_admitted(
        world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now), "nl.custodian"));
}

TEST_CASE("R11: the event must name the item's case") {
    Registered world;
    Event event = world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now);
    event.case_id = "CASE-2";
    CHECK(refused_rule(world.admit(event, "nl.custodian")) == rule::same_case);
}

TEST_CASE("R12: event times never go backwards for an item") {
    Registered world;
    // Registered at 10:00:00.000; the same instant is allowed, one millisecond earlier is not.
    require_admitted(world.admit(
        world.next_event(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-01T10:00:00.000Z"), "nl.custodian"));
    CHECK(refused_rule(
              world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-01T09:59:59.999Z"),
                          "nl.custodian")) == rule::time_order);
}

TEST_CASE("R13: nothing after dispose") {
    Registered world;
    world.commit(
        {world.sign(world.next_event(EventKind::dispose, "ITEM-1", "NL-POL", "2026-02-03T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-03T10:00:01.000Z");
    CHECK(world.item("ITEM-1").disposed == DisposeOutcome::returned);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::terminal);
}

TEST_CASE("R14: while an offer is pending only accept, reject or cancel follow") {
    Registered world;
    world.commit({world.sign(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                              "2026-02-03T10:00:00.000Z"),
                             "nl.custodian")},
                 "2026-02-03T10:00:01.000Z");
    CHECK(refused_rule(world.admit(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::in_transit);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::in_transit);
    require_admitted(
        world.admit(world.next_event(EventKind::transfer_cancel, "ITEM-1", "NL-POL", now), "nl.custodian"));
    require_admitted(
        world.admit(world.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA", now), "de.custodian"));
}

TEST_CASE("R15: only the custodian acts on the item") {
    Registered world;
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "DE-BKA", now),
                                   "de.custodian")) == rule::custodian_acts);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::dispose, "ITEM-1", "DE-BKA", now),
                                   "de.custodian")) == rule::custodian_acts);
    require_admitted(
        world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now), "nl.custodian"));
}

TEST_CASE("R16: accept and reject need a pending offer and its named recipient") {
    Registered world;
    CHECK(refused_rule(world.admit(world.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA", now),
                                   "de.custodian")) == rule::offer_answer);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::transfer_cancel, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::offer_answer);
    world.commit({world.sign(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                              "2026-02-03T10:00:00.000Z"),
                             "nl.custodian")},
                 "2026-02-03T10:00:01.000Z");
    Event by_other = world.next_event(EventKind::transfer_accept, "ITEM-1", "BE-POL", now);
    CHECK(refused_rule(world.admit(by_other, "be.custodian")) == rule::offer_answer);
    world.commit({world.sign(world.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA",
                                              "2026-02-04T10:00:00.000Z"),
                             "de.custodian")},
                 "2026-02-04T10:00:01.000Z");
    const ItemState item = world.item("ITEM-1");
    CHECK(item.custodian == "DE-BKA");
    CHECK(!item.pending_offer);
    CHECK(!item.integrity_alert);
    // The old custodian no longer acts; the new one does.
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::custodian_acts);
    require_admitted(
        world.admit(world.next_event(EventKind::verify, "ITEM-1", "DE-BKA", now), "de.custodian"));
}

TEST_CASE("R16: a rejected offer leaves custody unchanged") {
    Registered world;
    world.commit({world.sign(world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                              "2026-02-03T10:00:00.000Z"),
                             "nl.custodian")},
                 "2026-02-03T10:00:01.000Z");
    world.commit({world.sign(world.next_event(EventKind::transfer_reject, "ITEM-1", "DE-BKA",
                                              "2026-02-04T10:00:00.000Z"),
                             "de.custodian")},
                 "2026-02-04T10:00:01.000Z");
    CHECK(world.item("ITEM-1").custodian == "NL-POL");
    CHECK(!world.item("ITEM-1").pending_offer);
}

TEST_CASE("R17: another agency accesses only within a grant's scope and time") {
    Registered world;
    Event access = world.next_event(EventKind::access, "ITEM-1", "BE-POL", now);
    access.action = AccessAction::view;
    CHECK(refused_rule(world.admit(access, "be.custodian")) == rule::grantee_access);
    // Grant BE-POL view+analyse until 2026-06-01.
    world.commit(
        {world.sign(world.next_event(EventKind::grant, "ITEM-1", "NL-POL", "2026-02-03T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-03T10:00:01.000Z");
    access = world.next_event(EventKind::access, "ITEM-1", "BE-POL", now);
    access.action = AccessAction::view;
    require_admitted(world.admit(access, "be.custodian"));
    Event out_of_scope = access;
    out_of_scope.action = AccessAction::image;
    auto result = world.admit(out_of_scope, "be.custodian");
    CHECK(refused_rule(result) == rule::grantee_access);
    CHECK(result.error().field == "event.action");
    Event expired = access;
    expired.time = at("2026-06-01T00:00:00.000Z");
    CHECK(refused_rule(world.ledger->admit(world.sign(expired, "be.custodian"),
                                           at("2026-06-01T00:00:00.000Z"))) == rule::grantee_access);
    // A grantee may access, never act otherwise.
    CHECK(refused_rule(world.admit(world.next_event(EventKind::verify, "ITEM-1", "BE-POL", now),
                                   "be.custodian")) == rule::custodian_acts);
    // After revoke, access is refused again.
    world.commit(
        {world.sign(world.next_event(EventKind::revoke, "ITEM-1", "NL-POL", "2026-02-04T10:00:00.000Z"),
                    "nl.admin")},
        "2026-02-04T10:00:01.000Z");
    access = world.next_event(EventKind::access, "ITEM-1", "BE-POL", now);
    access.action = AccessAction::view;
    CHECK(refused_rule(world.admit(access, "be.custodian")) == rule::grantee_access);
}

TEST_CASE("R18: an offer names a known agency other than the custodian") {
    Registered world;
    Event offer = world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL", now);
    offer.recipient = "FR-PN";
    CHECK(refused_rule(world.admit(offer, "nl.custodian")) == rule::offer_recipient);
    offer.recipient = "NL-POL";
    CHECK(refused_rule(world.admit(offer, "nl.custodian")) == rule::offer_recipient);
    offer.recipient = "BE-POL";
    require_admitted(world.admit(offer, "nl.custodian"));
}

TEST_CASE("R19: grants name a known other agency; revoke needs a grant") {
    Registered world;
    Event grant = world.next_event(EventKind::grant, "ITEM-1", "NL-POL", now);
    grant.grantee = "NL-POL";
    CHECK(refused_rule(world.admit(grant, "nl.custodian")) == rule::grant_terms);
    grant.grantee = "FR-PN";
    CHECK(refused_rule(world.admit(grant, "nl.custodian")) == rule::grant_terms);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::revoke, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::grant_terms);
    grant.grantee = "DE-BKA";
    require_admitted(world.admit(grant, "nl.custodian"));
}

TEST_CASE("R20: seal an unsealed item; unseal names the current seal") {
    Registered world;  // Registered under SEAL-0001.
    CHECK(refused_rule(world.admit(world.next_event(EventKind::seal, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::seal_state);
    Event wrong = world.next_event(EventKind::unseal, "ITEM-1", "NL-POL", now);
    wrong.seal = "SEAL-9999";
    CHECK(refused_rule(world.admit(wrong, "nl.custodian")) == rule::seal_state);
    world.commit(
        {world.sign(world.next_event(EventKind::unseal, "ITEM-1", "NL-POL", "2026-02-03T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-03T10:00:01.000Z");
    CHECK(!world.item("ITEM-1").seal);
    CHECK(refused_rule(world.admit(world.next_event(EventKind::unseal, "ITEM-1", "NL-POL", now),
                                   "nl.custodian")) == rule::seal_state);
    world.commit(
        {world.sign(world.next_event(EventKind::seal, "ITEM-1", "NL-POL", "2026-02-04T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-04T10:00:01.000Z");
    CHECK(world.item("ITEM-1").seal == "SEAL-0002");
}

TEST_CASE("R21: derive makes a new item") {
    Registered world;
    world.commit({world.sign(world.register_event("ITEM-2"), "nl.custodian")}, "2026-02-01T10:00:02.000Z");
    Event clash = world.next_event(EventKind::derive, "ITEM-1", "NL-POL", now);
    clash.new_item = "ITEM-2";
    CHECK(refused_rule(world.admit(clash, "nl.custodian")) == rule::derive_new);
    auto effects = world.commit(
        {world.sign(world.next_event(EventKind::derive, "ITEM-1", "NL-POL", "2026-02-03T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-03T10:00:01.000Z");
    const ItemState image = world.item("ITEM-1.image");
    CHECK(image.custodian == "NL-POL");
    CHECK(image.case_id == "CASE-1");
    CHECK(image.derived_from == "ITEM-1");
    CHECK(image.head == world.item("ITEM-1").head);
    CHECK(effects.item_events.size() == 2);
    CHECK(effects.case_items.size() == 1);
    // The new item continues its own trail from the derive event.
    require_admitted(
        world.admit(world.next_event(EventKind::verify, "ITEM-1.image", "NL-POL", now), "nl.custodian"));
}

TEST_CASE("R22: a digest mismatch or broken seal is recorded and raises the alert") {
    Registered world;
    Event mismatch = world.next_event(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-03T10:00:00.000Z");
    mismatch.digests = custos::test::digests_of("something else");
    auto effects = world.commit({world.sign(mismatch, "nl.custodian")}, "2026-02-03T10:00:01.000Z");
    REQUIRE(effects.events.size() == 1);
    CHECK(effects.events[0].integrity_alert);
    ItemState item = world.item("ITEM-1");
    CHECK(item.integrity_alert);
    CHECK(item.alert_count == 1);
    CHECK(item.first_alert == effects.events[0].id);
    // A matching verify afterwards does not clear the alert.
    world.commit(
        {world.sign(world.next_event(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-04T10:00:00.000Z"),
                    "nl.custodian")},
        "2026-02-04T10:00:01.000Z");
    CHECK(world.item("ITEM-1").integrity_alert);
    CHECK(world.item("ITEM-1").alert_count == 1);

    // A legacy digest that disagrees also counts, and so does a broken seal on accept.
    Registered other;
    other.commit({other.sign(other.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL",
                                              "2026-02-03T10:00:00.000Z"),
                             "nl.custodian")},
                 "2026-02-03T10:00:01.000Z");
    Event accept =
        other.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA", "2026-02-04T10:00:00.000Z");
    accept.seal_intact = false;
    other.commit({other.sign(accept, "de.custodian")}, "2026-02-04T10:00:01.000Z");
    CHECK(other.item("ITEM-1").integrity_alert);
    CHECK(other.item("ITEM-1").custodian == "DE-BKA");
}

}  // namespace CUSTOS_TEST_FILE
