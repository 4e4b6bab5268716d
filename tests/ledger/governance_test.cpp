// Officer key governance: officer.add and officer.revoke (CUSTODY_RULES.md R23..R27), each rule
// allowed and refused, key changes taking effect at their place in the log (also inside a
// block), and the same officer state in memory, in the RocksDB store (across a reopen) and in
// audit replay.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/store/store_nodes.hpp"
#include "ledger_fixture.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;
using custos::test::seeded_key;

namespace {

const char* const t_add = "2026-02-01T09:00:00.000Z";
const char* const t_block1 = "2026-02-01T09:00:01.000Z";
const char* const t_later = "2026-02-02T10:00:00.000Z";
const char* const t_block2 = "2026-02-02T10:00:01.000Z";
const char* const t_block3 = "2026-02-03T10:00:01.000Z";

// A key in no genesis, signing as a new NL-POL officer once added.
struct NewOfficer {
    crypto::SecretKey key = seeded_key(61);
    [[nodiscard]] crypto::PublicKey public_key() const { return key.public_key(); }
};

int refused_rule(const LedgerWorld& world, const Envelope& envelope, const char* now) {
    auto admitted = world.ledger->admit(envelope, test::at(now));
    REQUIRE_MESSAGE(!admitted.has_value(), "the event was admitted");
    INFO(admitted.error().message());
    return admitted.error().rule;
}

void admitted(const LedgerWorld& world, const Envelope& envelope, const char* now) {
    auto result = world.ledger->admit(envelope, test::at(now));
    CHECK_MESSAGE(result.has_value(), (result ? std::string() : result.error().message()));
}

Envelope add_officer(const LedgerWorld& world, const crypto::PublicKey& key, std::vector<Role> roles,
                     const std::string& signer = "nl.admin", const std::string& agency = "NL-POL") {
    return world.sign(world.officer_event(EventKind::officer_add, key, agency, t_add, std::move(roles)),
                      signer);
}

Envelope revoke_officer(const LedgerWorld& world, const crypto::PublicKey& key, const char* time,
                        const std::string& signer = "nl.admin", const std::string& agency = "NL-POL") {
    return world.sign(world.officer_event(EventKind::officer_revoke, key, agency, time), signer);
}

Envelope register_by(const LedgerWorld& world, const crypto::SecretKey& key, const std::string& item,
                     const char* time) {
    return sign_event(world.register_event(item, time), key);
}

}  // namespace

TEST_CASE("governance R1: officer events carry no item, case or prev, and name key, roles and name") {
    LedgerWorld world;
    NewOfficer added;
    Event event = world.officer_event(EventKind::officer_add, added.public_key(), "NL-POL", t_add,
                                      {Role::custodian, Role::admin});
    REQUIRE(validate_event(event).has_value());
    const crypto::Json json = event_to_json(event);
    CHECK(!json.contains("item"));
    CHECK(!json.contains("case"));
    CHECK(json.at("officer") == key_id(added.public_key()));
    CHECK(json.at("roles") == crypto::Json::array({"custodian", "admin"}));

    auto refused_with = [](crypto::Json changed) {
        auto parsed = event_from_json(changed);
        REQUIRE(!parsed.has_value());
        return parsed.error().message;
    };
    crypto::Json with_item = json;
    with_item["item"] = "ITEM-1";
    CHECK(refused_with(with_item).find("R1 event.item: not allowed in a officer.add event") == 0);
    crypto::Json no_roles = json;
    no_roles.erase("roles");
    CHECK(refused_with(no_roles).find("R1 event.roles: missing") == 0);
    crypto::Json unordered = json;
    unordered["roles"] = crypto::Json::array({"admin", "custodian"});
    CHECK(refused_with(unordered).find("R1 event.roles[1]") == 0);
    crypto::Json empty_roles = json;
    empty_roles["roles"] = crypto::Json::array();
    CHECK(refused_with(empty_roles).find("R1 event.roles") == 0);
    crypto::Json bad_key = json;
    bad_key["officer"] = "00";
    CHECK(refused_with(bad_key).find("R1 event.officer") == 0);

    Event revoke = world.officer_event(EventKind::officer_revoke, added.public_key(), "NL-POL", t_add);
    REQUIRE(validate_event(revoke).has_value());
    crypto::Json revoke_json = event_to_json(revoke);
    revoke_json.erase("reason");
    CHECK(refused_with(revoke_json).find("R1 event.reason: missing") == 0);
    revoke_json = event_to_json(revoke);
    revoke_json["roles"] = crypto::Json::array({"custodian"});
    CHECK(refused_with(revoke_json).find("R1 event.roles: not allowed") == 0);
    // An event built in code with an item fails the round trip.
    revoke.item = "ITEM-1";
    CHECK(!validate_event(revoke));
}

