// The mempool (consensus/runtime/mempool.hpp): admission and a follower's re-check of a proposal
// over a real node's store (a Byzantine proposer's bad event gets an invalid verdict), and what a
// commit re-checks over a LedgerWorld's state.
#include <doctest/doctest.h>

#include "consensus/runtime/log.hpp"
#include "consensus/runtime/node_impl.hpp"
#include "crypto/encoding.hpp"
#include "ledger/blocks/block.hpp"
#include "tests/ledger/ledger_fixture.hpp"
#include "tests/runtime/node_directory.hpp"

using namespace custos;
using namespace custos::runtime_test;

TEST_CASE("mempool and proposal checks over a real node's store") {
    NodeDirectory net;
    runtime::NodeImpl node;
    open_node0(net, node);

    const auto [first, second] = two_registers(net);

    SUBCASE("admission: duplicates, bad signature, full pool") {
        REQUIRE(node.admit(first, true).has_value());
        auto duplicate = node.admit(first, true);
        REQUIRE_FALSE(duplicate.has_value());
        CHECK(duplicate.error().code == ErrorCode::already_exists);

        auto forged = second;
        forged.signature.bytes[0] ^= 1;
        auto refused = node.admit(forged, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::verification_failed);
        CHECK(node.mempool->size() == 1);

        runtime::Mempool small(*node.store, node.genesis, runtime::mempool_limits(1, 1 << 20));
        auto bytes = ledger::event_bytes(first);
        REQUIRE(small.admit(runtime::PendingEvent{first, bytes.id, 100}, ledger::TimeMs{node.now_ms()})
                    .has_value());
        auto other = ledger::event_bytes(second);
        auto full = small.admit(runtime::PendingEvent{second, other.id, 100}, ledger::TimeMs{node.now_ms()});
        REQUIRE_FALSE(full.has_value());
        CHECK(full.error().code == ErrorCode::resource_exhausted);
        small.remove_and_recheck({bytes.id}, ledger::TimeMs{node.now_ms()});
        CHECK(small.empty());
    }

    SUBCASE("an admitted event the pool lets go is logged (event_dropped) and counted") {
        REQUIRE(node.admit(first, true).has_value());
        std::vector<std::string> lines;
        runtime::set_log_sink([&lines](std::string_view line) { lines.emplace_back(line); });
        node.log_pool_drops("commit", 5);  // Nothing dropped: nothing logged.
        CHECK(lines.empty());
        // A re-check at a clock long before the event's time refuses it (R8, ahead of ledger time).
        CHECK(node.mempool->remove_and_recheck({}, ledger::TimeMs{0}) == 1);
        node.log_pool_drops("commit", 5);
        // And what build_block left out of a proposal, as the proposer's pool drops it.
        const auto second_id = ledger::event_bytes(second).id;
        std::vector<runtime::PoolDrop> left_out;
        left_out.push_back(runtime::PoolDrop{
            ledger::DroppedEvent{second_id, ledger::RuleError{.rule = ledger::rule::prev_is_head,
                                                              .field = "event.prev",
                                                              .reason = "not the head"}},
            second});
        node.log_pool_drops("proposal", 6, std::move(left_out));
        runtime::set_log_sink({});
        REQUIRE(lines.size() == 2);
        const auto has = [](const std::string& line, const std::string& part) {
            return line.find(part) != std::string::npos;
        };
        CHECK(has(lines[0], "level=warn event=event_dropped"));
        CHECK(has(lines[0], "id=" + ledger::event_id_hex(ledger::event_bytes(first).id)));
        CHECK(has(lines[0], "cause=commit by=recheck height=5 rule=8 "));
        CHECK(has(lines[1], "id=" + ledger::event_id_hex(second_id)));
        CHECK(has(lines[1],
                  "cause=proposal by=build_block height=6 rule=10 reason=\"R10 event.prev: not the head\""));
        CHECK(node.counters.events_dropped == 2);
        CHECK(node.mempool->empty());

        // What GET /v1/events/{id} answers for each (Node::dropped), until it is admitted again.
        const auto first_id = ledger::event_bytes(first).id;
        const runtime::DroppedRecord* record = node.dropped_events.find(first_id.hash);
        REQUIRE(record != nullptr);
        // Of the envelope, what the API's reader check reads, and no more.
        CHECK(record->envelope.event.kind == first.event.kind);
        CHECK(record->envelope.event.item == first.event.item);
        CHECK(record->envelope.event.case_id == first.event.case_id);
        CHECK(record->envelope.event.agency == first.event.agency);
        REQUIRE(first.event.description.has_value());
        CHECK_FALSE(record->envelope.event.description.has_value());
        CHECK(record->why.rfind("R8 ", 0) == 0);  // The rule first: the API names it (problem.rule).
        CHECK(has(record->why,
                  " (this node admitted the event and later let it go from its pool uncommitted, when the "
                  "block at height 5 was committed; no block this node has committed holds it;"));
        record = node.dropped_events.find(second_id.hash);
        REQUIRE(record != nullptr);
        CHECK(record->envelope.event.item == second.event.item);
        CHECK(record->why.rfind("R10 event.prev: not the head (this node admitted the event", 0) == 0);
        CHECK(has(record->why, "when building the proposal for height 6; no block"));
        REQUIRE(node.admit(first, true).has_value());
        CHECK(node.dropped_events.find(first_id.hash) == nullptr);
        CHECK(node.dropped_events.find(second_id.hash) != nullptr);
    }

    SUBCASE("the read records' share is a quarter of the configured pool, not of the default one") {
        CHECK(node.mempool->limits().events_max == runtime::mempool_events_max_default);
        CHECK(node.mempool->limits().reads_max == runtime::mempool_events_max_default / 4);
        runtime::NodeImpl small;
        NodeDirectory other;
        open_node0(other, small, 100);
        CHECK(small.mempool->limits().events_max == 100);
        CHECK(small.mempool->limits().reads_max == 25);
        CHECK(runtime::mempool_limits(3, 1 << 20).reads_max == 0);
        CHECK(runtime::mempool_limits(100'000, 1 << 20).reads_max == 25'000);
    }

    SUBCASE("a full pool refuses before the signature check") {
        node.mempool = std::make_unique<runtime::Mempool>(*node.store, node.genesis,
                                                          runtime::mempool_limits(1, 1 << 20));
        REQUIRE(node.admit(first, true).has_value());
        // A forged event is refused as "full", not as forged: its signature was never checked.
        auto forged = second;
        forged.signature.bytes[0] ^= 1;
        auto refused = node.admit(forged, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::resource_exhausted);
        // A valid one is refused alike, and it is not remembered as verified.
        refused = node.admit(second, true);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::resource_exhausted);
        CHECK(node.verified_leaves.count(leaf_of(second)) == 0);
    }

    SUBCASE("a follower refuses a proposal carrying a forged or invalid event") {
        auto context = node.store->next_block_context();
        auto built = ledger::build_block(
            *node.store,
            ledger::BlockProposal{
                {first, second}, ledger::TimeMs{node.now_ms()}, node.genesis.validators.validators[1].name},
            context);
        REQUIRE(built.has_value());
        REQUIRE(built->block.events.size() == 2);
        const auto id = ledger::block_hash(built->block.header);
        CHECK(node.validate_block(built->block, id));

        // A Byzantine proposer's block: an event this node has just verified (that very id)
        // under a forged signature, in a header made for it (log root included). The envelope is
        // checked on its own: verified envelopes are remembered by leaf hash (the whole
        // envelope), not by event id, which leaves the signature and the signer out.
        node.cached_effects.reset();
        auto tampered = second;
        tampered.signature.bytes[5] ^= 1;
        auto unchecked = node.store->next_block_context();
        unchecked.verify_signatures = false;
        auto forged = ledger::build_block(
            *node.store,
            ledger::BlockProposal{
                {first, tampered}, built->block.header.time, node.genesis.validators.validators[1].name},
            unchecked);
        REQUIRE(forged.has_value());
        REQUIRE(forged->block.events.size() == 2);
        CHECK(forged->block.header.events_hash == built->block.header.events_hash);
        CHECK_FALSE(node.validate_block(forged->block, ledger::block_hash(forged->block.header)));

        // An event the rules refuse (a second register of the same item).
        auto doubled = built->block;
        doubled.events.mutable_events()[1] = doubled.events[0];
        doubled.header.events_hash = ledger::events_hash(doubled.events);
        CHECK_FALSE(node.validate_block(doubled, ledger::block_hash(doubled.header)));
    }
}

