// The store's read indexes kept in each block's batch: the inbox (meta "offer/",
// Store::pending_offers): a transfer offer appears under its recipient when its block is appended
// and disappears with the accept, reject or cancel that ends it, also when both are in one block,
// and the index survives a reopen; and the search by evidence digest (meta "digest/",
// Store::events_with_digest); and the cases of each agency (meta "case/", Store::agency_cases).
#include <doctest/doctest.h>

#include "ledger/blocks/block.hpp"
#include "ledger/store/store.hpp"
#include "tests/ledger/ledger_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace custos::test::CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

namespace {

using namespace ledger;

class OfferWorld {
public:
    OfferWorld() : store(create_store(directory.store(), world.genesis)) {}

    // Commits to the world's memory ledger (which next_event reads) and appends the same block,
    // certified by three validators, to the store.
    void commit(const std::vector<Envelope>& envelopes, const char* time) {
        world.commit(envelopes, time);
        const Block& block = world.ledger->blocks().back();
        auto effects = apply_block(store, block, store.next_block_context());
        REQUIRE_MESSAGE(effects.has_value(), (effects ? std::string() : effects.error().to_string()));
        crypto::Note note;
        note.body = checkpoint_body(block.header, block_hash(block.header), Round{0});
        for (std::size_t index : {0, 1, 2}) {
            auto line = crypto::sign_note(note.body, world.genesis.validators.validators[index].name,
                                          world.validator_keys[index]);
            REQUIRE(line.has_value());
            note.signatures.push_back(*line);
        }
        auto appended = store.append_block(block, Certificate{crypto::format_note(note)}, *effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().to_string()));
    }

    Envelope offer(const std::string& item, const std::string& from, const std::string& to, const char* time,
                   const std::string& handle) {
        Event event = world.next_event(EventKind::transfer_offer, item, from, time);
        event.recipient = to;
        return world.sign(event, handle);
    }

    Envelope next(EventKind kind, const std::string& item, const std::string& agency, const char* time,
                  const std::string& handle) {
        return world.sign(world.next_event(kind, item, agency, time), handle);
    }

    // "ITEM=offer-id-prefix" per pending offer to `agency`, in the store's order.
    std::vector<std::string> inbox(const Store& from, const std::string& agency,
                                   const std::string& after = "", std::size_t limit = 100) const {
        auto entries = from.pending_offers(agency, after, limit);
        REQUIRE_MESSAGE(entries.has_value(), (entries ? std::string() : entries.error().to_string()));
        std::vector<std::string> out;
        for (const auto& entry : *entries)
            out.push_back(entry.item + "=" + event_id_hex(entry.offer).substr(0, 8));
        return out;
    }

    LedgerWorld world;
    TempDir directory;
    Store store;
};

std::string short_id(const Envelope& envelope) {
    return event_id_hex(event_id(envelope.event)).substr(0, 8);
}

}  // namespace

