// Blocks: header checks, events hash, log root, and deterministic application.
#include <doctest/doctest.h>

#include "crypto/canonical_json.hpp"
#include "tests/ledger/ledger_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::at;
using custos::test::LedgerWorld;

namespace {

// The same custody story told in any world: registration, transfer, grant, access, derive,
// a mismatching verify, dispose.
void tell_story(LedgerWorld& world) {
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian"),
                  world.sign(world.register_event("ITEM-2", "2026-02-01T10:00:00.500Z"), "nl.custodian")},
                 "2026-02-01T10:00:01.000Z");
    world.commit(
        {world.sign(
             world.next_event(EventKind::transfer_offer, "ITEM-1", "NL-POL", "2026-02-02T09:00:00.000Z"),
             "nl.custodian"),
         world.sign(world.next_event(EventKind::grant, "ITEM-2", "NL-POL", "2026-02-02T09:00:00.000Z"),
                    "nl.admin")},
        "2026-02-02T09:00:01.000Z");
    Event access = world.next_event(EventKind::access, "ITEM-2", "BE-POL", "2026-02-03T09:00:00.000Z");
    access.action = AccessAction::analyse;
    world.commit({world.sign(world.next_event(EventKind::transfer_accept, "ITEM-1", "DE-BKA",
                                              "2026-02-03T09:00:00.000Z"),
                             "de.custodian"),
                  world.sign(access, "be.custodian")},
                 "2026-02-03T09:00:01.000Z");
    Event mismatch = world.next_event(EventKind::verify, "ITEM-2", "NL-POL", "2026-02-04T09:00:00.000Z");
    mismatch.digests = custos::test::digests_of("tampered");
    world.commit(
        {world.sign(world.next_event(EventKind::derive, "ITEM-1", "DE-BKA", "2026-02-04T09:00:00.000Z"),
                    "de.custodian"),
         world.sign(mismatch, "nl.custodian")},
        "2026-02-04T09:00:01.000Z");
    world.commit(
        {world.sign(world.next_event(EventKind::dispose, "ITEM-1", "DE-BKA", "2026-02-05T09:00:00.000Z"),
                    "de.custodian")},
        "2026-02-05T09:00:01.000Z");
}

Block next_block(LedgerWorld& world, const std::vector<Envelope>& events, const char* time) {
    auto built = world.ledger->build(BlockProposal{events, at(time), "validator-2"});
    REQUIRE_MESSAGE(built.has_value(), (built ? std::string() : built.error().message));
    REQUIRE(built->block.events.size() == events.size());
    return built->block;
}

