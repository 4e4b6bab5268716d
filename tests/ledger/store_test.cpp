// The RocksDB store: what is appended is read back whole after a reopen, it serves the reads
// and proofs the API needs, it refuses another genesis, and a refused append writes nothing.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>

#include "crypto/merkle.hpp"
#include "ledger/audit/audit.hpp"
#include "ledger/blocks/memory_ledger.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/store/store_nodes.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::TempDir;

TEST_CASE("store: blocks, events, trails and certificates read back after reopen") {
    TempDir dir;
    SyntheticWorkload workload;
    std::vector<CertifiedBlock> blocks;
    {
        auto store = test::create_store(dir.store(), workload.genesis());
        CHECK(store.height() == Height{0});
        blocks = test::fill_store(store, workload, 6, 25);
    }
    auto store = test::reopen_store(dir.store());
    REQUIRE(store.height() == Height{6});
    CHECK(store.log_size() == 150);
    CHECK(store.genesis_hash() == genesis_hash(workload.genesis()));
    REQUIRE(store.last_header() != nullptr);
    CHECK(canonical_block_header(*store.last_header()) == canonical_block_header(blocks.back().block.header));

    // The same blocks applied in memory give the same state as the store holds.
    MemoryLedger memory(workload.genesis());
    for (const auto& made : blocks)
        REQUIRE(memory.apply(made.block).has_value());
    for (const auto& [id, state] : memory.state().items()) {
        auto stored = store.item(id);
        REQUIRE(stored.has_value());
        REQUIRE(stored->has_value());
        CHECK(**stored == state);
    }

    for (std::uint64_t height = 1; height <= 6; ++height) {
        auto block = store.block(Height{height});
        REQUIRE(block.has_value());
        CHECK(canonical_block(*block) == canonical_block(blocks[height - 1].block));
        auto ids = store.block_event_ids(Height{height});
        REQUIRE(ids.has_value());
        CHECK(ids->header == block->header);
        REQUIRE(ids->ids.size() == block->events.size());
        for (std::size_t i = 0; i < ids->ids.size(); ++i)
            CHECK(ids->ids[i] == event_id(block->events[i].event));
        auto certificate = store.certificate(Height{height});
        REQUIRE(certificate.has_value());
        CHECK(certificate->note == blocks[height - 1].certificate.note);
    }
    auto checkpoint = store.latest_checkpoint();
    REQUIRE(checkpoint.has_value());
    CHECK(checkpoint->header.height == Height{6});
    CHECK(checkpoint->hash == block_hash(blocks.back().block.header));

    // Event by id, with its height and leaf index.
    const Envelope& wanted = blocks[2].block.events[7];
    auto stored = store.event(event_id(wanted.event));
    REQUIRE(stored.has_value());
    CHECK(stored->envelope == wanted);
    CHECK(stored->height == Height{3});
    CHECK(stored->leaf_index == 2 * 25 + 7);
    CHECK(stored->leaf_data == canonical_envelope(wanted));
    CHECK(store.event(EventId{}).error().code == ErrorCode::not_found);

    // An item's trail is its events in log order, each one's prev naming the one before.
    auto expected_trail = memory.item_trail("IT-2");
    REQUIRE(expected_trail.size() > 3);
    auto trail = store.item_trail("IT-2");
    REQUIRE(trail.has_value());
    REQUIRE(trail->size() == expected_trail.size());
    for (std::size_t i = 0; i < trail->size(); ++i) {
        CHECK((*trail)[i].id == expected_trail[i]);
        if (i > 0) CHECK((*trail)[i].envelope.event.prev == std::optional<EventId>((*trail)[i - 1].id));
    }
    auto paged = store.item_trail("IT-2", 1, 2);
    REQUIRE(paged.has_value());
    REQUIRE(paged->size() == 2);
    CHECK((*paged)[0].id == expected_trail[1]);

    // Items of a case, sorted; "IT-1" must not be confused with "IT-10".
    auto items = store.case_items("CASE-1");
    REQUIRE(items.has_value());
    CHECK(items->size() == 16);
    // Key order: shorter ids first, then bytewise, so IT-9 comes before IT-10.
    CHECK(std::is_sorted(items->begin(), items->end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;
    }));
    CHECK(std::count(items->begin(), items->end(), "IT-1") == 1);
    auto none = store.case_items("CASE-99");
    REQUIRE(none.has_value());
    CHECK(none->empty());

    auto agency = store.agency_events("DE-BKA");
    REQUIRE(agency.has_value());
    REQUIRE_FALSE(agency->empty());
    for (auto leaf : *agency)
        CHECK(store.event_at(leaf)->envelope.event.agency == "DE-BKA");
}