TEST_CASE("governance: a key added by officer.add signs after the add and is refused before it (R4)") {
    LedgerWorld world;
    NewOfficer added;
    const Envelope early = register_by(world, added.key, "ITEM-A", t_add);
    CHECK(refused_rule(world, early, t_block1) == rule::known_officer);
    CHECK(world.ledger->state().officer(added.public_key()).value() == std::nullopt);

    const Envelope add = add_officer(world, added.public_key(), {Role::custodian});
    admitted(world, add, t_block1);
    BlockEffects effects = world.commit({add}, t_block1);
    REQUIRE(effects.officers.size() == 1);
    CHECK(effects.officers[0].added_by == std::optional<EventId>(event_id(add.event)));
    CHECK(effects.item_events.empty());
    REQUIRE(effects.agency_events.size() == 1);
    CHECK(effects.agency_events[0].agency == "NL-POL");

    auto officer = world.ledger->state().officer(added.public_key());
    REQUIRE(officer.has_value());
    REQUIRE(officer->has_value());
    CHECK((*officer)->agency == "NL-POL");
    CHECK((*officer)->roles == std::vector<Role>{Role::custodian});
    world.commit({register_by(world, added.key, "ITEM-A", t_later)}, t_block2);
    CHECK(world.item("ITEM-A").custodian == "NL-POL");
}

TEST_CASE("governance: a key change counts for the later events of the same block, not the earlier") {
    LedgerWorld world;
    NewOfficer added;
    const Envelope add = add_officer(world, added.public_key(), {Role::custodian});
    const Envelope before = register_by(world, added.key, "ITEM-B", t_add);
    const Envelope after = register_by(world, added.key, "ITEM-A", t_add);

    auto built = world.ledger->build(BlockProposal{{before, add, after}, test::at(t_block1), "validator-1"});
    REQUIRE(built.has_value());
    REQUIRE(built->dropped.size() == 1);
    CHECK(built->dropped[0].id == event_id(before.event));
    CHECK(built->dropped[0].error.rule == rule::known_officer);
    REQUIRE(built->block.events.size() == 2);
    REQUIRE(world.ledger->apply(built->block).has_value());
    CHECK(world.item("ITEM-A").origin == event_id(after.event));

    // Revoke then sign in one block: the signature after the revoke is refused by R23.
    const Envelope revoke = revoke_officer(world, added.public_key(), t_later);
    Event access = world.next_event(EventKind::seal, "ITEM-A", "NL-POL", t_later);
    access.seal = "SEAL-0009";
    const Envelope late = sign_event(access, added.key);
    Event unseal = world.next_event(EventKind::unseal, "ITEM-A", "NL-POL", t_later);
    const Envelope in_time = sign_event(unseal, added.key);
    auto second =
        world.ledger->build(BlockProposal{{in_time, revoke, late}, test::at(t_block2), "validator-1"});
    REQUIRE(second.has_value());
    REQUIRE(second->dropped.size() == 1);
    CHECK(second->dropped[0].id == event_id(late.event));
    CHECK(second->dropped[0].error.rule == rule::revoked_key);
    CHECK(second->block.events.size() == 2);
}

TEST_CASE("governance R5/R6: only an admin of the agency changes its officer keys") {
    LedgerWorld world;
    NewOfficer added;
    // A custodian (no admin role) of the agency: R6.
    CHECK(refused_rule(world, add_officer(world, added.public_key(), {Role::custodian}, "nl.custodian"),
                       t_block1) == rule::role);
    // An officer of another agency acting for NL-POL: R5.
    CHECK(refused_rule(world, add_officer(world, added.public_key(), {Role::custodian}, "de.custodian"),
                       t_block1) == rule::officer_agency);
    CHECK(refused_rule(world,
                       revoke_officer(world, world.key("nl.custodian").public_key(), t_add, "nl.prosecutor"),
                       t_block1) == rule::role);
    admitted(world, add_officer(world, added.public_key(), {Role::custodian}), t_block1);
    CHECK(roles_for(EventKind::officer_add) == std::vector<Role>{Role::admin});
}