std::string refusal(LedgerWorld& world, const Block& block) {
    const Height before = world.ledger->height();
    auto applied = world.ledger->apply(block);
    REQUIRE_MESSAGE(!applied, "the block was applied");
    CHECK(world.ledger->height() == before);
    return applied.error().message;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("block: the same blocks give byte-identical state and roots") {
    LedgerWorld first;
    tell_story(first);
    LedgerWorld second;
    tell_story(second);
    CHECK(first.ledger->state().canonical_json() == second.ledger->state().canonical_json());
    CHECK(first.ledger->log_root() == second.ledger->log_root());
    CHECK(first.ledger->blocks() == second.ledger->blocks());

    // A replica fed the first world's blocks reaches the same bytes.
    MemoryLedger replica(first.genesis);
    for (const auto& block : first.ledger->blocks()) {
        // The direct writer gives exactly the canonical text of the block's JSON tree.
        auto tree_text = crypto::canonicalize(block_to_json(block));
        REQUIRE(tree_text.has_value());
        CHECK(canonical_block(block) == *tree_text);
        Block escaped = block;  // Escapes and non-ASCII text too (signatures do not matter here).
        escaped.events.mutable_events().front().event.location =
            "K\u00fcche \"3\"\\ \x01\t \u8a3c\u62e0 \U0001F512";
        CHECK(canonical_block(escaped) == crypto::canonicalize(block_to_json(escaped)).value());
        auto parsed = parse_block(canonical_block(block));
        REQUIRE(parsed.has_value());
        CHECK(*parsed == block);
        auto applied = replica.apply(*parsed);
        REQUIRE_MESSAGE(applied.has_value(), (applied ? std::string() : applied.error().message));
    }
    CHECK(replica.state().canonical_json() == first.ledger->state().canonical_json());
    CHECK(replica.log_root() == first.ledger->log_root());
    CHECK(replica.log_size() == 9);

    const ItemState item2 = first.item("ITEM-2");
    CHECK(item2.integrity_alert);
    CHECK(first.item("ITEM-1").disposed == DisposeOutcome::returned);
    CHECK(first.item("ITEM-1.image").custodian == "DE-BKA");
    // register, offer, accept, derive, dispose
    CHECK(first.ledger->item_trail("ITEM-1").size() == 5);
    CHECK(first.ledger->item_trail("ITEM-1.image").size() == 1);
}

TEST_CASE("block: item states survive their JSON unchanged") {
    LedgerWorld world;
    tell_story(world);
    for (const auto& [id, state] : world.ledger->state().items()) {
        auto parsed = item_state_from_json(crypto::parse_json(canonical_item_state(state)).value());
        REQUIRE_MESSAGE(parsed.has_value(), (parsed ? std::string() : parsed.error().message));
        CHECK(*parsed == state);
    }
}

TEST_CASE("block: effects carry leaves, indexes and the Merkle nodes of the new root") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    Event derive = world.next_event(EventKind::derive, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
    auto effects = world.commit(
        {world.sign(world.register_event("ITEM-2"), "nl.custodian"), world.sign(derive, "nl.custodian")},
        "2026-02-02T00:00:01.000Z");
    REQUIRE(effects.events.size() == 2);
    CHECK(effects.height == Height{2});
    CHECK(effects.hash == block_hash(*world.ledger->last_header()));
    CHECK(effects.events[0].leaf_index == 1);
    CHECK(effects.events[1].leaf_index == 2);
    CHECK(effects.log_size == 3);
    CHECK(effects.events[1].leaf_data == world.ledger->leaves()[2]);
    CHECK(effects.events[1].leaf_hash == crypto::merkle_leaf_hash(as_bytes(effects.events[1].leaf_data)));
    // Items sorted by id: the new item, the derived image, the source.
    REQUIRE(effects.items.size() == 3);
    CHECK(effects.items[0].item == "ITEM-1");
    CHECK(effects.items[1].item == "ITEM-1.image");
    CHECK(effects.items[2].item == "ITEM-2");
    CHECK(effects.item_events.size() == 3);
    CHECK(effects.case_items.size() == 2);
    CHECK(effects.agency_events.size() == 2);
    // The root from an independent tree over the leaves equals the header's root, and an
    // inclusion proof out of the ledger's node store verifies against it.
    crypto::MemoryNodeStore nodes;
    auto tree = crypto::MerkleTree::open(nodes, 0);
    REQUIRE(tree.has_value());
    for (const auto& leaf : world.ledger->leaves())
        tree->append(crypto::merkle_leaf_hash(as_bytes(leaf)));
    CHECK(tree->root() == world.ledger->log_root());
    crypto::MemoryNodeStore ledger_nodes = world.ledger->log_nodes();
    auto ledger_tree = crypto::MerkleTree::open(ledger_nodes, 3);
    REQUIRE(ledger_tree.has_value());
    auto proof = ledger_tree->inclusion_proof(2, 3);
    REQUIRE(proof.has_value());
    CHECK(crypto::verify_inclusion(effects.events[1].leaf_hash, 2, 3, *proof, world.ledger->log_root())
              .has_value());
}

TEST_CASE("block: header links and commitments are checked") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    const Block good = next_block(world, {world.sign(world.register_event("ITEM-2"), "nl.custodian")},
                                  "2026-02-02T00:00:00.000Z");

    Block bad = good;
    bad.header.previous.hash.bytes[0] ^= 1;
    CHECK(contains(refusal(world, bad), "previous"));
    bad = good;
    bad.header.height = Height{3};
    CHECK(contains(refusal(world, bad), "height"));
    bad = good;
    bad.header.time = world.ledger->last_header()->time;
    CHECK(contains(refusal(world, bad), "is not after the previous block"));
    bad = good;
    bad.header.chain_id = "other";
    CHECK(contains(refusal(world, bad), "chain_id"));
    bad = good;
    bad.header.validators_hash.bytes[5] ^= 1;
    CHECK(contains(refusal(world, bad), "validators_hash"));
    bad = good;
    bad.header.proposer = "validator-9";
    CHECK(contains(refusal(world, bad), "proposer"));
    bad = good;
    bad.events.clear();
    CHECK(contains(refusal(world, bad), "events_hash"));
    bad = good;
    bad.header.log_root.bytes[0] ^= 1;
    CHECK(contains(refusal(world, bad), "log_root"));
    bad = good;
    bad.header.log_size += 1;
    CHECK(contains(refusal(world, bad), "log_size"));
    bad = good;
    bad.header.state_root.bytes[0] ^= 1;
    CHECK(contains(refusal(world, bad), "state_root"));
    bad = good;
    bad.events.mutable_events()[0].signature.bytes[10] ^= 1;
    CHECK(contains(refusal(world, bad), "R2 sig"));
    CHECK(world.ledger->apply(good).has_value());
}