TEST_CASE(
    "store: the committed height, read from another thread while blocks append, moves with each block") {
    TempDir dir;
    SyntheticWorkload workload;
    auto store = test::create_store(dir.store(), workload.genesis());
    REQUIRE(store.committed_height().has_value());
    CHECK(*store.committed_height() == Height{0});
    std::atomic<bool> done{false};
    std::vector<std::uint64_t> seen;  // Read by the other thread, in its order.
    std::thread reader([&] {
        while (!done.load()) {
            auto height = store.committed_height();
            if (height) seen.push_back(height->value);
        }
    });
    for (std::uint64_t height = 1; height <= 5; ++height) {
        test::fill_store(store, workload, 1, 10);
        auto read = store.committed_height();
        REQUIRE(read.has_value());
        CHECK(*read == store.height());
        CHECK(read->value == height);
    }
    done = true;
    reader.join();
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK((seen.empty() || seen.back() <= 5));
}

TEST_CASE("store: inclusion and consistency proofs verify against the certified roots") {
    TempDir dir;
    SyntheticWorkload workload;
    auto store = test::create_store(dir.store(), workload.genesis());
    auto blocks = test::fill_store(store, workload, 5, 13);
    const BlockHeader& second = blocks[1].block.header;
    const BlockHeader& last = blocks[4].block.header;
    for (std::uint64_t leaf : {0ULL, 5ULL, 25ULL}) {
        auto stored = store.event_at(leaf);
        REQUIRE(stored.has_value());
        const Hash32 leaf_hash = crypto::merkle_leaf_hash(as_bytes(stored->leaf_data));
        auto proof = store.inclusion_proof(leaf, second.log_size);
        REQUIRE(proof.has_value());
        CHECK(
            crypto::verify_inclusion(leaf_hash, leaf, second.log_size, *proof, second.log_root).has_value());
        auto later = store.inclusion_proof(leaf, last.log_size);
        REQUIRE(later.has_value());
        CHECK(crypto::verify_inclusion(leaf_hash, leaf, last.log_size, *later, last.log_root).has_value());
        // The same proof does not verify a different leaf.
        CHECK_FALSE(crypto::verify_inclusion(crypto::merkle_leaf_hash(as_bytes("x")), leaf, last.log_size,
                                             *later, last.log_root)
                        .has_value());
    }
    auto consistency = store.consistency_proof(second.log_size, last.log_size);
    REQUIRE(consistency.has_value());
    CHECK(crypto::verify_consistency(second.log_size, last.log_size, second.log_root, last.log_root,
                                     *consistency)
              .has_value());
    CHECK_FALSE(store.inclusion_proof(0, last.log_size + 1).has_value());
}

TEST_CASE("store: opening against another genesis is refused") {
    TempDir dir;
    SyntheticWorkload workload;
    { auto store = test::create_store(dir.store(), workload.genesis()); }

    Hash32 other{};
    other.bytes.fill(0xab);
    auto by_hash = Store::open(dir.store(), StoreOpenOptions{.expected_genesis_hash = other});
    REQUIRE_FALSE(by_hash.has_value());
    CHECK(by_hash.error().code == ErrorCode::verification_failed);
    CHECK(by_hash.error().message.find("refusing") != std::string::npos);

    Genesis changed = workload.genesis();
    changed.chain_id = "another-chain";
    auto by_genesis =
        Store::open(dir.store(), StoreOpenOptions{.genesis = &changed, .create_if_missing = true});
    REQUIRE_FALSE(by_genesis.has_value());
    CHECK(by_genesis.error().code == ErrorCode::verification_failed);

    auto right =
        Store::open(dir.store(), StoreOpenOptions{.expected_genesis_hash = genesis_hash(workload.genesis())});
    CHECK(right.has_value());
}

