// Validator-set governance: validator.propose and validator.approve (CUSTODY_RULES.md R28..R32),
// each rule allowed and refused; adoption at the event that crosses 2/3 of the latest adopted
// set's power, in force from the adopting block's height + 2; the same governance state in
// memory, in the RocksDB store (across a reopen) and in audit replay, and certificates checked
// against the set in force at their height.
#include <doctest/doctest.h>

#include "crypto/encoding.hpp"
#include "crypto/signed_note.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger_fixture.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::LedgerWorld;
using custos::test::seeded_key;

namespace {

const char* const t_event1 = "2026-02-01T09:00:00.000Z";
const char* const t_block1 = "2026-02-01T09:00:01.000Z";
const char* const t_event2 = "2026-02-02T10:00:00.000Z";
const char* const t_block2 = "2026-02-02T10:00:01.000Z";
const char* const t_event3 = "2026-02-03T10:00:00.000Z";
const char* const t_block3 = "2026-02-03T10:00:01.000Z";
const char* const t_block4 = "2026-02-04T10:00:01.000Z";
const char* const t_block5 = "2026-02-05T10:00:01.000Z";

// The fixture's world (validators 1 and 4 of NL-POL, 2 of DE-BKA, 3 of BE-POL, power 1 each)
// with an admin key in every agency, so each may propose and approve.
struct ValidatorWorld {
    LedgerWorld world;

    ValidatorWorld() {
        const struct {
            const char* handle;
            const char* agency;
            std::uint8_t seed;
        } admins[] = {{"de.admin", "DE-BKA", 70}, {"be.admin", "BE-POL", 71}};
        for (const auto& admin : admins) {
            world.keys.emplace(admin.handle, seeded_key(admin.seed));
            world.genesis.officers.push_back(
                Officer{world.keys.at(admin.handle).public_key(), admin.agency, {Role::admin}, admin.handle});
        }
        std::sort(world.genesis.officers.begin(), world.genesis.officers.end(),
                  [](const Officer& a, const Officer& b) { return a.key < b.key; });
        REQUIRE(validate_genesis(world.genesis).has_value());
        world.ledger = std::make_unique<MemoryLedger>(world.genesis);
    }

    [[nodiscard]] Event propose(Validator change, const std::string& agency = "NL-POL",
                                const char* time = t_event1) const {
        Event event = world.validator_event(EventKind::validator_propose, agency, time);
        event.validator = std::move(change);
        return event;
    }
    [[nodiscard]] Event approve(const EventId& proposal, const std::string& agency,
                                const char* time = t_event2) const {
        return world.validator_event(EventKind::validator_approve, agency, time, proposal);
    }
    [[nodiscard]] Envelope sign(const Event& event, const std::string& handle) const {
        return world.sign(event, handle);
    }
};

// A new NL-POL validator; with power 10 the four genesis validators alone no longer certify.
Validator fifth(std::uint64_t power = 1) {
    return Validator{"validator-5", "NL-POL", seeded_key(110).public_key(), power, "127.0.0.1:7005"};
}

int refused_rule(const LedgerWorld& world, const Envelope& envelope, const char* now = t_block2) {
    auto admitted = world.ledger->admit(envelope, test::at(now));
    REQUIRE_MESSAGE(!admitted.has_value(), "the event was admitted");
    INFO(admitted.error().message());
    return admitted.error().rule;
}

void admitted(const LedgerWorld& world, const Envelope& envelope, const char* now = t_block2) {
    auto result = world.ledger->admit(envelope, test::at(now));
    CHECK_MESSAGE(result.has_value(), (result ? std::string() : result.error().message()));
}

}  // namespace

