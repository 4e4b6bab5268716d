#include "ledger/store/store_db.hpp"

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "common/assert.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger::store {

namespace {

constexpr std::array<std::string_view, column_count> column_names = {
    "meta",        "blocks",     "events",        "merkle",          "certificates", "items",
    "item_events", "case_items", "agency_events", "event_positions", "state_map",
};

// Memory RocksDB may hold, whatever the ledger's size: a node's resident memory must stay flat.
// Index and filter blocks live in the block cache too (see column_options).
constexpr std::size_t block_cache_bytes = std::size_t{32} << 20;
constexpr std::size_t memtables_bytes_max = std::size_t{64} << 20;  // All families together.
constexpr double bloom_bits_per_key = 10.0;                         // ~1% false positives.
constexpr double memtable_bloom_ratio = 0.02;                       // Of each write buffer.

// Every read on the hot path is a point lookup, and many miss: an item state for a new item's
// register, an event id when a refused event is checked for R7 (ledger/rules/rules.cpp), and every
// sorted run or level but one for any key. Whole-key Bloom filters, in the memtable and in every
// table file, answer such misses without searching the memtable's skip list or reading a block.
//
// Most families are written in key order (leaf index, height), so leveled compaction only moves
// their files down. Three are written all over their key space: event ids, item ids (each item's
// state is rewritten by its every event) and (item id, leaf index). Under leveled compaction each
// flush of those merged into the whole of level 1, rewriting it: on a 3.6 million event ledger the
// event-id family was written 61 times over and the four nodes' compactions took a quarter of
// their CPU. They use universal compaction, which merges sorted runs of similar size, so a key is
// rewritten a few times in its life (docs/OPERATIONS.md, "Where the time goes").
bool written_out_of_order(std::size_t family) {
    switch (static_cast<Column>(family)) {
        case Column::event_positions:
        case Column::items:
        case Column::item_events:
        case Column::state_map:  // Paths of hashed keys: all over the key space.
            return true;
        default:
            return false;
    }
}

rocksdb::ColumnFamilyOptions column_options(const std::shared_ptr<rocksdb::Cache>& cache,
                                            std::size_t family) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(bloom_bits_per_key));
    table.whole_key_filtering = true;
    // By default every open table file keeps its whole index and filter in memory outside the
    // block cache, which grows with the ledger (measured: 11 MiB at 1.83 million events, about 6
    // MiB more per million; docs/OPERATIONS.md, "Memory"). Here they are cache blocks like any other, in
    // partitions of metadata_block_size, so only the partitions in use are resident; the small
    // top-level index of each file stays pinned.
    table.cache_index_and_filter_blocks = true;
    table.cache_index_and_filter_blocks_with_high_priority = true;
    table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
    table.partition_filters = true;
    table.metadata_block_size = 4096;
    table.pin_top_level_index_and_filter = true;
    rocksdb::ColumnFamilyOptions column;
    column.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    column.memtable_prefix_bloom_size_ratio = memtable_bloom_ratio;
    column.memtable_whole_key_filtering = true;
    if (written_out_of_order(family)) column.compaction_style = rocksdb::kCompactionStyleUniversal;
    return column;
}

// RocksDB reports a damaged write-ahead log record in its Status as "Corruption: checksum
// mismatch", without the file; the file is only in the warning it logs ("<path>/000008.log:
// dropping N bytes; Corruption: ..."). This logger keeps the last such line so a refused open
// can name the file, and passes everything on to RocksDB's own LOG file when there is one (none
// for a read-only open: an audit writes nothing into the copy it checks).
class DamageNotingLogger final : public rocksdb::Logger {
public:
    explicit DamageNotingLogger(std::shared_ptr<rocksdb::Logger> inner)
        : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL), inner_(std::move(inner)) {}

    using rocksdb::Logger::Logv;
    void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
        va_list copy;
        va_copy(copy, ap);
        std::array<char, 1024> line{};
        std::vsnprintf(line.data(), line.size(), format, copy);
        va_end(copy);
        std::string_view text(line.data());
        if (text.find(": dropping ") != std::string_view::npos) {
            // RocksDB prefixes its source place ("[db/db_impl/db_impl_open.cc:982] "): not ours to show.
            if (text.starts_with('[') && text.find("] ") != std::string_view::npos)
                text.remove_prefix(text.find("] ") + 2);
            std::lock_guard lock(mutex_);
            damage_ = std::string(text);
        }
        if (inner_) inner_->Logv(level, format, ap);
    }
    void Flush() override {
        if (inner_) inner_->Flush();
    }
    [[nodiscard]] std::string damage() const {
        std::lock_guard lock(mutex_);
        return damage_;
    }