TEST_CASE("governance R24: officer.add names a key not in force anywhere and no validator key") {
    LedgerWorld world;
    NewOfficer added;
    CHECK(refused_rule(world, add_officer(world, world.key("nl.custodian").public_key(), {Role::prosecutor}),
                       t_block1) == rule::new_officer);
    // Another agency's officer cannot be adopted either.
    CHECK(refused_rule(world, add_officer(world, world.key("de.custodian").public_key(), {Role::custodian}),
                       t_block1) == rule::new_officer);
    CHECK(refused_rule(world, add_officer(world, world.validator_keys[0].public_key(), {Role::custodian}),
                       t_block1) == rule::new_officer);
    const Envelope add = add_officer(world, added.public_key(), {Role::custodian});
    world.commit({add}, t_block1);
    // Adding it again (even with other roles) is refused.
    Event again = world.officer_event(EventKind::officer_add, added.public_key(), "NL-POL", t_later,
                                      {Role::prosecutor});
    CHECK(refused_rule(world, world.sign(again, "nl.admin"), t_block2) == rule::new_officer);
}

TEST_CASE("governance R23/R25: a revoked key signs nothing after the revoke and is never added again") {
    LedgerWorld world;
    NewOfficer added;
    world.commit({add_officer(world, added.public_key(), {Role::custodian})}, t_block1);
    const Envelope registered = register_by(world, added.key, "ITEM-A", t_later);
    world.commit({registered}, t_block2);
    const Envelope revoke = revoke_officer(world, added.public_key(), "2026-02-03T10:00:00.000Z");
    world.commit({revoke}, t_block3);

    auto record = world.ledger->state().officer_record(added.public_key());
    REQUIRE(record.has_value());
    REQUIRE(record->has_value());
    CHECK((*record)->revoked_by == std::optional<EventId>(event_id(revoke.event)));
    CHECK(world.ledger->state().officer(added.public_key()).value() == std::nullopt);

    Event seal = world.next_event(EventKind::seal, "ITEM-A", "NL-POL", "2026-02-04T10:00:00.000Z");
    seal.seal = "SEAL-0009";
    auto refused = world.ledger->admit(sign_event(seal, added.key), test::at("2026-02-04T10:00:01.000Z"));
    REQUIRE(!refused.has_value());
    CHECK(refused.error().rule == rule::revoked_key);
    CHECK(refused.error().message().find("R23 signer: key " + key_id(added.public_key())) == 0);
    // Its earlier event stays in the trail.
    CHECK(world.item("ITEM-A").origin == event_id(registered.event));

    Event readd = world.officer_event(EventKind::officer_add, added.public_key(), "NL-POL",
                                      "2026-02-04T10:00:00.000Z", {Role::custodian});
    CHECK(refused_rule(world, world.sign(readd, "nl.admin"), "2026-02-04T10:00:01.000Z") ==
          rule::never_readded);
}

TEST_CASE("governance R26: officer.revoke names a key in force of the acting agency") {
    LedgerWorld world;
    NewOfficer unknown;
    CHECK(refused_rule(world, revoke_officer(world, unknown.public_key(), t_add), t_block1) ==
          rule::revoke_target);
    CHECK(refused_rule(world, revoke_officer(world, world.key("de.custodian").public_key(), t_add),
                       t_block1) == rule::revoke_target);
    const Envelope revoke = revoke_officer(world, world.key("nl.custodian").public_key(), t_add);
    admitted(world, revoke, t_block1);
    world.commit({revoke}, t_block1);
    CHECK(refused_rule(world, revoke_officer(world, world.key("nl.custodian").public_key(), t_later),
                       t_block2) == rule::revoke_target);
}