TEST_CASE("validator R1: propose names a validator entry, approve a proposal id; nothing else") {
    ValidatorWorld v;
    const Event propose = v.propose(fifth());
    REQUIRE(validate_event(propose).has_value());
    const crypto::Json json = event_to_json(propose);
    CHECK(!json.contains("item"));
    CHECK(!json.contains("case"));
    CHECK(json.at("validator").at("power") == 1);
    CHECK(json.at("validator").at("key") == key_id(seeded_key(110).public_key()));
    CHECK(canonical_event(propose) == crypto::canonicalize(json).value());
    auto parsed = event_from_json(crypto::parse_json(canonical_event(propose)).value());
    REQUIRE(parsed.has_value());
    CHECK(*parsed == propose);

    auto refused_with = [](crypto::Json changed) {
        auto result = event_from_json(changed);
        REQUIRE(!result.has_value());
        return result.error().message;
    };
    crypto::Json no_reason = json;
    no_reason.erase("reason");
    CHECK(refused_with(no_reason).find("R1 event.reason: missing") == 0);
    crypto::Json extra = json;
    extra["validator"]["weight"] = 1;
    CHECK(refused_with(extra).find("R1 event.validator.weight") == 0);
    crypto::Json negative = json;
    negative["validator"]["power"] = -1;
    CHECK(refused_with(negative).find("R1 event.validator.power") == 0);
    crypto::Json huge = json;
    huge["validator"]["power"] = (std::uint64_t{1} << 40) + 1;
    CHECK(refused_with(huge).find("R1 event.validator.power") == 0);
    crypto::Json with_item = json;
    with_item["item"] = "ITEM-1";
    CHECK(refused_with(with_item).find("R1 event.item: not allowed in a validator.propose event") == 0);
    crypto::Json with_proposal = json;
    with_proposal["proposal"] = event_id_hex(event_id(propose));
    CHECK(refused_with(with_proposal).find("R1 event.proposal: not allowed") == 0);

    const Event approve = v.approve(event_id(propose), "DE-BKA");
    REQUIRE(validate_event(approve).has_value());
    crypto::Json approve_json = event_to_json(approve);
    CHECK(approve_json.at("proposal") == event_id_hex(event_id(propose)));
    CHECK(canonical_event(approve) == crypto::canonicalize(approve_json).value());
    approve_json["proposal"] = "ABC";
    CHECK(refused_with(approve_json).find("R1 event.proposal") == 0);
    approve_json = event_to_json(approve);
    approve_json.erase("proposal");
    CHECK(refused_with(approve_json).find("R1 event.proposal: missing") == 0);
    approve_json = event_to_json(approve);
    approve_json["validator"] = json.at("validator");
    CHECK(refused_with(approve_json).find("R1 event.validator: not allowed") == 0);
}

TEST_CASE("validator R5/R6: only an admin of its own agency proposes or approves") {
    ValidatorWorld v;
    CHECK(roles_for(EventKind::validator_propose) == std::vector<Role>{Role::admin});
    CHECK(roles_for(EventKind::validator_approve) == std::vector<Role>{Role::admin});
    CHECK(refused_rule(v.world, v.sign(v.propose(fifth()), "nl.custodian")) == rule::role);
    CHECK(refused_rule(v.world, v.sign(v.propose(fifth(), "DE-BKA"), "nl.admin")) == rule::officer_agency);
    admitted(v.world, v.sign(v.propose(fifth()), "nl.admin"));
    const Envelope propose = v.sign(v.propose(fifth()), "nl.admin");
    v.world.commit({propose}, t_block1);
    CHECK(refused_rule(v.world, v.sign(v.approve(event_id(propose.event), "DE-BKA"), "de.custodian")) ==
          rule::role);
    admitted(v.world, v.sign(v.approve(event_id(propose.event), "DE-BKA"), "de.admin"));
}

TEST_CASE("validator R28: a removal names a validator in the set; a proposal changes something") {
    ValidatorWorld v;
    Validator ghost = fifth(0);
    CHECK(refused_rule(v.world, v.sign(v.propose(ghost), "nl.admin")) == rule::validator_change);
    Validator same = v.world.genesis.validators.validators[1];
    CHECK(refused_rule(v.world, v.sign(v.propose(same, "DE-BKA"), "de.admin")) == rule::validator_change);
    Validator remove = same;
    remove.power = 0;
    admitted(v.world, v.sign(v.propose(remove, "DE-BKA"), "de.admin"));
    Validator reweigh = same;
    reweigh.power = 3;
    admitted(v.world, v.sign(v.propose(reweigh, "DE-BKA"), "de.admin"));
    admitted(v.world, v.sign(v.propose(fifth()), "nl.admin"));
}