private:
    std::shared_ptr<rocksdb::Logger> inner_;
    mutable std::mutex mutex_;
    std::string damage_;
};

rocksdb::Slice slice(std::string_view text) {
    return {text.data(), text.size()};
}

std::string_view view(const rocksdb::Slice& slice) {
    return {slice.data(), slice.size()};
}

// RocksDB failures mapped onto our closed set: a damaged file is corruption, anything else the
// storage engine reports is I/O.
Error to_error(const rocksdb::Status& status, std::string_view what) {
    auto code = status.IsCorruption() ? ErrorCode::corruption : ErrorCode::io_error;
    return Error{code, std::string(what) + ": " + status.ToString()};
}

}  // namespace

std::string_view column_name(Column column) {
    auto index = static_cast<std::size_t>(column);
    CUSTOS_ASSERT(index < column_count, "column out of range");
    return column_names[index];
}

struct Db::Impl {
    std::unique_ptr<rocksdb::DB> db;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    std::shared_ptr<rocksdb::Cache> cache;

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    bool read_only = false;
    bool scratch = false;  // DbOptions::scratch

    // A writer flushes its memtables when it closes: otherwise every later open, each audit
    // included, replays the whole write-ahead log into memory first (RocksDB does not flush on
    // close while the WAL is on), which on a large store costs more than a tenth of an audit.
    // A process killed before this point leaves the WAL, which the next open replays as before.
    // Handles must go before the database that owns them.
    ~Impl() {
        if (db && !read_only && !scratch) {
            rocksdb::FlushOptions flush;
            flush.wait = true;
            (void)db->Flush(flush, handles);
        }
        for (auto* handle : handles) {
            if (handle != nullptr) (void)db->DestroyColumnFamilyHandle(handle);
        }
        if (db) (void)db->Close();
    }

    [[nodiscard]] rocksdb::ColumnFamilyHandle* handle(Column column) const {
        auto index = static_cast<std::size_t>(column);
        CUSTOS_ASSERT(index < handles.size(), "column family not open");
        return handles[index];
    }
};

