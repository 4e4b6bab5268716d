// The typed reads a node serves (ledger/store/store_pages.hpp): pages that join into the whole, their
// bounds, proofs whose sizes are checked with errors naming the argument, and the agencies of a
// case as its items' trails name them.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "crypto/merkle.hpp"
#include "ledger/store/store_pages.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;

namespace {

struct Filled {
    TempDir dir;
    SyntheticWorkload workload;
    Store store;
    Filled() : store(test::create_store(dir.store(), workload.genesis())) {
        test::fill_store(store, workload, 6, 25);
    }
};

}  // namespace

TEST_CASE("store pages: a trail read in pages is the whole trail, each page naming where the next starts") {
    Filled filled;
    const Store& store = filled.store;
    auto whole = store.item_trail("IT-2");
    REQUIRE(whole.has_value());
    REQUIRE(whole->size() > 3);
    std::vector<std::uint64_t> leaves;
    std::uint64_t from = 0;
    for (int pages = 0; pages < 100; ++pages) {
        auto page = trail_page(store, "IT-2", from, 2);
        REQUIRE(page.has_value());
        CHECK(page->item == "IT-2");
        CHECK(page->state == **store.item("IT-2"));
        CHECK(page->events.size() <= 2);
        for (const auto& event : page->events)
            leaves.push_back(event.leaf_index);
        if (!page->next_leaf) break;
        CHECK(*page->next_leaf == page->events.back().leaf_index + 1);
        from = *page->next_leaf;
    }
    REQUIRE(leaves.size() == whole->size());
    for (std::size_t i = 0; i < leaves.size(); ++i)
        CHECK(leaves[i] == (*whole)[i].leaf_index);
    // A limit of 0 is read as 1; above page_entries_max as page_entries_max.
    CHECK(trail_page(store, "IT-2", 0, 0)->events.size() == 1);
    CHECK(trail_page(store, "IT-2", 0, page_entries_max + 5)->events.size() == whole->size());
    auto unknown = trail_page(store, "NO-SUCH", 0, 10);
    REQUIRE_FALSE(unknown.has_value());
    CHECK(unknown.error().code == ErrorCode::not_found);
    CHECK(item_case(store, "IT-2").value() == (*whole)[0].envelope.event.case_id);
    CHECK(item_case(store, "NO-SUCH").error().code == ErrorCode::not_found);
}

TEST_CASE("store pages: a case read in pages is all its items; an unknown case is not found") {
    Filled filled;
    const Store& store = filled.store;
    auto all = store.case_items("CASE-1");
    REQUIRE(all.has_value());
    REQUIRE(all->size() > 3);
    std::vector<std::string> items;
    std::string after;
    for (int pages = 0; pages < 100; ++pages) {
        auto page = case_page(store, "CASE-1", after, 3);
        REQUIRE(page.has_value());
        for (const auto& entry : page->items) {
            items.push_back(entry.item);
            CHECK(entry.state == **store.item(entry.item));
        }
        if (!page->next_after) break;
        CHECK(*page->next_after == page->items.back().item);
        after = *page->next_after;
    }
    CHECK(items == *all);
    CHECK(case_page(store, "CASE-99", "", 3).error().code == ErrorCode::not_found);
    // Past the last item of a known case: an empty page, not an unknown case.
    auto past = case_page(store, "CASE-1", all->back(), 3);
    REQUIRE(past.has_value());
    CHECK(past->items.empty());
    CHECK_FALSE(past->next_after.has_value());
}

TEST_CASE("store pages: a case's participants are the agencies its items' events name") {
    Filled filled;
    const Store& store = filled.store;
    auto participants = case_participants(store, "CASE-1");
    REQUIRE(participants.has_value());
    std::set<std::string> expected;
    auto items = store.case_items("CASE-1");
    REQUIRE(items.has_value());
    for (const auto& item : *items) {
        auto trail = store.item_trail(item);
        REQUIRE(trail.has_value());
        for (const auto& stored : *trail) {
            for (const auto& agency : case_participants(stored.envelope.event))
                expected.insert(agency);
        }
    }
    CHECK_FALSE(expected.empty());
    CHECK(*participants == expected);
    CHECK(case_participants(store, "CASE-99").error().code == ErrorCode::not_found);
}

TEST_CASE("store pages: proofs verify, and sizes outside the log are refused naming the argument") {
    Filled filled;
    const Store& store = filled.store;
    const std::uint64_t size = store.log_size();
    auto stored = store.event_at(30);
    REQUIRE(stored.has_value());
    auto proof = inclusion_proof(store, stored->id, std::nullopt);
    REQUIRE(proof.has_value());
    CHECK(proof->leaf_index == 30);
    CHECK(proof->tree_size == size);
    CHECK(crypto::verify_inclusion(crypto::merkle_leaf_hash(as_bytes(stored->leaf_data)), 30, size,
                                   proof->hashes, store.last_header()->log_root)
              .has_value());
    for (std::uint64_t bad : {std::uint64_t{30}, size + 1}) {
        auto refused = inclusion_proof(store, stored->id, bad);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::invalid_argument);
        CHECK(refused.error().message.starts_with("size: "));
    }
    CHECK(inclusion_proof(store, EventId{}, std::nullopt).error().code == ErrorCode::not_found);

    auto consistent = consistency_proof(store, 10, size);
    REQUIRE(consistent.has_value());
    CHECK(consistent->hashes == *store.consistency_proof(10, size));
    CHECK(consistency_proof(store, 1, size + 1).error().message.starts_with("to: "));
    CHECK(consistency_proof(store, 0, size).error().message.starts_with("from: "));
    CHECK(consistency_proof(store, 11, 10).error().message.starts_with("from: "));
}

TEST_CASE("store pages: blocks, checkpoints and the first leaf of each height") {
    Filled filled;
    const Store& store = filled.store;
    for (std::uint64_t height = 1; height <= 6; ++height) {
        auto block = block_view(store, Height{height});
        REQUIRE(block.has_value());
        CHECK(block->header == *store.header(Height{height}));
        CHECK(block->ids.size() == 25);
        CHECK(block->certificate.note == store.certificate(Height{height})->note);
        auto checkpoint = checkpoint_at(store, Height{height});
        REQUIRE(checkpoint.has_value());
        CHECK(checkpoint->hash == block_hash(block->header));
        CHECK(first_leaf_of(store, Height{height}).value() == (height - 1) * 25);
    }
    CHECK(first_leaf_of(store, Height{7}).value() == store.log_size());
    for (std::uint64_t bad : {std::uint64_t{0}, std::uint64_t{8}})
        CHECK(first_leaf_of(store, Height{bad}).error().message.starts_with("from_height: "));
    CHECK(checkpoint_at(store, Height{7}).error().code == ErrorCode::not_found);
    auto events = committed_events(store, 140, 100);
    REQUIRE(events.has_value());
    REQUIRE(events->size() == 10);
    CHECK(events->front().leaf_index == 140);
    CHECK(events->back().leaf_index == 149);
}

}  // namespace CUSTOS_TEST_FILE