TEST_CASE("validator R29: the resulting set must be valid like a genesis set") {
    ValidatorWorld v;
    auto rule_of = [&](Validator change) {
        return refused_rule(v.world, v.sign(v.propose(change), "nl.admin"));
    };
    Validator bad = fifth();
    bad.address = "nowhere";
    CHECK(rule_of(bad) == rule::validator_set);
    bad = fifth();
    bad.agency = "FR-PN";
    CHECK(rule_of(bad) == rule::validator_set);
    bad = fifth();
    bad.key = v.world.genesis.validators.validators[0].key;  // validator-1's key under another name
    CHECK(rule_of(bad) == rule::validator_set);
    bad = fifth();
    bad.key = v.world.key("nl.custodian").public_key();  // an officer key
    CHECK(rule_of(bad) == rule::validator_set);
    bad = fifth();
    bad.name = "validator 5";                // not a signed-note key name
    CHECK(!validate_event(v.propose(bad)));  // R1 already: a name is an id

    // Removing validators one by one down to none: the last removal is refused.
    ValidatorWorld solo;
    solo.world.genesis.validators.validators.resize(1);
    solo.world.ledger = std::make_unique<MemoryLedger>(solo.world.genesis);
    Validator last = solo.world.genesis.validators.validators[0];
    last.power = 0;
    CHECK(refused_rule(solo.world, solo.sign(solo.propose(last), "nl.admin")) == rule::validator_set);
}

TEST_CASE("validator R30..R32: approvals name an open proposal, once per agency") {
    ValidatorWorld v;
    CHECK(refused_rule(v.world, v.sign(v.approve(EventId{crypto::sha256("none")}, "DE-BKA"), "de.admin")) ==
          rule::proposal_known);
    const Envelope registered = v.world.sign(v.world.register_event("ITEM-1", t_event1), "nl.custodian");
    const Envelope propose = v.sign(v.propose(fifth()), "nl.admin");
    v.world.commit({registered, propose}, t_block1);
    // An event that is no validator.propose is no proposal.
    CHECK(refused_rule(v.world, v.sign(v.approve(event_id(registered.event), "DE-BKA"), "de.admin")) ==
          rule::proposal_known);
    // The proposer's agency already approves.
    CHECK(refused_rule(v.world, v.sign(v.approve(event_id(propose.event), "NL-POL"), "nl.admin")) ==
          rule::one_approval);
    const Envelope be = v.sign(v.approve(event_id(propose.event), "BE-POL"), "be.admin");
    v.world.commit({be}, t_block2);  // NL (2) + BE (1) = 3 of 4: adopted here.
    CHECK(refused_rule(v.world, v.sign(v.approve(event_id(propose.event), "DE-BKA", t_event3), "de.admin"),
                       t_block3) == rule::proposal_open);
}

TEST_CASE("validator R31: a proposal made before another was adopted is stale") {
    ValidatorWorld v;
    const Envelope first = v.sign(v.propose(fifth()), "nl.admin");
    Validator reweigh = v.world.genesis.validators.validators[2];  // validator-3 of BE-POL
    reweigh.power = 2;
    const Envelope second = v.sign(v.propose(reweigh, "BE-POL"), "be.admin");
    v.world.commit({first, second}, t_block1);
    const Envelope de_first = v.sign(v.approve(event_id(first.event), "DE-BKA"), "de.admin");
    const Envelope de_second = v.sign(v.approve(event_id(second.event), "DE-BKA"), "de.admin");
    const Envelope nl_second = v.sign(v.approve(event_id(second.event), "NL-POL"), "nl.admin");
    // Before the first is adopted both are open; de_first adopts it, after which the second is stale,
    // inside the same block too.
    admitted(v.world, de_second);
    auto built = v.world.ledger->build(
        BlockProposal{{de_first, de_second, nl_second}, test::at(t_block2), "validator-1"});
    REQUIRE(built.has_value());
    REQUIRE(built->dropped.size() == 2);
    CHECK(built->dropped[0].error.rule == rule::proposal_open);
    CHECK(built->dropped[1].error.rule == rule::proposal_open);
    CHECK(built->dropped[0].error.reason.find("stale") != std::string::npos);
}