namespace {

// Turns a store of this build into the layout of store format 1 (before the certified state
// root): no state_map column family, meta format 1. RocksDB directly, as an older build left it.
std::vector<std::string> make_format_1(const std::filesystem::path& directory) {
    std::vector<std::string> names;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), directory.string(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names)
        families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(rocksdb::DBOptions(), directory.string(), families, &handles, &db).ok());
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == "state_map") REQUIRE(db->DropColumnFamily(handles[i]).ok());
        if (names[i] == rocksdb::kDefaultColumnFamilyName)
            REQUIRE(db->Put(rocksdb::WriteOptions(), handles[i], "format", store::be64(1)).ok());
    }
    for (auto* handle : handles)
        REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
    delete db;
    names.clear();
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), directory.string(), &names).ok());
    return names;
}

}  // namespace

TEST_CASE("store: a store of format 1 is refused naming both versions and what to do, and left as it was") {
    TempDir dir;
    SyntheticWorkload workload;
    {
        auto store = test::create_store(dir.store(), workload.genesis());
        test::fill_store(store, workload, 2, 5);
    }
    const auto before = make_format_1(dir.store());
    REQUIRE(std::find(before.begin(), before.end(), "state_map") == before.end());
    const auto refused_clearly = [](const Error& error) {
        CHECK(error.code == ErrorCode::invalid_argument);
        CHECK(error.message.find("has format version 1, this build reads 3") != std::string::npos);
        CHECK(error.message.find("an older Custos wrote it") != std::string::npos);
        CHECK(error.message.find("the Custos release that wrote it") != std::string::npos);
        CHECK(error.message.find("Column family") == std::string::npos);
    };
    // As a node opens it (creating what is missing), as a reader, and as custos audit does.
    auto as_node =
        Store::open(dir.store(), StoreOpenOptions{.genesis = &workload.genesis(), .create_if_missing = true});
    REQUIRE_FALSE(as_node.has_value());
    refused_clearly(as_node.error());
    auto as_reader = Store::open(dir.store(), StoreOpenOptions{});
    REQUIRE_FALSE(as_reader.has_value());
    refused_clearly(as_reader.error());
    auto audited = audit_directory(dir.store(), AuditOptions{});
    REQUIRE_FALSE(audited.has_value());
    refused_clearly(audited.error());
    // Nothing was added: the release that wrote it can still open it.
    std::vector<std::string> after;
    REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.store().string(), &after).ok());
    CHECK(after == before);
}

TEST_CASE(
    "store: test_without_state_map (TEST ONLY) keeps no map, its blocks are refused elsewhere, and it "
    "never changes") {
    TempDir dir;
    SyntheticWorkload workload;
    std::vector<CertifiedBlock> blocks;
    {
        auto store = Store::open(dir.store(), StoreOpenOptions{.genesis = &workload.genesis(),
                                                               .create_if_missing = true,
                                                               .test_without_state_map = true});
        REQUIRE(store.has_value());
        CHECK(store->next_block_context().test_without_state_map);
        blocks = test::fill_store(*store, workload, 2, 5);
        CHECK(crypto::smt_root(store->state_nodes()).value() == Hash32{});
    }
    for (const auto& made : blocks)
        CHECK(made.block.header.state_root == Hash32{});

    // A ledger that keeps the map (every production one) refuses such a block, naming state_root.
    MemoryLedger keeps_map(workload.genesis());
    auto refused = keeps_map.apply(blocks[0].block);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("state_root") != std::string::npos);

    // The setting is the store's for life, either way.
    auto without_flag = Store::open(dir.store(), StoreOpenOptions{});
    REQUIRE_FALSE(without_flag.has_value());
    CHECK(without_flag.error().message.find("test_without_state_map") != std::string::npos);
    auto with_flag = Store::open(dir.store(), StoreOpenOptions{.test_without_state_map = true});
    REQUIRE(with_flag.has_value());
    CHECK(with_flag->height() == Height{2});

    SyntheticWorkload again;
    TempDir normal;
    { auto store = test::create_store(normal.store(), again.genesis()); }
    auto turned_on = Store::open(normal.store(), StoreOpenOptions{.test_without_state_map = true});
    REQUIRE_FALSE(turned_on.has_value());
    CHECK(turned_on.error().message.find("keeps the state map") != std::string::npos);
    // And a store without the map refuses a block that carries a real root.
    auto keeps = test::reopen_store(normal.store());
    auto real = again.next_block(keeps, keeps.next_block_context(), 5);
    REQUIRE(real.has_value());
    REQUIRE(real->block.header.state_root != Hash32{});
    TempDir other;
    auto mapless = Store::open(other.store(), StoreOpenOptions{.genesis = &again.genesis(),
                                                               .create_if_missing = true,
                                                               .test_without_state_map = true});
    REQUIRE(mapless.has_value());
    auto wrong = apply_block(*mapless, real->block, mapless->next_block_context());
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().message.find("state_root") != std::string::npos);
}

