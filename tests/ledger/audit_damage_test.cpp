// Audit of damaged and short copies of a store (issue 20). A store copy whose write-ahead log or
// table files are damaged must be refused as corruption naming the file, never replayed as a
// shorter ledger; a copy cut short at an earlier head verifies, so it must be refused against a
// certified checkpoint of a later height (AuditOptions::expected_checkpoints, `custos audit
// --expect`). Each refusal is paired with the intact copy passing the same audit.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "ledger/audit/audit.hpp"
#include "ledger/store/store.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;

namespace {

constexpr std::size_t damage_blocks = 20;
constexpr std::size_t damage_events_per_block = 8;

// Files of `directory` whose name ends in `suffix`, largest first.
std::vector<std::filesystem::path> files_ending(const std::filesystem::path& directory,
                                                std::string_view suffix) {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.is_regular_file() && entry.path().filename().string().ends_with(suffix))
            found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
        return std::filesystem::file_size(a) > std::filesystem::file_size(b);
    });
    return found;
}

void flip_byte(const std::filesystem::path& file, std::uintmax_t offset) {
    std::fstream stream(file, std::ios::in | std::ios::out | std::ios::binary);
    REQUIRE(stream.good());
    stream.seekg(static_cast<std::streamoff>(offset));
    char byte = 0;
    REQUIRE(stream.get(byte));
    stream.seekp(static_cast<std::streamoff>(offset));
    stream.put(static_cast<char>(byte ^ 0x40));
    REQUIRE(stream.good());
}

// Copies the store's files as they are on disk now, as an operator copying a node's data
// directory would (a live store's write-ahead log holds its recent blocks).
void copy_store(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

struct DamageWorld {
    TempDir dir;
    SyntheticWorkload workload;
    std::optional<Store> store = test::create_store(dir.store(), workload.genesis());

    DamageWorld() { fill(damage_blocks); }
    void fill(std::size_t blocks) {
        (void)test::fill_store(*store, workload, blocks, damage_events_per_block);
    }
    [[nodiscard]] std::filesystem::path copy(const std::string& name) const {
        auto to = dir.path() / name;
        copy_store(dir.store(), to);
        return to;
    }
    [[nodiscard]] Certificate latest() const {
        auto checkpoint = store->latest_checkpoint();
        REQUIRE(checkpoint.has_value());
        return checkpoint->certificate;
    }
};

AuditReport audit_ok(const std::filesystem::path& directory, AuditOptions options = {}) {
    auto report = audit_directory(directory, options);
    REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().to_string()));
    return *report;
}

}  // namespace

TEST_CASE("audit damage: an intact copy of a live store verifies to its head, which it reports") {
    DamageWorld world;
    const auto copy = world.copy("intact");
    REQUIRE(!files_ending(copy, ".log").empty());
    REQUIRE(std::filesystem::file_size(files_ending(copy, ".log").front()) > 0);
    auto report = audit_ok(copy, AuditOptions{.expected_checkpoints = {world.latest()}});
    CHECK_MESSAGE(report.verified(), audit_summary(report));
    CHECK(report.blocks == damage_blocks);
    const BlockHeader& last = *world.store->last_header();
    CHECK(report.head.height == Height{damage_blocks});
    CHECK(report.head.block_hash == block_hash(last));
    CHECK(report.head.log_size == damage_blocks * damage_events_per_block);
    CHECK(report.head.log_root == last.log_root);
    REQUIRE(report.checkpoints.size() == 1);
    CHECK(report.checkpoints[0].height == Height{damage_blocks});
    CHECK(report.checkpoints[0].signed_power == report.checkpoints[0].total_power);
}