TEST_CASE("validator adoption: at the event crossing 2/3 of the latest set, in force from H + 2") {
    ValidatorWorld v;
    const ValidatorSet genesis_set = v.world.genesis.validators;
    const Envelope propose = v.sign(v.propose(fifth()), "nl.admin");
    BlockEffects first = v.world.commit({propose}, t_block1);
    // NL-POL's 2 of 4 is not more than 2/3.
    REQUIRE(first.proposals.size() == 1);
    CHECK(first.proposals[0].approvals == std::vector<std::string>{"NL-POL"});
    CHECK(!first.proposals[0].adopted());
    CHECK(!first.adopted_validators.has_value());
    CHECK(v.world.ledger->state().latest_validators().value().adoptions == 0);

    const Envelope approve = v.sign(v.approve(event_id(propose.event), "DE-BKA"), "de.admin");
    BlockEffects second = v.world.commit({approve}, t_block2);
    REQUIRE(second.adopted_validators.has_value());
    CHECK(second.adopted_validators->adopted_in == Height{2});
    CHECK(second.adopted_validators->in_force_from == Height{4});
    CHECK(second.adopted_validators->adoptions == 1);
    CHECK(second.adopted_validators->set.validators.size() == 5);
    CHECK(second.proposals[0].adopted_as == std::optional<std::uint64_t>(1));
    CHECK(second.proposals[0].approvals == std::vector<std::string>{"DE-BKA", "NL-POL"});

    const ValidatorSet& changed = second.adopted_validators->set;
    CHECK(v.world.ledger->validators_at(Height{3}) == genesis_set);
    CHECK(v.world.ledger->validators_at(Height{4}) == changed);
    v.world.commit({}, t_block3);
    CHECK(v.world.ledger->blocks().back().header.validators_hash == genesis_set.hash());
    v.world.commit({}, t_block4);
    CHECK(v.world.ledger->blocks().back().header.validators_hash == changed.hash());

    // An agency of no validators approves without effect; a proposer holding > 2/3 adopts at once.
    ValidatorWorld heavy;
    heavy.world.genesis.validators.validators[0].power = 10;  // validator-1 of NL-POL
    heavy.world.ledger = std::make_unique<MemoryLedger>(heavy.world.genesis);
    BlockEffects at_once = heavy.world.commit({heavy.sign(heavy.propose(fifth()), "nl.admin")}, t_block1);
    REQUIRE(at_once.adopted_validators.has_value());
    CHECK(at_once.adopted_validators->in_force_from == Height{3});
}

TEST_CASE("validator adoption: two proposals adopted in one block are both in force from H + 2") {
    ValidatorWorld heavy;
    heavy.world.genesis.validators.validators[0].power = 10;  // NL-POL alone holds > 2/3
    heavy.world.ledger = std::make_unique<MemoryLedger>(heavy.world.genesis);
    Validator sixth{"validator-6", "NL-POL", seeded_key(111).public_key(), 1, "127.0.0.1:7006"};
    const Envelope first = heavy.sign(heavy.propose(fifth()), "nl.admin");
    const Envelope second = heavy.sign(heavy.propose(sixth, "NL-POL", t_event2), "nl.admin");
    BlockEffects effects = heavy.world.commit({first, second}, t_block2);
    REQUIRE(effects.adopted_validators.has_value());
    CHECK(effects.adopted_validators->adoptions == 2);
    CHECK(effects.adopted_validators->in_force_from == Height{3});
    const ValidatorSet& both = effects.adopted_validators->set;
    REQUIRE(both.validators.size() == 6);
    CHECK(both.find_name("validator-5") != nullptr);
    CHECK(both.find_name("validator-6") != nullptr);
    REQUIRE(effects.proposals.size() == 2);
    // The second was made after the first was adopted (epoch 1), so it is not stale.
    for (const auto& proposal : effects.proposals)
        CHECK(proposal.adopted());
    CHECK(heavy.world.ledger->validators_at(Height{2}) == heavy.world.genesis.validators);
    CHECK(heavy.world.ledger->validators_at(Height{3}) == both);
}