TEST_CASE("store: a store of format 2 (every map node stored) is refused naming both versions") {
    TempDir dir;
    SyntheticWorkload workload;
    {
        auto store = test::create_store(dir.store(), workload.genesis());
        test::fill_store(store, workload, 1, 5);
    }
    {
        auto db = store::Db::open(dir.store(), store::DbOptions{});
        REQUIRE(db.has_value());
        REQUIRE(db->put_raw(store::Column::meta, store::meta_key::format, store::be64(2)).has_value());
    }
    auto refused = Store::open(dir.store(), StoreOpenOptions{});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK(refused.error().message.find("has format version 2, this build reads 3") != std::string::npos);
    CHECK(refused.error().message.find("format 2 stores every node of the state map") != std::string::npos);
}

namespace {

using test::map_nodes;
using test::MapNodes;

// The family holds exactly the map's leaves above the cached depth and its nodes below; the map
// has the last header's root. Returns the map's nodes.
MapNodes check_stored_map(const Store& store) {
    const MapNodes all = map_nodes(store.state_nodes());
    MapNodes kept;
    for (const auto& [position, node] : all) {
        if (position.depth >= store::DbSmtNodeStore::smt_cached_depth ||
            node.kind == crypto::SmtNode::Kind::leaf)
            kept.emplace(position, node);
    }
    MapNodes stored;
    auto scanned =
        store.db().scan(store::Column::state_map, "", [&](std::string_view key, std::string_view value) {
            REQUIRE(key.size() == 34);
            crypto::SmtPosition position{
                .depth = static_cast<std::uint16_t>((static_cast<unsigned char>(key[0]) << 8) |
                                                    static_cast<unsigned char>(key[1])),
                .path = {}};
            std::copy_n(key.data() + 2, 32, reinterpret_cast<char*>(position.path.bytes.data()));
            stored.emplace(position, crypto::smt_node_from_bytes(value).value());
            return true;
        });
    REQUIRE(scanned.has_value());
    CHECK(stored == kept);
    CHECK(kept.size() < all.size());  // The inner nodes of the top are not stored.
    CHECK(crypto::smt_root(store.state_nodes()).value() == store.last_header()->state_root);
    return all;
}

}  // namespace

TEST_CASE("store: the state map stores its top's leaves only, and a reopen rebuilds the same map") {
    TempDir dir;
    SyntheticWorkload workload;
    MapNodes before_reopen;
    {
        auto store = test::create_store(dir.store(), workload.genesis());
        test::fill_store(store, workload, 4, 200);
        check_stored_map(store);
        test::fill_store(store, workload, 2, 200);  // Later blocks change and move leaves.
        before_reopen = check_stored_map(store);
        CHECK(before_reopen.size() > 100);
    }
    auto store = test::reopen_store(dir.store());
    CHECK(check_stored_map(store) == before_reopen);
    test::fill_store(store, workload, 1, 300);
    check_stored_map(store);
}

TEST_CASE("store: a missing store is not created unless asked") {
    TempDir dir;
    auto missing = Store::open(dir.path() / "absent", StoreOpenOptions{});
    REQUIRE_FALSE(missing.has_value());
    CHECK_FALSE(std::filesystem::exists(dir.path() / "absent" / "CURRENT"));
}

namespace {

// Closes `store`, checks on a fresh handle that the refused block left no trace, reopens it.
void return_to_disk(const TempDir& dir, Store& store, const Envelope& refused) {
    { Store closed = std::move(store); }
    {
        auto again = test::reopen_store(dir.store());
        CHECK(again.height() == Height{2});
        CHECK_FALSE(again.has_event(event_id(refused.event)).value());
    }
    store = test::reopen_store(dir.store());
}

}  // namespace

