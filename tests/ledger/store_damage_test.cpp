// What a validator's store does on open after damage and after a power cut (issue 20): a
// damaged write-ahead log record refuses the open, naming the file, where RocksDB's default
// recovery would open a silently shorter ledger; a final record cut short (a write in progress
// when the power went) is left out and the store goes on from the block before it. A head block
// that says another height than the meta height is refused at open, not at its first read.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/audit.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;

namespace {

constexpr std::size_t written_blocks = 12;
constexpr std::size_t written_events_per_block = 6;

std::filesystem::path largest_log(const std::filesystem::path& directory) {
    std::optional<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (!entry.path().filename().string().ends_with(".log")) continue;
        if (!found || entry.file_size() > std::filesystem::file_size(*found)) found = entry.path();
    }
    REQUIRE(found.has_value());
    REQUIRE(std::filesystem::file_size(*found) > 0);
    return *found;
}

// A store of twelve blocks, and a copy of its files taken while it is open: the state a power
// cut leaves (every block's batch synced into the write-ahead log, nothing flushed yet).
struct CrashedCopy {
    TempDir dir;
    SyntheticWorkload workload;
    Store store = test::create_store(dir.store(), workload.genesis());
    std::vector<CertifiedBlock> blocks =
        test::fill_store(store, workload, written_blocks, written_events_per_block);
    std::filesystem::path copy = dir.path() / "copy";

    CrashedCopy() { std::filesystem::copy(dir.store(), copy, std::filesystem::copy_options::recursive); }
};

}  // namespace

TEST_CASE("store damage: a byte flipped in a write-ahead log record refuses the open, naming the log") {
    CrashedCopy crashed;
    {
        // The pair: the undamaged copy opens whole.
        auto intact_copy = crashed.dir.path() / "intact";
        std::filesystem::copy(crashed.copy, intact_copy, std::filesystem::copy_options::recursive);
        auto intact = Store::open(intact_copy, StoreOpenOptions{});
        REQUIRE_MESSAGE(intact.has_value(), (intact ? std::string() : intact.error().to_string()));
        CHECK(intact->height() == Height{written_blocks});
    }
    const auto log = largest_log(crashed.copy);
    {
        std::fstream stream(log, std::ios::in | std::ios::out | std::ios::binary);
        const auto offset = static_cast<std::streamoff>(std::filesystem::file_size(log) / 2);
        stream.seekg(offset);
        char byte = 0;
        REQUIRE(stream.get(byte));
        stream.seekp(offset);
        stream.put(static_cast<char>(byte ^ 0x10));
    }
    auto opened = Store::open(crashed.copy, StoreOpenOptions{});
    REQUIRE_FALSE_MESSAGE(opened.has_value(), "opened at height " << opened->height().value);
    CHECK(opened.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(opened.error().message.find(log.filename().string()) != std::string::npos,
                  opened.error().message);
    // Refused again on the next try: the failed open repaired nothing and dropped nothing.
    auto again = Store::open(crashed.copy, StoreOpenOptions{});
    CHECK_FALSE(again.has_value());
}

TEST_CASE(
    "store damage: a final log record cut short by a power cut is left out; the store goes on from the block "
    "before it") {
    CrashedCopy crashed;
    const auto log = largest_log(crashed.copy);
    std::filesystem::resize_file(log, std::filesystem::file_size(log) - 7);
    {
        auto reopened = Store::open(crashed.copy, StoreOpenOptions{});
        REQUIRE_MESSAGE(reopened.has_value(), (reopened ? std::string() : reopened.error().to_string()));
        // Block 12's batch was the write in progress: it is gone whole, nothing of it remains.
        CHECK(reopened->height() == Height{written_blocks - 1});
        CHECK(reopened->log_size() == (written_blocks - 1) * written_events_per_block);
        // Synced from a peer again, the lost block is appended as before.
        const auto& lost = crashed.blocks.back();
        auto appended = reopened->append_block(lost.block, lost.certificate, lost.effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().to_string()));
        CHECK(reopened->height() == Height{written_blocks});
    }
    auto report = audit_directory(crashed.copy, AuditOptions{});
    REQUIRE(report.has_value());
    CHECK_MESSAGE(report->verified(), audit_summary(*report));
    CHECK(report->blocks == written_blocks);
}

TEST_CASE(
    "store damage: the block stored at the meta height saying another height refuses the open, naming it") {
    TempDir dir;
    SyntheticWorkload workload;
    constexpr std::uint64_t top = 3;
    {
        Store store = test::create_store(dir.store(), workload.genesis());
        (void)test::fill_store(store, workload, top, 2);
        // The top block's header, with only its height changed (its state root still the map's):
        // nothing else in the open would notice it.
        auto header = store.header(Height{top});
        REQUIRE(header.has_value());
        header->height = Height{top - 1};
        REQUIRE(store.db()
                    .put_raw(store::Column::blocks, store::be64(top), canonical_block_header(*header))
                    .has_value());
    }
    auto opened = Store::open(dir.store(), StoreOpenOptions{});
    REQUIRE_FALSE_MESSAGE(opened.has_value(), "opened at height " << opened->height().value);
    CHECK(opened.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(opened.error().message == "meta height is 3: the block stored there says height 2",
                  opened.error().message);
}

}  // namespace CUSTOS_TEST_FILE
