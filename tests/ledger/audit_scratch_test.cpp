// The audit keeps what grows with the ledger in a scratch store on disk (ledger/audit/audit_scratch.hpp)
// with a cache of item states in front. Whatever the cache holds, the verdict and the report are
// the same: here with no cache across blocks (every item read back from disk at its next block)
// and with the default cache, on a whole store, on stores with a broken link (a bad signature,
// an item state and an event-id entry changed after the fact) and on the index fixture (offers
// pending and answered, a read record). The scratch directory is made where it is asked for and
// removed afterwards; one that does not exist is an error, not a crash.
#include <doctest/doctest.h>

#include <filesystem>

#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "tests/ledger/audit_compare.hpp"
#include "tests/ledger/bundle_fixture.hpp"
#include "tests/ledger/store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;
using store::Column;

namespace {

constexpr std::size_t blocks_made = 45;
constexpr std::size_t events_per_block = 50;

AuditReport audit_with_cache(const store::Db& db, std::size_t item_cache_max,
                             const std::filesystem::path& scratch = {}) {
    auto report =
        audit_store(db, AuditOptions{.scratch_directory = scratch, .item_cache_max = item_cache_max});
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    return *report;
}

// The same report with no cache across blocks and with the default cache, field by field.
AuditReport same_from_disk(const store::Db& db) {
    const auto from_disk = audit_with_cache(db, 0);
    const auto cached = audit_with_cache(db, AuditOptions{}.item_cache_max);
    INFO("no cache: " << audit_summary(from_disk));
    INFO("default cache: " << audit_summary(cached));
    test::check_same_report(from_disk, cached);
    return from_disk;
}

struct ScratchWorld {
    TempDir dir;
    SyntheticWorkload workload;
    Store store = test::create_store(dir.store(), workload.genesis());
    std::vector<CertifiedBlock> blocks = test::fill_store(store, workload, blocks_made, events_per_block);
};

}  // namespace

TEST_CASE("audit scratch: a whole store verifies the same from disk and through the cache") {
    ScratchWorld world;
    const auto report = same_from_disk(world.store.db());
    CHECK(report.verified());
    CHECK(report.blocks == blocks_made);
    CHECK(report.events == blocks_made * events_per_block);
    CHECK(report.head.log_size == blocks_made * events_per_block);
}

TEST_CASE("audit scratch: a broken link is the same violation from disk and through the cache") {
    ScratchWorld world;
    SUBCASE("a bad signature") {
        const std::uint64_t leaf = 17 * events_per_block + 31;  // height 18
        auto value = world.store.db().get(Column::events, store::be64(leaf));
        REQUIRE((value && value->has_value()));
        std::string stored = **value;
        const auto at = stored.find("\"sig\":\"") + 7 + 10;
        stored[at] = stored[at] == 'A' ? 'B' : 'A';
        REQUIRE(world.store.db().put_raw(Column::events, store::be64(leaf), stored).has_value());
        const auto report = same_from_disk(world.store.db());
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == "R2");
        CHECK(report.violation->height == Height{18});
        CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(leaf));
        CHECK(report.events == leaf);
        CHECK(report.blocks == 17);
    }
    SUBCASE("an item state changed") {
        std::string item;
        std::string state;
        REQUIRE(world.store.db()
                    .scan(Column::items, "",
                          [&](std::string_view key, std::string_view value) {
                              item = key;
                              state = value;
                              return false;
                          })
                    .has_value());
        REQUIRE(world.store.db().put_raw(Column::items, item, state + " ").has_value());
        const auto report = same_from_disk(world.store.db());
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::item_state);
        CHECK(report.violation->expected == state);
        CHECK(report.blocks == blocks_made);
    }
    SUBCASE("an item state removed") {
        std::string item;
        REQUIRE(world.store.db()
                    .scan(Column::items, "",
                          [&](std::string_view key, std::string_view) {
                              item = key;
                              return false;
                          })
                    .has_value());
        REQUIRE(world.store.db().remove_raw(Column::items, item).has_value());
        const auto report = same_from_disk(world.store.db());
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::item_state);
        CHECK(report.violation->message == "the store lacks item states the replay produced");
    }
    SUBCASE("an event-id entry removed") {
        const EventId id = event_id(world.blocks[20].block.events[7].event);
        REQUIRE(world.store.db().remove_raw(Column::event_positions, store::hash_key(id.hash)).has_value());
        const auto report = same_from_disk(world.store.db());
        REQUIRE(report.violation.has_value());
        CHECK(report.violation->rule == audit_check::event_position);
        CHECK(report.violation->event == std::optional<EventId>(id));
        CHECK(report.violation->height == Height{21});
        CHECK(report.violation->leaf_index == std::optional<std::uint64_t>(20 * events_per_block + 7));
        CHECK(report.violation->found == "no entry");
    }
}

TEST_CASE(
    "audit scratch: the index fixture (offers, reads) verifies the same from disk and through the cache") {
    test::BundleWorld world;
    const auto report = same_from_disk(world.store().db());
    CHECK(report.verified());
    CHECK(report.events > 0);
}

TEST_CASE("audit scratch: the scratch is made in the directory asked for and removed afterwards") {
    ScratchWorld world;
    TempDir scratch;
    const auto report = audit_with_cache(world.store.db(), 0, scratch.path());
    CHECK(report.verified());
    CHECK(std::filesystem::is_empty(scratch.path()));

    auto missing =
        audit_store(world.store.db(), AuditOptions{.scratch_directory = scratch.path() / "nowhere"});
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("nowhere") != std::string::npos);
}

}  // namespace CUSTOS_TEST_FILE