Db::Db(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::uint64_t Db::memtable_entries(Column column) const {
    std::uint64_t value = 0;
    (void)impl_->db->GetIntProperty(impl_->handle(column), rocksdb::DB::Properties::kNumEntriesActiveMemTable,
                                    &value);
    return value;
}

DbMemory Db::memory() const {
    DbMemory memory;
    memory.block_cache = impl_->cache->GetUsage();
    for (auto* handle : impl_->handles) {
        std::uint64_t value = 0;
        if (impl_->db->GetIntProperty(handle, rocksdb::DB::Properties::kSizeAllMemTables, &value)) {
            memory.memtables += value;
        }
        if (impl_->db->GetIntProperty(handle, rocksdb::DB::Properties::kEstimateTableReadersMem, &value)) {
            memory.table_readers += value;
        }
    }
    return memory;
}
Db::Db(Db&&) noexcept = default;
Db& Db::operator=(Db&&) noexcept = default;
Db::~Db() = default;

std::string other_format_advice(std::uint64_t format) {
    if (format > store_format_version) return "a newer Custos wrote it: open it with that release";
    std::string why = format == 1 ? "format 1 predates the certified state root that this build's blocks "
                                    "(custos.block.v2) carry; "
                      : format == 2
                          ? "format 2 stores every node of the state map, format 3 only the leaves of "
                            "its top 16 levels and every node below; "
                          : "";
    return why +
           "a store is never converted in place: audit or run it with the Custos release that wrote it, "
           "or start a new network with this build (a localnet: remove its directory and init it again)";
}

namespace {

// Why a store that lacks some of this build's column families cannot be opened, with its format
// version (read from a read-only open of its meta family, RocksDB's default one) and what to do;
// nullopt when it lacks none.
std::optional<Error> older_store(const std::filesystem::path& directory,
                                 const rocksdb::DBOptions& db_options) {
    std::vector<std::string> present;
    if (!rocksdb::DB::ListColumnFamilies(db_options, directory.string(), &present).ok()) return std::nullopt;
    std::string missing;
    for (std::size_t i = 1; i < column_count; ++i) {
        if (std::find(present.begin(), present.end(), column_names[i]) == present.end())
            missing += (missing.empty() ? "" : ", ") + std::string(column_names[i]);
    }
    if (missing.empty()) return std::nullopt;
    std::string format_text = "no format version";
    std::uint64_t format = 0;
    std::vector<rocksdb::ColumnFamilyDescriptor> families{
        {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()}};
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (rocksdb::DB::OpenForReadOnly(db_options, directory.string(), families, &handles, &raw).ok()) {
        std::string value;
        if (raw->Get(rocksdb::ReadOptions(), handles[0], meta_key::format, &value).ok() &&
            value.size() == 8) {
            format = read_be64(value).value_or(0);
            format_text = "format version " + std::to_string(format);
        }
        for (auto* handle : handles)
            (void)raw->DestroyColumnFamilyHandle(handle);
        delete raw;
    }
    return Error{ErrorCode::invalid_argument,
                 "store " + directory.string() + " has " + format_text + ", this build reads " +
                     std::to_string(store_format_version) + " (it has no column family " + missing +
                     "): an older Custos wrote it; " + other_format_advice(format)};
}

// The database options of every open: durability, logging and what damage does.
rocksdb::DBOptions db_options_for(const DbOptions& options) {
    rocksdb::DBOptions db_options;
    db_options.create_if_missing = options.create_if_missing;
    db_options.create_missing_column_families = options.create_if_missing;
    // Our own durability comes from synced batches; paranoid checks catch damaged files early.
    db_options.paranoid_checks = true;
    db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    db_options.keep_log_file_num = 2;
    db_options.db_write_buffer_size = memtables_bytes_max;
    // Damage must be an error, never a shorter ledger: with RocksDB's default
    // (kPointInTimeRecovery) a damaged record ends recovery there and the open succeeds with every
    // later block missing; a node would then sync them again and carry on as if nothing happened,
    // and an audit would verify the shorter store. kAbsoluteConsistency refuses a torn final
    // record too, which after a power cut is the normal case. kTolerateCorruptedTailRecords gives
    // both: a record cut short at the very end of the log is left out, any other record that does
    // not check out (a flipped byte in the last record included) fails the open. The record left
    // out was never acknowledged: every block is written with a synced batch, and nothing that
    // depends on it (the next height's signing state, a 201 answer) happens before that sync
    // returns. A live node may also be mid-append while an audit opens its store read-only.
    db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    return db_options;
}

// The column families, in Column order, sharing one block cache.
std::vector<rocksdb::ColumnFamilyDescriptor> column_families(const std::shared_ptr<rocksdb::Cache>& cache) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (std::size_t i = 0; i < column_count; ++i) {
        auto name = i == 0 ? std::string(rocksdb::kDefaultColumnFamilyName) : std::string(column_names[i]);
        families.emplace_back(name, column_options(cache, i));
    }
    return families;
}

// The logger of an open: RocksDB's own LOG file in the store directory, as it makes it when given
// no logger (which also creates the directory: not for a store that does not exist, nor for a
// read-only open), behind one that notes what it reports of damage.
std::shared_ptr<DamageNotingLogger> open_logger(const std::filesystem::path& directory,
                                                const DbOptions& options,
                                                const rocksdb::DBOptions& db_options) {
    std::shared_ptr<rocksdb::Logger> rocksdb_log;
    std::error_code exists_error;
    if (!options.read_only &&
        (options.create_if_missing || std::filesystem::exists(directory, exists_error))) {
        (void)rocksdb::CreateLoggerFromOptions(directory.string(), db_options, &rocksdb_log);
    }
    return std::make_shared<DamageNotingLogger>(std::move(rocksdb_log));
}

}  // namespace