TEST_CASE("governance R27: an agency keeps at least one admin key in force") {
    LedgerWorld world;
    const crypto::PublicKey admin = world.key("nl.admin").public_key();
    CHECK(world.ledger->state().admin_keys("NL-POL").value() == 1);
    CHECK(world.ledger->state().admin_keys("DE-BKA").value() == 0);
    CHECK(refused_rule(world, revoke_officer(world, admin, t_add), t_block1) == rule::last_admin);

    NewOfficer second;
    world.commit({add_officer(world, second.public_key(), {Role::admin})}, t_block1);
    CHECK(world.ledger->state().admin_keys("NL-POL").value() == 2);
    // The old admin key revoked (by the new one), the new one may not revoke itself.
    const Envelope revoke =
        sign_event(world.officer_event(EventKind::officer_revoke, admin, "NL-POL", t_later), second.key);
    world.commit({revoke}, t_block2);
    CHECK(world.ledger->state().admin_keys("NL-POL").value() == 1);
    const Envelope self = sign_event(world.officer_event(EventKind::officer_revoke, second.public_key(),
                                                         "NL-POL", "2026-02-03T10:00:00.000Z"),
                                     second.key);
    CHECK(refused_rule(world, self, t_block3) == rule::last_admin);
    // The revoked admin can do nothing any more.
    CHECK(refused_rule(world, add_officer(world, seeded_key(62).public_key(), {Role::custodian}), t_block3) ==
          rule::revoked_key);
}

namespace {

Certificate certify(const LedgerWorld& world, const BlockHeader& header) {
    crypto::Note note;
    note.body = checkpoint_body(header, block_hash(header), Round{});
    for (std::size_t i = 0; i < world.validator_keys.size(); ++i) {
        auto signature = crypto::sign_note(note.body, world.genesis.validators.validators[i].name,
                                           world.validator_keys[i]);
        REQUIRE(signature.has_value());
        note.signatures.push_back(std::move(*signature));
    }
    return Certificate{crypto::format_note(note)};
}

// The same blocks in a MemoryLedger (which builds them) and a RocksDB store (which applies them
// against its own officer state).
struct GovernedStore {
    LedgerWorld world;
    test::TempDir dir;
    Store store = test::create_store(dir.store(), world.genesis);
    NewOfficer added;
    Envelope add, registered, revoke;

    GovernedStore() {
        add = add_officer(world, added.public_key(), {Role::custodian});
        commit({add}, t_block1);
        registered = register_by(world, added.key, "ITEM-A", t_later);
        commit({registered}, t_block2);
        revoke = revoke_officer(world, added.public_key(), "2026-02-03T10:00:00.000Z");
        commit(
            {revoke, world.sign(world.register_event("ITEM-B", "2026-02-03T10:00:00.000Z"), "nl.custodian")},
            t_block3);
    }
    void commit(const std::vector<Envelope>& envelopes, const char* time) {
        world.commit(envelopes, time);
        const Block& block = world.ledger->blocks().back();
        auto effects = apply_block(store, block, store.next_block_context());
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().message));
        auto appended = store.append_block(block, certify(world, block.header), *effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().message));
    }
    [[nodiscard]] AuditReport audit() const {
        auto report = audit_store(store.db(), {});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        return *report;
    }
};

void check_officer_state(const StateView& state, const GovernedStore& governed) {
    auto record = state.officer_record(governed.added.public_key());
    REQUIRE(record.has_value());
    REQUIRE(record->has_value());
    CHECK((*record)->added_by == std::optional<EventId>(event_id(governed.add.event)));
    CHECK((*record)->revoked_by == std::optional<EventId>(event_id(governed.revoke.event)));
    CHECK(state.officer(governed.added.public_key()).value() == std::nullopt);
    auto genesis_officer = state.officer(governed.world.key("nl.custodian").public_key());
    REQUIRE(genesis_officer.has_value());
    REQUIRE(genesis_officer->has_value());
    CHECK((*genesis_officer)->agency == "NL-POL");
    CHECK(state.admin_keys("NL-POL").value() == 1);
}

}  // namespace