TEST_CASE("block: an event breaking a rule refuses the block, naming event and rule") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    Block block = next_block(world, {world.sign(world.register_event("ITEM-2"), "nl.custodian")},
                             "2026-02-02T00:00:00.000Z");
    // Written around the rule engine: DE-BKA verifies an item NL-POL holds.
    block.events.push_back(world.sign(
        world.next_event(EventKind::verify, "ITEM-1", "DE-BKA", "2026-02-01T12:00:00.000Z"), "de.custodian"));
    block.header.events_hash = events_hash(std::span<const Envelope>(block.events));
    const std::string message = refusal(world, block);
    CHECK(contains(message, "block 2: event 1 ("));
    CHECK(contains(message, "R15 event.agency"));
}

TEST_CASE("block: a proposer's byte cap below the genesis limit defers what does not fit") {
    LedgerWorld world;
    std::vector<Envelope> events;
    std::uint64_t first_two = 0;
    for (int i = 0; i < 3; ++i) {
        events.push_back(world.sign(world.register_event("ITEM-" + std::to_string(i)), "nl.custodian"));
        if (i < 2) first_two += canonical_envelope(events.back()).size();
    }
    REQUIRE(first_two < world.genesis.params.block_bytes_max);
    BlockProposal proposal{events, at("2026-02-02T00:00:00.000Z"), "validator-1"};
    proposal.bytes_max = first_two;  // Room for exactly the first two.
    auto built = world.ledger->build(proposal);
    REQUIRE(built.has_value());
    CHECK(built->block.events.size() == 2);
    REQUIRE(built->deferred.size() == 1);
    CHECK(built->deferred[0] == event_id(events[2].event));
    // A cap above the genesis limit does not raise it; 0 means the genesis limit alone.
    world.genesis.params.block_bytes_max = first_two;
    world.ledger = std::make_unique<MemoryLedger>(world.genesis);
    proposal.bytes_max = first_two * 10;
    auto capped = world.ledger->build(proposal);
    REQUIRE(capped.has_value());
    CHECK(capped->block.events.size() == 2);
    proposal.bytes_max = 0;
    auto genesis_only = world.ledger->build(proposal);
    REQUIRE(genesis_only.has_value());
    CHECK(genesis_only->block.events.size() == 2);
}

TEST_CASE("block: a candidate deferred for want of room holds back every later one, in order") {
    // Candidates as a pool holds them: a register of ITEM-1, a register of ITEM-2 and a verify of
    // ITEM-2 chained on it, and a verify of ITEM-0 (committed before). The cap leaves room for
    // ITEM-1's register and one verify: not for ITEM-2's register (larger than a verify).
    LedgerWorld world;
    const Envelope register0 = world.sign(world.register_event("ITEM-0"), "nl.custodian");
    world.commit({register0}, "2026-02-01T10:00:01.000Z");
    const Envelope register1 = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const Envelope register2 = world.sign(world.register_event("ITEM-2"), "nl.custodian");
    Event verify = world.next_event(EventKind::verify, "ITEM-2", "NL-POL", "2026-02-01T10:00:02.000Z");
    verify.prev = event_id(register2.event);
    const Envelope verify2 = world.sign(verify, "nl.custodian");
    verify = world.next_event(EventKind::verify, "ITEM-0", "NL-POL", "2026-02-01T10:00:02.000Z");
    verify.prev = event_id(register0.event);
    const Envelope verify0 = world.sign(verify, "nl.custodian");
    const auto size = [](const Envelope& envelope) { return canonical_envelope(envelope).size(); };
    REQUIRE(size(verify2) == size(verify0));
    REQUIRE(size(verify2) < size(register2));
    BlockProposal proposal{
        {register1, register2, verify2, verify0}, at("2026-02-02T00:00:00.000Z"), "validator-1"};
    proposal.bytes_max = size(register1) + size(verify0);
    auto built = world.ledger->build(proposal);
    REQUIRE(built.has_value());
    // The verify of ITEM-2 waits with its register instead of being checked without it and
    // dropped (a pool drops what build_block drops: an admitted event would be lost). So does the
    // verify of ITEM-0, though it would fit: a later candidate can depend on a deferred one in
    // ways other than its item (an officer's first event after the officer.add), so nothing
    // overtakes the first candidate that waits.
    CHECK(built->dropped.empty());
    REQUIRE(built->block.events.size() == 1);
    CHECK(event_id(built->block.events[0].event) == event_id(register1.event));
    REQUIRE(built->deferred.size() == 3);
    CHECK(built->deferred[0] == event_id(register2.event));
    CHECK(built->deferred[1] == event_id(verify2.event));
    CHECK(built->deferred[2] == event_id(verify0.event));
    // Next block: all three fit, in order.
    REQUIRE(world.ledger->apply(built->block).has_value());
    proposal.candidates = {register2, verify2, verify0};
    proposal.time = at("2026-02-02T00:00:01.000Z");
    proposal.bytes_max = 0;
    auto next = world.ledger->build(proposal);
    REQUIRE(next.has_value());
    CHECK(next->dropped.empty());
    CHECK(next->block.events.size() == 3);
}