TEST_CASE("store: pending offers by recipient, ended by accept, reject and cancel, paginated, persisted") {
    OfferWorld w;
    w.commit({w.world.sign(w.world.register_event("ITEM-1"), "nl.custodian"),
              w.world.sign(w.world.register_event("ITEM-2"), "nl.custodian"),
              w.world.sign(w.world.register_event("ITEM-10"), "nl.custodian")},
             "2026-02-01T10:00:01.000Z");
    CHECK(w.inbox(w.store, "DE-BKA").empty());

    const Envelope offer1 = w.offer("ITEM-1", "NL-POL", "DE-BKA", "2026-02-02T08:00:00.000Z", "nl.custodian");
    const Envelope offer2 = w.offer("ITEM-2", "NL-POL", "DE-BKA", "2026-02-02T08:00:00.000Z", "nl.custodian");
    const Envelope offer10 =
        w.offer("ITEM-10", "NL-POL", "BE-POL", "2026-02-02T08:00:00.000Z", "nl.custodian");
    w.commit({offer1, offer2, offer10}, "2026-02-02T08:00:01.000Z");
    CHECK(w.inbox(w.store, "DE-BKA") ==
          std::vector<std::string>{"ITEM-1=" + short_id(offer1), "ITEM-2=" + short_id(offer2)});
    CHECK(w.inbox(w.store, "BE-POL") == std::vector<std::string>{"ITEM-10=" + short_id(offer10)});
    CHECK(w.inbox(w.store, "NL-POL").empty());
    // Pages: a limit, then a cursor (the last item of the previous page).
    CHECK(w.inbox(w.store, "DE-BKA", "", 1) == std::vector<std::string>{"ITEM-1=" + short_id(offer1)});
    CHECK(w.inbox(w.store, "DE-BKA", "ITEM-1", 1) == std::vector<std::string>{"ITEM-2=" + short_id(offer2)});
    CHECK(w.inbox(w.store, "DE-BKA", "ITEM-2", 1).empty());

    // Accepted by the recipient, cancelled by the custodian (an offer of an earlier block), rejected.
    w.commit(
        {w.next(EventKind::transfer_accept, "ITEM-1", "DE-BKA", "2026-02-03T08:00:00.000Z", "de.custodian"),
         w.world.sign(
             [&] {
                 Event cancel = w.world.next_event(EventKind::transfer_cancel, "ITEM-2", "NL-POL",
                                                   "2026-02-03T08:00:00.000Z");
                 cancel.reason = "sent by mistake";
                 return cancel;
             }(),
             "nl.custodian"),
         w.world.sign(
             [&] {
                 Event reject = w.world.next_event(EventKind::transfer_reject, "ITEM-10", "BE-POL",
                                                   "2026-02-03T08:00:00.000Z");
                 return reject;
             }(),
             "be.custodian")},
        "2026-02-03T08:00:01.000Z");
    CHECK(w.inbox(w.store, "DE-BKA").empty());
    CHECK(w.inbox(w.store, "BE-POL").empty());

    // One block: DE-BKA (now the custodian) offers ITEM-1 to NL-POL and cancels it; NL-POL offers
    // ITEM-2 to BE-POL. Only the last stays.
    const Envelope back = w.offer("ITEM-1", "DE-BKA", "NL-POL", "2026-02-04T08:00:00.000Z", "de.custodian");
    Event cancel_back =
        w.world.next_event(EventKind::transfer_cancel, "ITEM-1", "DE-BKA", "2026-02-04T08:00:00.000Z");
    cancel_back.prev = event_id(back.event);
    const Envelope offer2_again =
        w.offer("ITEM-2", "NL-POL", "BE-POL", "2026-02-04T08:00:00.000Z", "nl.custodian");
    w.commit({back, w.world.sign(cancel_back, "de.custodian"), offer2_again}, "2026-02-04T08:00:01.000Z");
    CHECK(w.inbox(w.store, "NL-POL").empty());
    CHECK(w.inbox(w.store, "BE-POL") == std::vector<std::string>{"ITEM-2=" + short_id(offer2_again)});

    // The index is in the store, not in memory.
    { Store closed = std::move(w.store); }
    Store reopened = reopen_store(w.directory.store());
    CHECK(w.inbox(reopened, "BE-POL") == std::vector<std::string>{"ITEM-2=" + short_id(offer2_again)});
    CHECK(w.inbox(reopened, "DE-BKA").empty());
}