namespace {

using ValidatorKeys = std::map<std::string, const crypto::SecretKey*>;

// A certificate of `header` signed by every validator of `set` whose key is in `keys`.
Certificate certify(const BlockHeader& header, const ValidatorSet& set, const ValidatorKeys& keys) {
    crypto::Note note;
    note.body = checkpoint_body(header, block_hash(header), Round{});
    for (const auto& validator : set.validators) {
        auto signature = crypto::sign_note(note.body, validator.name, *keys.at(validator.name));
        REQUIRE(signature.has_value());
        note.signatures.push_back(std::move(*signature));
    }
    return Certificate{crypto::format_note(note)};
}

// Blocks 1..4 in a MemoryLedger and a RocksDB store: validator-5 (power 10) proposed in block 1,
// adopted in block 2, in force from block 4; blocks 3 and 4 hold registrations.
struct GovernedValidators {
    ValidatorWorld v;
    test::TempDir dir;
    Store store = test::create_store(dir.store(), v.world.genesis);
    crypto::SecretKey fifth_key = seeded_key(110);
    ValidatorKeys keys;
    Envelope propose, approve;

    GovernedValidators() {
        for (std::size_t i = 0; i < v.world.validator_keys.size(); ++i)
            keys.emplace(v.world.genesis.validators.validators[i].name, &v.world.validator_keys[i]);
        keys.emplace("validator-5", &fifth_key);
        propose = v.sign(v.propose(fifth(10)), "nl.admin");
        commit({propose}, t_block1);
        approve = v.sign(v.approve(event_id(propose.event), "DE-BKA"), "de.admin");
        commit({approve}, t_block2);
        commit({v.world.sign(v.world.register_event("ITEM-A", t_event3), "nl.custodian")}, t_block3);
        commit({v.world.sign(v.world.register_event("ITEM-B", t_event3), "nl.custodian")}, t_block4);
    }
    void commit(const std::vector<Envelope>& envelopes, const char* time) {
        v.world.commit(envelopes, time);
        const Block& block = v.world.ledger->blocks().back();
        auto effects = apply_block(store, block, store.next_block_context());
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().message));
        const auto set = store.validators_at(block.header.height);
        REQUIRE(set != nullptr);
        auto appended = store.append_block(block, certify(block.header, *set, keys), *effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().message));
    }
    [[nodiscard]] AuditReport audit() const {
        auto report = audit_store(store.db(), {});
        REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
        return *report;
    }
};

void check_validator_state(const Store& store, const GovernedValidators& governed) {
    const ValidatorSet& genesis_set = governed.v.world.genesis.validators;
    const ValidatorSet changed = apply_validator_change(genesis_set, fifth(10));
    CHECK(*store.validators_at(Height{1}) == genesis_set);
    CHECK(*store.validators_at(Height{3}) == genesis_set);
    CHECK(*store.validators_at(Height{4}) == changed);
    CHECK(*store.validators_at(Height{6}) == changed);
    CHECK(store.validators_at(Height{7}) == nullptr);
    auto latest = store.latest_validators();
    REQUIRE(latest.has_value());
    CHECK(latest->adoptions == 1);
    CHECK(*latest->set == changed);
    auto proposal = store.validator_proposal(event_id(governed.propose.event));
    REQUIRE(proposal.has_value());
    REQUIRE(proposal->has_value());
    CHECK((*proposal)->adopted_as == std::optional<std::uint64_t>(1));
    CHECK((*proposal)->change == fifth(10));
}

}  // namespace

TEST_CASE("validator store: the set history and proposals are written with the block and survive a reopen") {
    GovernedValidators governed;
    check_validator_state(governed.store, governed);
    { Store closing = std::move(governed.store); }
    Store reopened = test::reopen_store(governed.dir.store());
    check_validator_state(reopened, governed);
    // The reopened store refuses a second approval like the memory ledger does.
    auto refused = admit_event(
        reopened,
        governed.v.sign(governed.v.approve(event_id(governed.propose.event), "BE-POL", t_event3), "be.admin"),
        test::at(t_block5), reopened.genesis());
    REQUIRE(!refused.has_value());
    CHECK(refused.error().rule == rule::proposal_open);
    governed.store = std::move(reopened);
}