TEST_CASE("store: a refused append writes nothing") {
    TempDir dir;
    SyntheticWorkload workload;
    auto store = test::create_store(dir.store(), workload.genesis());
    test::fill_store(store, workload, 2, 5);
    auto next = workload.next_block(store, store.next_block_context(), 5);
    REQUIRE(next.has_value());

    // A certificate signed by one validator only (1 of 4 power) is refused.
    auto parsed = crypto::parse_note(next->certificate.note);
    REQUIRE(parsed.has_value());
    parsed->signatures.resize(1);
    auto weak = store.append_block(next->block, Certificate{crypto::format_note(*parsed)}, next->effects);
    REQUIRE_FALSE(weak.has_value());
    CHECK(weak.error().code == ErrorCode::verification_failed);

    // A certificate of another block is refused.
    auto other = store.append_block(
        next->block,
        workload.certify(store.last_header() == nullptr ? next->block.header : *store.last_header()),
        next->effects);
    REQUIRE_FALSE(other.has_value());

    CHECK(store.height() == Height{2});
    CHECK_FALSE(store.has_event(event_id(next->block.events[0].event)).value());
    return_to_disk(dir, store, next->block.events[0]);

    // The genuine certificate is accepted.
    REQUIRE(store.append_block(next->block, next->certificate, next->effects).has_value());
    CHECK(store.height() == Height{3});
}

TEST_CASE("store keys: big-endian integers sort numerically, ids cannot prefix each other") {
    using namespace custos::ledger::store;
    CHECK(be64(255) < be64(256));
    CHECK(be64(1) < be64(std::uint64_t{1} << 40));
    CHECK(read_be64(be64(0x0102030405060708ULL)) == 0x0102030405060708ULL);
    CHECK_FALSE(id_number_key("IT-10", 0).starts_with(id_prefix("IT-1")));
}

TEST_CASE("store: a block that is not the next height is refused") {
    TempDir dir;
    SyntheticWorkload workload;
    auto store = test::create_store(dir.store(), workload.genesis());
    auto blocks = test::fill_store(store, workload, 2, 4);
    auto again = store.append_block(blocks[1].block, blocks[1].certificate, blocks[1].effects);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().code == ErrorCode::invalid_argument);
    CHECK(store.height() == Height{2});
}

TEST_CASE("store: a block stored above the committed height is corruption at open") {
    TempDir dir;
    SyntheticWorkload workload;
    {
        auto store = test::create_store(dir.store(), workload.genesis());
        test::fill_store(store, workload, 2, 4);
        // As if a block had been written outside append_block's single batch.
        REQUIRE(store.db().put_raw(store::Column::blocks, store::be64(3), "{}").has_value());
    }
    auto reopened = Store::open(dir.store(), StoreOpenOptions{});
    REQUIRE_FALSE(reopened.has_value());
    CHECK(reopened.error().code == ErrorCode::corruption);
    CHECK(reopened.error().message.find("block 3") != std::string::npos);
}

namespace {

// The nice values of this process's threads named `name` (/proc/self/task/TID/comm).
std::vector<int> thread_nice_values(std::string_view name) {
    std::vector<int> values;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string thread_name;
        std::getline(comm, thread_name);
        if (thread_name != name) continue;
        const auto tid = static_cast<id_t>(std::stoul(task.path().filename().string()));
        values.push_back(::getpriority(PRIO_PROCESS, tid));
    }
    return values;
}

}  // namespace

TEST_CASE("store: compaction runs at a low CPU priority (nice 19), below the threads that commit") {
    const int own_nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    TempDir dir;
    // Five flushed memtables (a writer flushes when it closes): past RocksDB's trigger of four
    // level-0 files, the fifth open schedules a compaction on the LOW pool, whose thread takes
    // the lowered priority before it runs a job.
    for (int round = 0; round < 5; ++round) {
        auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
        REQUIRE(db.has_value());
        store::Batch batch;
        for (int key = 0; key < 100; ++key)
            batch.put(store::Column::events, "key-" + std::to_string(round * 100 + key),
                      std::string(100, 'x'));
        REQUIRE(db->write(std::move(batch), true).has_value());
    }
    auto db = store::Db::open(dir.store(), store::DbOptions{});
    REQUIRE(db.has_value());
    std::vector<int> low;
    for (int attempt = 0; attempt < 100; ++attempt) {
        low = thread_nice_values("rocksdb:low");
        if (!low.empty() && low.front() == 19) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_FALSE(low.empty());
    CHECK(low.front() == 19);
    // This thread (which commits blocks in a node) keeps its priority.
    CHECK(::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())) == own_nice);
}