Result<Db> Db::open(const std::filesystem::path& directory, DbOptions options) {
    rocksdb::DBOptions db_options = db_options_for(options);
    const auto cache = rocksdb::NewLRUCache(block_cache_bytes);
    const std::vector<rocksdb::ColumnFamilyDescriptor> families = column_families(cache);
    auto impl = std::make_unique<Impl>();
    rocksdb::DB* raw = nullptr;
    CUSTOS_ASSERT(!(options.read_only && options.create_if_missing),
                  "a read-only open cannot create a store");
    if (!options.read_only && !options.scratch) {
        // Compaction is background work: at a low CPU priority (nice 19) it yields to the
        // threads that check, decide and commit blocks. At normal priority a compaction (seconds
        // of a core on a large store) delayed the proposals and votes of a busy node by seconds
        // (measured: docs/OPERATIONS.md, "Where the time goes"). Flushes (the HIGH pool) keep
        // their priority: a memtable must reach disk before writes wait for room. The setting is
        // the process's (RocksDB's default environment), and a node opens one store.
        (void)db_options.env->LowerThreadPoolCPUPriority(rocksdb::Env::Priority::LOW,
                                                         rocksdb::CpuPriority::kLow);
    }
    // A store without one of this build's families is an older layout: refused before it is opened
    // (opening it for writing would add the families, and the release that wrote it would then
    // refuse it in turn).
    std::error_code exists_error;
    if (std::filesystem::exists(directory / "CURRENT", exists_error)) {
        if (auto older = older_store(directory, db_options)) return tl::unexpected(std::move(*older));
    }
    const auto logger = open_logger(directory, options, db_options);
    db_options.info_log = logger;
    auto status =
        options.read_only
            ? rocksdb::DB::OpenForReadOnly(db_options, directory.string(), families, &impl->handles, &raw)
            : rocksdb::DB::Open(db_options, directory.string(), families, &impl->handles, &raw);
    if (!status.ok()) {
        if (status.IsInvalidArgument() && !options.create_if_missing) {
            return make_error(ErrorCode::not_found,
                              "no store at " + directory.string() + ": " + status.ToString());
        }
        auto error = to_error(status, "open store " + directory.string());
        if (const auto damage = logger->damage(); !damage.empty())
            error.message += " (write-ahead log " + damage + ")";
        return tl::unexpected(std::move(error));
    }
    impl->db.reset(raw);
    impl->cache = cache;
    impl->read_only = options.read_only;
    impl->scratch = options.scratch;
    CUSTOS_ASSERT(impl->handles.size() == column_count, "RocksDB opened a different number of families");
    return Db(std::move(impl));
}

Status Db::verify_checksums() const {
    auto status = impl_->db->VerifyChecksum();
    if (!status.ok()) return tl::unexpected(to_error(status, "verify table checksums"));
    return {};
}

Result<std::optional<std::string>> Db::get(Column column, std::string_view key) const {
    std::string value;
    auto status = impl_->db->Get(rocksdb::ReadOptions(), impl_->handle(column), slice(key), &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    if (!status.ok()) return tl::unexpected(to_error(status, "read " + std::string(column_name(column))));
    return std::optional<std::string>(std::move(value));
}

Status Db::scan(Column column, std::string_view prefix, const Visitor& visit) const {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->handle(column)));
    for (it->Seek(slice(prefix)); it->Valid(); it->Next()) {
        auto key = view(it->key());
        if (!key.starts_with(prefix)) break;
        if (!visit(key, view(it->value()))) break;
    }
    if (!it->status().ok())
        return tl::unexpected(to_error(it->status(), "scan " + std::string(column_name(column))));
    return {};
}

Status Db::scan_from(Column column, std::string_view start, const Visitor& visit) const {
    std::unique_ptr<rocksdb::Iterator> it(
        impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->handle(column)));
    for (it->Seek(slice(start)); it->Valid(); it->Next()) {
        if (!visit(view(it->key()), view(it->value()))) break;
    }
    if (!it->status().ok())
        return tl::unexpected(to_error(it->status(), "scan " + std::string(column_name(column))));
    return {};
}