TEST_CASE("governance store: officer state is written with the block, survives a reopen, and is indexed") {
    GovernedStore governed;
    check_officer_state(governed.store, governed);
    auto agency = governed.store.agency_events("NL-POL");
    REQUIRE(agency.has_value());
    CHECK(agency->size() == 4);  // add, register, revoke, register
    auto trail = governed.store.item_trail("ITEM-A");
    REQUIRE(trail.has_value());
    CHECK(trail->size() == 1);
    auto stored = governed.store.event(event_id(governed.revoke.event));
    REQUIRE(stored.has_value());
    CHECK(stored->envelope == governed.revoke);

    { Store closing = std::move(governed.store); }  // Closes the database.
    Store reopened = test::reopen_store(governed.dir.store());
    check_officer_state(reopened, governed);
    // The reopened store refuses the revoked key like the memory ledger does.
    Event seal = governed.world.next_event(EventKind::seal, "ITEM-A", "NL-POL", "2026-02-04T10:00:00.000Z");
    seal.seal = "SEAL-0009";
    auto refused = admit_event(reopened, sign_event(seal, governed.added.key),
                               test::at("2026-02-04T10:00:01.000Z"), reopened.genesis());
    REQUIRE(!refused.has_value());
    CHECK(refused.error().rule == rule::revoked_key);
    governed.store = std::move(reopened);
}

TEST_CASE(
    "governance audit: a store holding governance events verifies, earlier events of a revoked key too") {
    GovernedStore governed;
    const AuditReport report = governed.audit();
    CHECK_MESSAGE(report.verified(), audit_summary(report));
    CHECK(report.blocks == 3);
    CHECK(report.events == 4);
}

TEST_CASE("governance audit: a changed governance event and a changed officer record are found") {
    SUBCASE("a changed byte in the officer.add event fails its signature at leaf 0") {
        GovernedStore governed;
        auto stored = governed.store.db().get(store::Column::events, store::be64(0));
        REQUIRE(stored.has_value());
        std::string text = **stored;
        const auto at = text.find("\"name\":\"Officer ");
        REQUIRE(at != std::string::npos);
        text[at + 9] = 'X';
        REQUIRE(governed.store.db().put_raw(store::Column::events, store::be64(0), text).has_value());
        const AuditReport report = governed.audit();
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->height == Height{1});
        CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(0));
        CHECK(report.violation->rule == "R2");
    }
    SUBCASE("an officer record changed in the store contradicts the replay") {
        GovernedStore governed;
        const std::string key =
            store::officer_key(store::meta_key::officer_prefix, governed.added.public_key().view());
        OfficerRecord forged = governed.store.officer_record(governed.added.public_key()).value().value();
        forged.revoked_by.reset();
        REQUIRE(governed.store.db()
                    .put_raw(store::Column::meta, key, canonical_officer_record(forged))
                    .has_value());
        const AuditReport report = governed.audit();
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::officer_state);
        CHECK(report.violation->height == Height{3});
    }
    SUBCASE("a stored officer record no governance event wrote is found") {
        GovernedStore governed;
        const crypto::PublicKey stranger = seeded_key(63).public_key();
        OfficerRecord forged{Officer{stranger, "NL-POL", {Role::admin}, "Mallory"}, std::nullopt,
                             std::nullopt};
        REQUIRE(governed.store.db()
                    .put_raw(store::Column::meta,
                             store::officer_key(store::meta_key::officer_prefix, stranger.view()),
                             canonical_officer_record(forged))
                    .has_value());
        const AuditReport report = governed.audit();
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::officer_state);
    }
}

TEST_CASE("governance audit: an event by a revoked key written around the rules is R23 at its place") {
    GovernedStore governed;
    Event seal = governed.world.next_event(EventKind::seal, "ITEM-A", "NL-POL", "2026-02-04T10:00:00.000Z");
    seal.seal = "SEAL-0009";
    const Envelope forged = sign_event(seal, governed.added.key);
    test::write_block_around_rules(governed.store, {forged}, test::at("2026-02-04T10:00:01.000Z"),
                                   governed.world.genesis.validators.hash(), [&](const BlockHeader& header) {
                                       return certify(governed.world, header);
                                   });
    const AuditReport report = governed.audit();
    REQUIRE(report.violation.has_value());
    CHECK(report.violation->height == Height{4});
    CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(4));
    CHECK(report.violation->event == std::optional<EventId>(event_id(forged.event)));
    CHECK(report.violation->rule == "R23");
    CHECK(report.violation->field == "signer");
    CHECK(report.blocks == 3);
}

}  // namespace CUSTOS_TEST_FILE