namespace {

// compaction_style of every column family in the newest OPTIONS file RocksDB wrote in `store`.
std::map<std::string, std::string> compaction_styles(const std::filesystem::path& store) {
    std::filesystem::path newest;
    for (const auto& entry : std::filesystem::directory_iterator(store)) {
        const auto name = entry.path().filename().string();
        if (name.rfind("OPTIONS-", 0) == 0 && (newest.empty() || name > newest.filename().string()))
            newest = entry.path();
    }
    std::map<std::string, std::string> styles;
    std::ifstream in(newest);
    std::string line, family;
    const std::string section = "[CFOptions \"", key = "compaction_style=";
    while (std::getline(in, line)) {
        line.erase(0, line.find_first_not_of(" \t"));
        if (line.rfind(section, 0) == 0) {
            family = line.substr(section.size(), line.find('"', section.size()) - section.size());
        } else if (line.rfind("[", 0) == 0) {
            family.clear();
        } else if (!family.empty() && line.rfind(key, 0) == 0) {
            styles[family] = line.substr(key.size());
        }
    }
    return styles;
}

}  // namespace

TEST_CASE("store: families written out of key order use universal compaction, the others leveled") {
    TempDir dir;
    {
        auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
        REQUIRE(db.has_value());
    }
    const auto styles = compaction_styles(dir.store());
    REQUIRE(styles.size() == store::column_count);
    for (const char* family : {"event_positions", "items", "item_events"})
        CHECK_MESSAGE(styles.at(family) == "kCompactionStyleUniversal", family);
    for (const char* family :
         {"default", "blocks", "events", "merkle", "certificates", "case_items", "agency_events"})
        CHECK_MESSAGE(styles.at(family) == "kCompactionStyleLevel", family);
}

TEST_CASE("store: index and filter blocks are charged to the bounded block cache, not held per table file") {
    // 200,000 random keys: their whole-key Bloom filters alone are about 250 KB. Held by the table
    // readers (RocksDB's default) that memory would grow with the ledger; in the block cache it is
    // bounded by the cache's size and only the partitions in use are resident.
    TempDir dir;
    std::mt19937_64 random(5);
    std::vector<std::string> keys;
    {
        auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
        REQUIRE(db.has_value());
        for (int chunk = 0; chunk < 20; ++chunk) {
            store::Batch batch;
            for (int i = 0; i < 10'000; ++i) {
                std::string key(32, '\0');
                for (auto& byte : key)
                    byte = static_cast<char>(random());
                if (keys.size() < 100) keys.push_back(key);
                batch.put(store::Column::event_positions, key, "12345678");
            }
            REQUIRE(db->write(std::move(batch), false).has_value());
        }
    }  // Closing flushes the memtables into table files.
    auto db = store::Db::open(dir.store(), store::DbOptions{});
    REQUIRE(db.has_value());
    for (const auto& key : keys)
        CHECK(db->get(store::Column::event_positions, key).value().has_value());
    const store::DbMemory memory = db->memory();
    CHECK(memory.table_readers < 64 * 1024);
    CHECK(memory.block_cache > 0);                       // The lookups went through the cache.
    CHECK(memory.block_cache <= std::size_t{32} << 20);  // The cache's bound.
}

TEST_CASE("store: of a key a batch writes more than once only the last write is applied") {
    TempDir dir;
    auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
    REQUIRE(db.has_value());
    store::Batch batch;
    for (int i = 0; i < 5; ++i)
        batch.put(store::Column::meta, "case/A", std::to_string(i));  // Each event of a case does.
    batch.put(store::Column::meta, "gone", "x");
    batch.remove(store::Column::meta, "gone");
    batch.remove(store::Column::meta, "back");
    batch.put(store::Column::meta, "back", "y");
    batch.put(store::Column::items, "case/A", "other family");
    REQUIRE(db->write(std::move(batch), true).has_value());
    CHECK(db->get(store::Column::meta, "case/A").value() == std::optional<std::string>("4"));
    CHECK_FALSE(db->get(store::Column::meta, "gone").value().has_value());
    CHECK(db->get(store::Column::meta, "back").value() == std::optional<std::string>("y"));
    CHECK(db->get(store::Column::items, "case/A").value() == std::optional<std::string>("other family"));
    // One memtable entry per distinct key: 9 writes to meta were 3 keys (RocksDB alone makes
    // an entry of every write).
    CHECK(db->memtable_entries(store::Column::meta) == 3);
    CHECK(db->memtable_entries(store::Column::items) == 1);
}

}  // namespace CUSTOS_TEST_FILE