struct Cursor::Impl {
    std::unique_ptr<rocksdb::Iterator> iterator;
    std::string column;
};

Cursor::Cursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cursor::Cursor(Cursor&&) noexcept = default;
Cursor& Cursor::operator=(Cursor&&) noexcept = default;
Cursor::~Cursor() = default;

void Cursor::seek(std::string_view key) {
    impl_->iterator->Seek(slice(key));
}
void Cursor::next() {
    CUSTOS_ASSERT(valid(), "next() on a cursor past its end");
    impl_->iterator->Next();
}
bool Cursor::valid() const {
    return impl_->iterator->Valid();
}
std::string_view Cursor::key() const {
    CUSTOS_ASSERT(valid(), "key() on a cursor past its end");
    return view(impl_->iterator->key());
}
std::string_view Cursor::value() const {
    CUSTOS_ASSERT(valid(), "value() on a cursor past its end");
    return view(impl_->iterator->value());
}
Status Cursor::status() const {
    if (!impl_->iterator->status().ok())
        return tl::unexpected(to_error(impl_->iterator->status(), "scan " + impl_->column));
    return {};
}

Cursor Db::cursor(Column column) const {
    rocksdb::ReadOptions options;
    // A long sequential pass: read ahead, and do not push the node's hot blocks out of the cache.
    options.readahead_size = 2 * 1024 * 1024;
    options.fill_cache = false;
    auto impl = std::make_unique<Cursor::Impl>();
    impl->iterator.reset(impl_->db->NewIterator(options, impl_->handle(column)));
    impl->column = std::string(column_name(column));
    return Cursor(std::move(impl));
}

namespace {

// What RocksDB's batch holds for `batch`: a 12-byte header, then per write a type byte, the
// column family's number and the key's and value's lengths (varints of at most 5 bytes each), the
// key and the value. An upper bound: writes replaced by a later one are left out of the batch.
std::size_t batch_bytes(const Batch& batch) {
    std::size_t bytes = 12;
    for (const auto& op : batch.ops())
        bytes += 1 + 3 * 5 + op.key.size() + op.value.size();
    return bytes;
}

}  // namespace

Status Db::write(Batch batch, bool sync) {
    // Applied in (column, key) order: the memtable's skip list inserts a sorted run far faster
    // than scattered keys. The sort is stable, so of a key written more than once only the last
    // write is applied: the others would each be one more memtable entry (a block writes the
    // same `case/` index key for each of its events of one case; docs/OPERATIONS.md).
    std::vector<const Batch::Op*> sorted;
    sorted.reserve(batch.ops().size());
    for (const auto& op : batch.ops())
        sorted.push_back(&op);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Batch::Op* a, const Batch::Op* b) {
        return a->column != b->column ? a->column < b->column : a->key < b->key;
    });
    // Sized once: grown as it fills, a block's batch (about 1.5 KB per event) was copied to a new
    // buffer a dozen times, each on fresh pages the kernel had to clear (about 4% of a loaded
    // node's CPU in a profile).
    rocksdb::WriteBatch write_batch(batch_bytes(batch));
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        const auto& op = *sorted[i];
        if (i + 1 < sorted.size() && sorted[i + 1]->column == op.column && sorted[i + 1]->key == op.key)
            continue;  // A later write of the same key replaces this one.
        auto status = op.remove ? write_batch.Delete(impl_->handle(op.column), slice(op.key))
                                : write_batch.Put(impl_->handle(op.column), slice(op.key), slice(op.value));
        if (!status.ok()) return tl::unexpected(to_error(status, "build batch"));
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = sync;
    write_options.disableWAL = impl_->scratch;
    auto status = impl_->db->Write(write_options, &write_batch);
    if (!status.ok()) return tl::unexpected(to_error(status, "write batch"));
    return {};
}

Status Db::put_raw(Column column, std::string_view key, std::string_view value) {
    Batch batch;
    batch.put(column, key, value);
    return write(std::move(batch), true);
}

Status Db::remove_raw(Column column, std::string_view key) {
    Batch batch;
    batch.remove(column, key);
    return write(std::move(batch), true);
}

}  // namespace custos::ledger::store