TEST_CASE("store: the cases of each agency: who registered, was offered, accepted; paginated, persisted") {
    OfferWorld w;
    auto cases = [&](const Store& from, const std::string& agency, const std::string& after = "",
                     std::size_t limit = 100) {
        auto found = from.agency_cases(agency, after, limit);
        REQUIRE_MESSAGE(found.has_value(), (found ? std::string() : found.error().to_string()));
        return *found;
    };
    Event other = w.world.register_event("ITEM-2");
    other.case_id = "CASE-10";
    Event third = w.world.register_event("ITEM-3");
    third.case_id = "CASE-2";
    w.commit({w.world.sign(w.world.register_event("ITEM-1"), "nl.custodian"),
              w.world.sign(other, "nl.custodian"), w.world.sign(third, "nl.custodian")},
             "2026-02-01T10:00:01.000Z");
    // Key order: shorter ids first, then bytewise.
    CHECK(cases(w.store, "NL-POL") == std::vector<std::string>{"CASE-1", "CASE-2", "CASE-10"});
    CHECK(cases(w.store, "DE-BKA").empty());
    CHECK(cases(w.store, "NL-POL", "", 2) == std::vector<std::string>{"CASE-1", "CASE-2"});
    CHECK(cases(w.store, "NL-POL", "CASE-2", 2) == std::vector<std::string>{"CASE-10"});
    CHECK(cases(w.store, "NL-POL", "CASE-10").empty());

    // An offer makes its recipient part of the case at once, even one that rejects it.
    Event offer_other =
        w.world.next_event(EventKind::transfer_offer, "ITEM-2", "NL-POL", "2026-02-02T08:00:00.000Z");
    offer_other.case_id = "CASE-10";
    offer_other.recipient = "BE-POL";
    w.commit({w.offer("ITEM-1", "NL-POL", "DE-BKA", "2026-02-02T08:00:00.000Z", "nl.custodian"),
              w.world.sign(offer_other, "nl.custodian")},
             "2026-02-02T08:00:01.000Z");
    Event reject =
        w.world.next_event(EventKind::transfer_reject, "ITEM-2", "BE-POL", "2026-02-03T08:00:00.000Z");
    reject.case_id = "CASE-10";
    w.commit({w.world.sign(reject, "be.custodian")}, "2026-02-03T08:00:01.000Z");
    CHECK(cases(w.store, "DE-BKA") == std::vector<std::string>{"CASE-1"});
    CHECK(cases(w.store, "BE-POL") == std::vector<std::string>{"CASE-10"});

    { Store closed = std::move(w.store); }
    Store reopened = reopen_store(w.directory.store());
    CHECK(cases(reopened, "NL-POL") == std::vector<std::string>{"CASE-1", "CASE-2", "CASE-10"});
    CHECK(cases(reopened, "BE-POL") == std::vector<std::string>{"CASE-10"});
}

TEST_CASE("store: events by evidence digest, in log order from a leaf, for every kind that records one") {
    OfferWorld w;
    const Digests content = digests_of("content of ITEM-1");  // register_event's digests
    w.commit({w.world.sign(w.world.register_event("ITEM-1"), "nl.custodian"),
              w.world.sign(w.world.register_event("ITEM-2"), "nl.custodian")},
             "2026-02-01T10:00:01.000Z");
    Event access = w.world.next_event(EventKind::access, "ITEM-1", "NL-POL", "2026-02-02T08:00:00.000Z");
    access.results = {digests_of("image of ITEM-1"), digests_of("image of ITEM-1")};
    w.commit({w.world.sign(access, "nl.custodian"),
              w.next(EventKind::verify, "ITEM-2", "NL-POL", "2026-02-02T08:00:00.000Z", "nl.custodian")},
             "2026-02-02T08:00:01.000Z");
    w.commit({w.next(EventKind::verify, "ITEM-1", "NL-POL", "2026-02-03T08:00:00.000Z", "nl.custodian")},
             "2026-02-03T08:00:01.000Z");
    w.commit({w.next(EventKind::derive, "ITEM-1", "NL-POL", "2026-02-04T08:00:00.000Z", "nl.custodian")},
             "2026-02-04T08:00:01.000Z");
    // Leaves: 0 register ITEM-1, 1 register ITEM-2, 2 access (results), 3 verify ITEM-2, 4 verify
    // ITEM-1, 5 derive ITEM-1.image (the derive's digests are "image of ITEM-1" too).
    auto leaves = [&](const Digests& digests, std::uint64_t from, std::size_t limit = 100) {
        auto found = w.store.events_with_digest(digests.sha256, from, limit);
        REQUIRE(found.has_value());
        return *found;
    };
    CHECK(leaves(content, 0) == std::vector<std::uint64_t>{0, 4});
    CHECK(leaves(digests_of("content of ITEM-2"), 0) == std::vector<std::uint64_t>{1, 3});
    CHECK(leaves(digests_of("image of ITEM-1"), 0) == std::vector<std::uint64_t>{2, 5});  // once per event
    CHECK(leaves(content, 1) == std::vector<std::uint64_t>{4});
    CHECK(leaves(content, 0, 1) == std::vector<std::uint64_t>{0});
    CHECK(leaves(content, 5).empty());
    CHECK(leaves(digests_of("never recorded"), 0).empty());
}