TEST_CASE("block: limits of the genesis hold") {
    LedgerWorld world;
    world.genesis.params.block_events_max = 2;
    world.ledger = std::make_unique<MemoryLedger>(world.genesis);
    std::vector<Envelope> events;
    for (int i = 0; i < 3; ++i)
        events.push_back(world.sign(world.register_event("ITEM-" + std::to_string(i)), "nl.custodian"));
    auto built = world.ledger->build(BlockProposal{events, at("2026-02-02T00:00:00.000Z"), "validator-1"});
    REQUIRE(built.has_value());
    CHECK(built->block.events.size() == 2);
    REQUIRE(built->deferred.size() == 1);
    CHECK(built->deferred[0] == event_id(events[2].event));
    Block over = built->block;
    over.events = events;
    over.header.events_hash = events_hash(std::span<const Envelope>(over.events));
    CHECK(contains(refusal(world, over), "block_events_max"));
}

TEST_CASE("block: the first block follows genesis") {
    LedgerWorld world;
    auto early = world.ledger->build(BlockProposal{{}, at("2025-12-31T23:59:59.999Z"), "validator-1"});
    CHECK(!early);
    auto built = world.ledger->build(BlockProposal{{}, at("2026-01-01T00:00:00.000Z"), "validator-1"});
    REQUIRE(built.has_value());
    CHECK(built->block.header.previous == BlockHash{});
    CHECK(built->block.header.height == Height{1});
    CHECK(built->block.header.log_root == crypto::merkle_empty_root());
    CHECK(built->block.header.events_hash == crypto::sha256(std::string_view("")));
    auto header = block_header_from_json(block_header_to_json(built->block.header));
    REQUIRE(header.has_value());
    CHECK(*header == built->block.header);
}

TEST_CASE("block: copies share their envelopes until one is changed, and never see the other's change") {
    LedgerWorld world;
    Block original;
    original.events.push_back(world.sign(world.register_event("ITEM-1"), "nl.custodian"));
    original.events.push_back(world.sign(world.register_event("ITEM-2"), "nl.custodian"));
    const Block copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(copy.events.data() == original.events.data());  // Shared, not copied.
    CHECK(copy == original);

    original.events.mutable_events()[0].event.location = "changed";
    CHECK(copy.events.data() != original.events.data());
    CHECK(copy.events[0].event.location != "changed");
    CHECK(original.events[0].event.location == "changed");
    CHECK_FALSE(copy == original);

    Block appended = copy;
    appended.events.push_back(world.sign(world.register_event("ITEM-3"), "nl.custodian"));
    CHECK(copy.events.size() == 2);
    CHECK(appended.events.size() == 3);
    appended.events.clear();
    CHECK(appended.events.empty());
    CHECK(copy.events.size() == 2);
    CHECK(Block{} == appended);  // An emptied list equals one that never held events.
}

TEST_CASE("block: the canonical block from apply_block's envelopes is canonical_block()'s text") {
    LedgerWorld world;
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:01.000Z");
    Event derive = world.next_event(EventKind::derive, "ITEM-1", "NL-POL", "2026-02-02T00:00:00.000Z");
    auto built = world.ledger->build(BlockProposal{
        {world.sign(world.register_event("ITEM-2"), "nl.custodian"), world.sign(derive, "nl.custodian")},
        at("2026-02-02T00:00:01.000Z"),
        "validator-2"});
    REQUIRE(built.has_value());
    REQUIRE(built->block.events.size() == 2);
    const std::string text = canonical_block(built->block.header, built->effects);
    CHECK(text == canonical_block(built->block));
    auto parsed = parse_block(text);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == built->block);
}

}  // namespace CUSTOS_TEST_FILE