namespace {

// A mempool over a LedgerWorld's committed state, at a fixed clock: what the mempool test cases
// below share.
struct PoolWorld {
    custos::test::LedgerWorld world;
    runtime::Mempool pool{world.ledger->state(), world.genesis};
    const ledger::TimeMs now = custos::test::at("2026-02-01T10:00:05.000Z");

    // Admits `envelope` (it must pass) and returns its id.
    ledger::EventId pend(const ledger::Envelope& envelope) {
        const auto id = ledger::event_bytes(envelope).id;
        REQUIRE(pool.admit(runtime::PendingEvent{envelope, id, 600}, now).has_value());
        return id;
    }
    // A verify of `item` by NL-POL chained on `prev`, signed by its custodian.
    ledger::Envelope verify_after(const char* item, const ledger::EventId& prev, const char* time) {
        ledger::Event event = world.next_event(ledger::EventKind::verify, item, "NL-POL", time);
        event.prev = prev;
        return world.sign(event, "nl.custodian");
    }
};

}  // namespace

TEST_CASE_FIXTURE(
    PoolWorld,
    "mempool: committing the pool's own oldest events re-checks nothing; a foreign event re-checks its "
    "item") {
    // ITEM-1: a register and two verifies chained on it, all pending; ITEM-2: a register.
    const auto register1 = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const auto register1_id = pend(register1);
    const auto verify1_id = pend(verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.000Z"));
    const auto verify2_id = pend(verify_after("ITEM-1", verify1_id, "2026-02-01T10:00:02.000Z"));
    pend(world.sign(world.register_event("ITEM-2"), "nl.custodian"));
    REQUIRE(pool.size() == 4);

    // The block holds the oldest pending event of ITEM-1: the verifies were admitted against
    // exactly the state it leaves, so nothing is checked again.
    auto effects = world.commit({register1}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({register1_id}, now, &effects) == 0);
    CHECK(pool.last_rechecked() == 0);
    CHECK(pool.size() == 3);
    // The pending state of ITEM-1 is still the one after the second verify: a verify chained on
    // it is admitted, one chained on the first verify is not.
    const auto stale = verify_after("ITEM-1", verify1_id, "2026-02-01T10:00:02.500Z");
    CHECK_FALSE(
        pool.admit(runtime::PendingEvent{stale, ledger::event_bytes(stale).id, 600}, now).has_value());
    const auto verify3 = verify_after("ITEM-1", verify2_id, "2026-02-01T10:00:02.600Z");
    const auto verify3_id = pend(verify3);
    CHECK(pool.size() == 4);

    // Another node's verify on ITEM-1 (not in this pool) moves its head: both pending verifies
    // are checked again and refused (their prev is no longer the head); ITEM-2 is not touched.
    const auto foreign = verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.500Z");
    effects = world.commit({foreign}, "2026-02-01T10:00:04.000Z");
    CHECK(pool.take_dropped().empty());  // Nothing dropped before.
    CHECK(pool.remove_and_recheck({ledger::event_bytes(foreign).id}, now, &effects) == 3);
    CHECK(pool.last_rechecked() == 3);
    CHECK(pool.size() == 1);
    CHECK_FALSE(pool.contains(verify3_id));
    // Which were dropped, in order, and the rule each failed (what the node logs, event_dropped).
    const auto dropped = pool.take_dropped();
    REQUIRE(dropped.size() == 3);
    CHECK(dropped[0].event.id == verify1_id);
    CHECK(dropped[1].event.id == verify2_id);
    CHECK(dropped[2].event.id == verify3_id);
    for (const auto& drop : dropped) {
        CHECK(drop.event.error.rule == ledger::rule::prev_is_head);
        CHECK(ledger::event_bytes(drop.envelope).id == drop.event.id);
    }
    CHECK(pool.take_dropped().empty());  // Taken once.
    // ITEM-1 reads the committed state again: a verify chained on the foreign event is admitted.
    pend(verify_after("ITEM-1", ledger::event_bytes(foreign).id, "2026-02-01T10:00:04.500Z"));
    CHECK(pool.size() == 2);
}

TEST_CASE_FIXTURE(PoolWorld,
                  "mempool: a foreign event in a block re-checks only the pending events on its own items") {
    // ITEM-1 and ITEM-2: a register and a verify chained on it each, all pending.
    const auto register1 = world.sign(world.register_event("ITEM-1"), "nl.custodian");
    const auto register1_id = pend(register1);
    const auto verify1_id = pend(verify_after("ITEM-1", register1_id, "2026-02-01T10:00:01.000Z"));
    const auto register2 = world.sign(world.register_event("ITEM-2"), "nl.custodian");
    const auto register2_id = pend(register2);
    pend(verify_after("ITEM-2", register2_id, "2026-02-01T10:00:01.100Z"));
    REQUIRE(pool.size() == 4);

    // The block holds this pool's register of ITEM-1 and another node's register of ITEM-3,
    // which this pool never saw: the verify pending on ITEM-1 was admitted against exactly the
    // state the block leaves, so nothing is checked again.
    const auto register3 = world.sign(world.register_event("ITEM-3"), "nl.custodian");
    auto effects = world.commit({register1, register3}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({register1_id, ledger::event_bytes(register3).id}, now, &effects) == 0);
    CHECK(pool.last_rechecked() == 0);
    CHECK(pool.size() == 3);
    CHECK(pool.contains(verify1_id));

    // The block holds this pool's register of ITEM-2 and, after it, another node's verify on
    // ITEM-2: that item moved in a way this pool did not expect, so its pending verify (chained
    // on the register, no longer the head) is checked again and dropped; ITEM-1's is not touched.
    const auto foreign = verify_after("ITEM-2", register2_id, "2026-02-01T10:00:01.200Z");
    effects = world.commit({register2, foreign}, "2026-02-01T10:00:04.000Z");
    CHECK(pool.remove_and_recheck({register2_id, ledger::event_bytes(foreign).id}, now, &effects) == 1);
    CHECK(pool.last_rechecked() == 1);
    CHECK(pool.size() == 1);
    CHECK(pool.contains(verify1_id));
}

TEST_CASE_FIXTURE(PoolWorld,
                  "mempool: a commit re-checks the events on items tied to its items by a pending derive") {
    world.commit({world.sign(world.register_event("ITEM-1"), "nl.custodian")}, "2026-02-01T10:00:00.500Z");
    // Pending: a derive of ITEM-1 into ITEM-1.image (it touches both), a verify of the image
    // chained on it, and an unrelated register.
    const auto derive_id = pend(world.sign(
        world.next_event(ledger::EventKind::derive, "ITEM-1", "NL-POL", "2026-02-01T10:00:01.000Z"),
        "nl.custodian"));
    ledger::Event verify_image =
        world.next_event(ledger::EventKind::verify, "ITEM-1.image", "NL-POL", "2026-02-01T10:00:02.000Z");
    verify_image.prev = derive_id;
    const auto verify_image_id = pend(world.sign(verify_image, "nl.custodian"));
    const auto register2_id = pend(world.sign(world.register_event("ITEM-2"), "nl.custodian"));
    REQUIRE(pool.size() == 3);

    // Another node's verify of ITEM-1 commits: the derive is refused (its prev is no longer the
    // head), and so is the verify of the image it would have made, although the block never named
    // ITEM-1.image; the register of ITEM-2 is not checked again.
    const auto foreign = world.sign(
        world.next_event(ledger::EventKind::verify, "ITEM-1", "NL-POL", "2026-02-01T10:00:01.500Z"),
        "nl.custodian");
    auto effects = world.commit({foreign}, "2026-02-01T10:00:03.000Z");
    CHECK(pool.remove_and_recheck({ledger::event_bytes(foreign).id}, now, &effects) == 2);
    CHECK(pool.last_rechecked() == 2);
    CHECK_FALSE(pool.contains(derive_id));
    CHECK_FALSE(pool.contains(verify_image_id));
    CHECK(pool.contains(register2_id));
    // The overlay forgot the image: a derive from the new head may create it again.
    pend(world.sign(
        world.next_event(ledger::EventKind::derive, "ITEM-1", "NL-POL", "2026-02-01T10:00:04.000Z"),
        "nl.custodian"));
    CHECK(pool.size() == 2);
}

namespace {

ledger::EventId event_named(std::uint8_t n) {
    ledger::EventId id;
    id.hash.bytes[0] = n;
    return id;
}

}  // namespace

TEST_CASE(
    "mempool: the items a block changed unexpectedly are those not only the pool's own events changed") {
    // A block changed items A, B and C; its item index names event 1 on A, event 2 on B and
    // event 3 on C, and it holds a read record (event 4) that names no item.
    ledger::BlockEffects block;
    for (const char* item : {"A", "B", "C"})
        block.items.push_back(ledger::ItemState{.item = item});
    block.item_events = {{.item = "A", .event = event_named(1)},
                         {.item = "B", .event = event_named(2)},
                         {.item = "C", .event = event_named(3)}};
    block.reads = {{.event = event_named(4)}};

    runtime::CommittedFromPool from_pool;
    from_pool.removed_seq = {{"A", 0}, {"B", 1}};  // The pool's own events 1 and 2.
    // C: no pool event touched it.
    CHECK(runtime::unexpected_items(block, from_pool) == runtime::ItemSet{"C"});

    // Event 3 was another node's: still only C; a foreign read record changes no item.
    from_pool.foreign = {event_named(3), event_named(4)};
    CHECK(runtime::unexpected_items(block, from_pool) == runtime::ItemSet{"C"});

    // Another node's event on B beside the pool's: B too.
    block.item_events.push_back({.item = "B", .event = event_named(5)});
    from_pool.foreign.insert(event_named(5));
    CHECK(runtime::unexpected_items(block, from_pool) == runtime::ItemSet{"B", "C"});

    // A foreign event the block's index does not name: nothing is known to be as expected.
    from_pool.foreign.insert(event_named(6));
    CHECK(runtime::unexpected_items(block, from_pool) == runtime::ItemSet{"A", "B", "C"});
}
