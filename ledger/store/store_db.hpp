// A thin RAII wrapper over RocksDB: one database with the ledger's column families, reads that
// return Result, and write batches applied atomically. rocksdb::Status never leaves this file's
// implementation; RocksDB headers stay out of every other header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace custos::ledger::store {

// The column families of a store, in a fixed order (see docs/FORMAT.md "Store layout").
enum class Column : std::size_t {
    meta,             // Store-wide records: genesis, format version, committed height.
    blocks,           // height -> canonical block header and event count.
    events,           // leaf index -> event envelope (the Merkle leaf data).
    merkle,           // (level, index) -> complete-subtree hash.
    certificates,     // height -> commit certificate (signed note).
    items,            // item id -> current item state (canonical JSON).
    item_events,      // (item id, leaf index) -> empty: an item's trail in order.
    case_items,       // (case id, leaf index of registration) -> item id.
    agency_events,    // (agency id, leaf index) -> empty.
    event_positions,  // event id -> (height, leaf index).
    state_map,        // (depth, path) -> state map node (docs/FORMAT.md 3.5, 7.5).
};
inline constexpr std::size_t column_count = 11;

[[nodiscard]] std::string_view column_name(Column column);

// Writes collected for one atomic commit. Plain values: the column family handles are bound
// when the batch is written, so a batch can be built without an open database.
class Batch {
public:
    struct Op {
        Column column = Column::meta;
        bool remove = false;
        std::string key;
        std::string value;
    };

    void put(Column column, std::string_view key, std::string_view value) {
        ops_.push_back(Op{column, false, std::string(key), std::string(value)});
    }
    void remove(Column column, std::string_view key) {
        ops_.push_back(Op{column, true, std::string(key), {}});
    }
    [[nodiscard]] std::size_t count() const { return ops_.size(); }
    [[nodiscard]] const std::vector<Op>& ops() const { return ops_; }

private:
    std::vector<Op> ops_;
};

// A forward iterator over one column family, for long sequential reads (audit replay) that
// would cost a point lookup per record otherwise. Sees the database as it was when made.
class Cursor {
public:
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) noexcept;
    ~Cursor();

    void seek(std::string_view key);
    void next();
    [[nodiscard]] bool valid() const;
    // Only while valid().
    [[nodiscard]] std::string_view key() const;
    [[nodiscard]] std::string_view value() const;
    // io_error/corruption if iteration stopped because RocksDB failed.
    [[nodiscard]] Status status() const;

private:
    friend class Db;
    struct Impl;
    explicit Cursor(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Version of the store layout (its column families and records), written in meta "format"; a
// store of another version is refused, naming both versions and what to do.
inline constexpr std::uint64_t store_format_version = 3;
namespace meta_key {
inline constexpr std::string_view format = "format";  // meta: store_format_version, 8 bytes big-endian
}  // namespace meta_key
// What to do with a store of another format: it is never converted in place.
[[nodiscard]] std::string other_format_advice(std::uint64_t format);

struct DbOptions {
    bool create_if_missing = false;
    // Opens without writing anything (no recovered log written back, no compaction, no lock
    // taken): an audit must not change what it checks. It may open beside a running node: it sees
    // the store as it was when opened, and a long read may fail if the node's compaction deletes
    // a table file it had not opened yet (`custos audit --help` says so; audit a copy then).
    //
    // Either way (a writer too) the write-ahead log is recovered with RocksDB's
    // kTolerateCorruptedTailRecords: a record cut short at the very end of the log (a write in
    // progress at a crash, or by a live writer while a read-only copy opens) is left out; any
    // other record that does not check out fails the open as corruption naming the log file,
    // where RocksDB's default (kPointInTimeRecovery) drops the damaged record and everything
    // after it and opens a silently shorter ledger.
    bool read_only = false;
    // A scratch database that is thrown away after use (the audit's, ledger/audit/audit_scratch.hpp):
    // written without a write-ahead log and not flushed at close (a crash loses it, and nothing
    // reads it again), its compactions at the process's priority (they are that process's own
    // work, not background work beside a node's).
    bool scratch = false;
};

// What RocksDB holds in memory now, in bytes (RocksDB's own estimates).
struct DbMemory {
    std::uint64_t block_cache = 0;    // Data, index and filter blocks: bounded by the cache size.
    std::uint64_t memtables = 0;      // All families' write buffers: bounded by the write buffer size.
    std::uint64_t table_readers = 0;  // Held by open table files outside the cache.
};

class Db {
public:
    // Opens (or creates) the database in `directory` with every column family. A store an older
    // Custos wrote (one without a family this build has) is refused with invalid_argument
    // naming its format version and what to do (other_format_advice).
    [[nodiscard]] static Result<Db> open(const std::filesystem::path& directory, DbOptions options);

    Db(Db&&) noexcept;
    Db& operator=(Db&&) noexcept;
    ~Db();

    // nullopt when the key is absent; io_error/corruption when RocksDB fails.
    [[nodiscard]] Result<std::optional<std::string>> get(Column column, std::string_view key) const;

    // Calls `visit(key, value)` for each key starting with `prefix`, in key order, until it
    // returns false.
    using Visitor = std::function<bool(std::string_view key, std::string_view value)>;
    [[nodiscard]] Status scan(Column column, std::string_view prefix, const Visitor& visit) const;
    // Like scan, from the first key >= `start` (no prefix bound).
    [[nodiscard]] Status scan_from(Column column, std::string_view start, const Visitor& visit) const;

    [[nodiscard]] Cursor cursor(Column column) const;

    // Applies every write of `batch` atomically. With sync, the write-ahead log is synced before
    // returning, so the batch survives a crash of the process or the machine. Of a key the batch
    // writes (puts or removes) more than once, only its last write is applied.
    [[nodiscard]] Status write(Batch batch, bool sync);

    [[nodiscard]] DbMemory memory() const;
    // Entries in the family's active memtable (every write of a key is one until a flush).
    [[nodiscard]] std::uint64_t memtable_entries(Column column) const;

    // Reads every table file whole and checks each block's checksum (RocksDB's VerifyChecksum):
    // damage in a family no read touches is found too. corruption names the file.
    [[nodiscard]] Status verify_checksums() const;

    // Test and repair tooling only: a single unsynced write outside any block commit.
    [[nodiscard]] Status put_raw(Column column, std::string_view key, std::string_view value);
    [[nodiscard]] Status remove_raw(Column column, std::string_view key);

private:
    struct Impl;
    explicit Db(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace custos::ledger::store