TEST_CASE("validator store: blocks and certificates are checked against the set in force at their height") {
    GovernedValidators governed;
    const ValidatorSet& old_set = governed.v.world.genesis.validators;
    governed.v.world.commit({}, t_block5);
    Block block = governed.v.world.ledger->blocks().back();
    auto effects = apply_block(governed.store, block, governed.store.next_block_context());
    REQUIRE(effects.has_value());
    // The old set's signatures hold 4 of 14: the store refuses the certificate.
    auto refused =
        governed.store.append_block(block, certify(block.header, old_set, governed.keys), *effects);
    REQUIRE(!refused.has_value());
    CHECK(refused.error().code == ErrorCode::verification_failed);
    // A header naming the old set is refused by block validation.
    Block stale = block;
    stale.header.validators_hash = old_set.hash();
    auto bad = apply_block(governed.store, stale, governed.store.next_block_context());
    REQUIRE(!bad.has_value());
    CHECK(bad.error().message.find("validators_hash") != std::string::npos);
    // The right certificate is taken.
    auto appended = governed.store.append_block(
        block, certify(block.header, *governed.store.validators_at(Height{5}), governed.keys), *effects);
    CHECK_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().message));
}

TEST_CASE("validator audit: a store whose set changed verifies; an old-set certificate after it does not") {
    GovernedValidators governed;
    const AuditReport report = governed.audit();
    CHECK_MESSAGE(report.verified(), audit_summary(report));
    CHECK(report.blocks == 4);
    CHECK(report.events == 4);

    SUBCASE("block 4 certified by the old set is reported at height 4") {
        const BlockHeader header = governed.store.header(Height{4}).value();
        const Certificate old = certify(header, governed.v.world.genesis.validators, governed.keys);
        REQUIRE(
            governed.store.db().put_raw(store::Column::certificates, store::be64(4), old.note).has_value());
        const AuditReport forged = governed.audit();
        REQUIRE(forged.violation.has_value());
        CHECK(forged.violation->rule == audit_check::certificate);
        CHECK(forged.violation->height == Height{4});
        CHECK(forged.blocks == 3);
    }
    SUBCASE("block 3 certified by the new set (not yet in force) is reported at height 3") {
        const BlockHeader header = governed.store.header(Height{3}).value();
        ValidatorSet only_new;
        only_new.validators = {fifth(10)};
        const Certificate early = certify(header, only_new, governed.keys);
        REQUIRE(
            governed.store.db().put_raw(store::Column::certificates, store::be64(3), early.note).has_value());
        const AuditReport forged = governed.audit();
        REQUIRE(forged.violation.has_value());
        CHECK(forged.violation->rule == audit_check::certificate);
        CHECK(forged.violation->height == Height{3});
    }
    SUBCASE("a stored validator-set record that differs from the replay is found") {
        ValidatorSetRecord record{Height{4}, Height{2}, 1, governed.v.world.genesis.validators};
        const std::string key = std::string(store::meta_key::validators_prefix) + store::be64(4);
        REQUIRE(governed.store.db()
                    .put_raw(store::Column::meta, key, canonical_validator_set_record(record))
                    .has_value());
        const AuditReport forged = governed.audit();
        REQUIRE(forged.violation.has_value());
        CHECK(forged.violation->rule == audit_check::validator_state);
        CHECK(forged.violation->height == Height{4});
    }
    SUBCASE("a stored proposal no event made is found") {
        ValidatorProposal stray{
            EventId{crypto::sha256("stray")}, "NL-POL", fifth(), {"NL-POL"}, 0, std::nullopt, {}};
        REQUIRE(governed.store.db()
                    .put_raw(store::Column::meta,
                             store::officer_key(store::meta_key::proposal_prefix, stray.id.hash.view()),
                             canonical_validator_proposal(stray))
                    .has_value());
        const AuditReport forged = governed.audit();
        REQUIRE(forged.violation.has_value());
        CHECK(forged.violation->rule == audit_check::validator_state);
    }
}

TEST_CASE("validator R24/R29: a key governance made a validator is never added as an officer key") {
    ValidatorWorld v;
    const Envelope propose = v.sign(v.propose(fifth()), "nl.admin");
    v.world.commit({propose}, t_block1);
    v.world.commit({v.sign(v.approve(event_id(propose.event), "DE-BKA"), "de.admin")}, t_block2);
    REQUIRE(v.world.ledger->state().latest_validators().value().set->find(fifth().key) != nullptr);
    const Envelope add =
        v.sign(v.world.officer_event(EventKind::officer_add, fifth().key, "NL-POL", t_block3), "nl.admin");
    CHECK(refused_rule(v.world, add, t_block3) == rule::new_officer);
}

}  // namespace CUSTOS_TEST_FILE