TEST_CASE(
    "audit damage: a byte flipped in a write-ahead log record is corruption naming the log, not a shorter "
    "ledger") {
    DamageWorld world;
    const auto copy = world.copy("damaged-wal");
    const auto log = files_ending(copy, ".log").front();
    flip_byte(log, std::filesystem::file_size(log) / 2);
    auto report = audit_directory(copy, AuditOptions{});
    REQUIRE_MESSAGE(!report.has_value(), audit_summary(*report));
    CHECK(report.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(report.error().message.find(log.filename().string()) != std::string::npos,
                  report.error().message);
}

TEST_CASE("audit damage: a truncated table file is corruption naming the file") {
    DamageWorld world;
    world.store.reset();  // Closing flushes the blocks into table files.
    const auto copy = world.copy("truncated-sst");
    const auto table = files_ending(copy, ".sst").front();
    std::filesystem::resize_file(table, std::filesystem::file_size(table) / 2);
    auto report = audit_directory(copy, AuditOptions{});
    REQUIRE_MESSAGE(!report.has_value(), audit_summary(*report));
    CHECK(report.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(report.error().message.find(table.filename().string()) != std::string::npos,
                  report.error().message);

    // The pair: the same store, not truncated, verifies.
    auto intact = audit_ok(world.dir.store());
    CHECK_MESSAGE(intact.verified(), audit_summary(intact));
    CHECK(intact.blocks == damage_blocks);
}

TEST_CASE("audit damage: a byte flipped inside a table file is corruption naming the file") {
    DamageWorld world;
    world.store.reset();
    const auto copy = world.copy("flipped-sst");
    const auto table = files_ending(copy, ".sst").front();
    flip_byte(table, 64);  // In the first data block, which no family's read may reach.
    auto report = audit_directory(copy, AuditOptions{});
    REQUIRE_MESSAGE(!report.has_value(), audit_summary(*report));
    CHECK(report.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(report.error().message.find(table.filename().string()) != std::string::npos,
                  report.error().message);
}

TEST_CASE("audit damage: a copy cut at an earlier head is refused against a later certified checkpoint") {
    DamageWorld world;
    const auto early = world.copy("early");  // At height 20.
    const Certificate at_copy = world.latest();
    world.fill(5);
    const Certificate later = world.latest();

    // On its own the short copy is a valid ledger: replay cannot tell it is short.
    auto alone = audit_ok(early);
    CHECK_MESSAGE(alone.verified(), audit_summary(alone));
    CHECK(alone.head.height == Height{damage_blocks});

    auto refused = audit_ok(early, AuditOptions{.expected_checkpoints = {later}});
    REQUIRE(refused.violation.has_value());
    CHECK(refused.violation->rule == audit_check::checkpoint_behind);
    CHECK(refused.violation->height == Height{damage_blocks});
    CHECK(refused.head.height == Height{damage_blocks});
    CHECK(refused.blocks == damage_blocks);

    // The pair: the whole store verifies against the same checkpoint, and a checkpoint at or
    // below a store's head is matched (the short copy is consistent with the one it was cut at).
    auto whole = audit_ok(world.copy("whole"), AuditOptions{.expected_checkpoints = {later, at_copy}});
    CHECK_MESSAGE(whole.verified(), audit_summary(whole));
    CHECK(whole.checkpoints.size() == 2);
    auto consistent = audit_ok(early, AuditOptions{.expected_checkpoints = {at_copy}});
    CHECK_MESSAGE(consistent.verified(), audit_summary(consistent));
}

TEST_CASE("audit damage: a certified checkpoint of another block at a stored height is a fork") {
    DamageWorld world;
    auto header = world.store->header(Height{7});
    REQUIRE(header.has_value());
    BlockHeader other = *header;
    other.time = TimeMs{other.time.value + 1};
    auto report =
        audit_ok(world.copy("fork"), AuditOptions{.expected_checkpoints = {world.workload.certify(other)}});
    REQUIRE(report.violation.has_value());
    CHECK(report.violation->rule == audit_check::checkpoint_fork);
    CHECK(report.violation->height == Height{7});
}

TEST_CASE("audit damage: an expected checkpoint whose signature does not verify is refused, not trusted") {
    DamageWorld world;
    Certificate forged = world.latest();
    // The last signature line's last base64 character before the newline.
    const auto end = forged.note.size() - 2;
    forged.note[end] = forged.note[end] == 'A' ? 'B' : 'A';
    auto report = audit_ok(world.copy("forged"), AuditOptions{.expected_checkpoints = {forged}});
    REQUIRE(report.violation.has_value());
    CHECK(report.violation->rule == audit_check::checkpoint_certificate);
}

TEST_CASE(
    "audit damage: a final log record cut short (a write in progress) is left out, as a crash leaves it") {
    DamageWorld world;
    const auto copy = world.copy("torn-tail");
    const auto log = files_ending(copy, ".log").front();
    std::filesystem::resize_file(log, std::filesystem::file_size(log) - 10);
    auto report = audit_ok(copy);
    CHECK_MESSAGE(report.verified(), audit_summary(report));
    CHECK(report.blocks == damage_blocks - 1);
    // Against the checkpoint of the block it lost, the copy is refused as short.
    auto refused = audit_ok(copy, AuditOptions{.expected_checkpoints = {world.latest()}});
    REQUIRE(refused.violation.has_value());
    CHECK(refused.violation->rule == audit_check::checkpoint_behind);
}

TEST_CASE("audit damage: a byte flipped in the final log record is corruption, not a torn write") {
    DamageWorld world;
    const auto copy = world.copy("damaged-last-record");
    const auto log = files_ending(copy, ".log").front();
    flip_byte(log, std::filesystem::file_size(log) - 10);
    auto report = audit_directory(copy, AuditOptions{});
    REQUIRE_MESSAGE(!report.has_value(), audit_summary(*report));
    CHECK(report.error().code == ErrorCode::corruption);
    CHECK_MESSAGE(report.error().message.find(log.filename().string()) != std::string::npos,
                  report.error().message);
}

}  // namespace CUSTOS_TEST_FILE