TEST_CASE("store: events by officer key and by ledger time, in log order, paginated, persisted") {
    OfferWorld w;
    w.commit({w.world.sign(w.world.register_event("ITEM-1"), "nl.custodian"),
              w.world.sign(w.world.register_event("ITEM-2"), "nl.custodian")},
             "2026-02-01T10:00:01.000Z");
    w.commit({}, "2026-02-02T08:00:01.000Z");  // An empty block: no time entry, the same answers.
    w.commit({w.offer("ITEM-1", "NL-POL", "DE-BKA", "2026-02-03T08:00:00.000Z", "nl.custodian")},
             "2026-02-03T08:00:01.000Z");
    w.commit(
        {w.next(EventKind::transfer_accept, "ITEM-1", "DE-BKA", "2026-02-04T08:00:00.000Z", "de.custodian"),
         w.next(EventKind::verify, "ITEM-2", "NL-POL", "2026-02-04T08:00:00.000Z", "nl.custodian")},
        "2026-02-04T08:00:01.000Z");
    // Leaves: 0 register ITEM-1, 1 register ITEM-2 (block 1), 2 offer (block 3), 3 accept by
    // de.custodian, 4 verify (block 4).
    const auto key = [&](const char* handle) { return w.world.key(handle).public_key(); };
    auto found = [](const Store& store, const EventSearch& search) {
        auto leaves = store.search_events(search);
        REQUIRE_MESSAGE(leaves.has_value(), (leaves ? std::string() : leaves.error().to_string()));
        return *leaves;
    };
    using Leaves = std::vector<std::uint64_t>;
    CHECK(found(w.store, {.signer = key("nl.custodian")}) == Leaves{0, 1, 2, 4});
    CHECK(found(w.store, {.signer = key("de.custodian")}) == Leaves{3});
    CHECK(found(w.store, {.signer = key("nl.prosecutor")}).empty());
    // Pages by a cursor (the first leaf of the page) and a limit.
    CHECK(found(w.store, {.signer = key("nl.custodian"), .limit = 2}) == Leaves{0, 1});
    CHECK(found(w.store, {.signer = key("nl.custodian"), .from_leaf = 2, .limit = 2}) == Leaves{2, 4});
    CHECK(found(w.store, {.signer = key("nl.custodian"), .from_leaf = 5}).empty());

    // Ledger time: the first leaf of the first block at or after a time.
    auto first = [&](const char* text) {
        auto leaf = w.store.first_leaf_at(at(text));
        REQUIRE(leaf.has_value());
        return *leaf;
    };
    CHECK(first("2026-01-01T00:00:00.000Z") == 0);
    CHECK(first("2026-02-01T10:00:01.000Z") == 0);  // from is inclusive
    CHECK(first("2026-02-01T10:00:01.001Z") == 2);
    CHECK(first("2026-02-02T08:00:01.000Z") == 2);  // the empty block's time: the next block's leaf
    CHECK(first("2026-02-04T08:00:01.000Z") == 3);
    CHECK(first("2026-02-04T08:00:01.001Z") == 5);  // after the last block: the log size
    CHECK(found(w.store, {.from_time = at("2026-02-02T00:00:00.000Z"),
                          .to_time = at("2026-02-04T08:00:01.000Z")}) == Leaves{2});  // to is exclusive
    CHECK(found(w.store, {.from_time = at("2026-02-03T08:00:01.001Z")}) == Leaves{3, 4});
    CHECK(found(w.store, {.to_time = at("2026-02-03T08:00:01.001Z")}) == Leaves{0, 1, 2});
    CHECK(found(w.store,
                {.from_time = at("2026-02-04T00:00:00.000Z"), .to_time = at("2026-02-02T00:00:00.000Z")})
              .empty());
    CHECK(found(w.store, {.from_time = at("2026-02-03T00:00:00.000Z"), .from_leaf = 3, .limit = 1}) ==
          Leaves{3});
    // Combined: what a key signed within a time range, and a digest within one.
    CHECK(found(w.store, {.signer = key("nl.custodian"), .from_time = at("2026-02-02T00:00:00.000Z")}) ==
          Leaves{2, 4});
    CHECK(found(w.store, {.sha256 = digests_of("content of ITEM-1").sha256,
                          .to_time = at("2026-02-02T00:00:00.000Z")}) == Leaves{0});

    // The indexes are in the store, not in memory.
    { Store closed = std::move(w.store); }
    Store reopened = reopen_store(w.directory.store());
    CHECK(found(reopened, {.signer = key("nl.custodian"), .from_time = at("2026-02-02T00:00:00.000Z")}) ==
          Leaves{2, 4});
}

}  // namespace custos::test::CUSTOS_TEST_FILE
