// The audit's scratch store: a RocksDB database (store::Db, with the ledger's column families) in
// a directory the audit makes for itself and removes when it is done, so that what an audit keeps
// grows on disk, not in memory (docs/OPERATIONS.md, "Size"). The replay writes into it, under the
// audited store's own keys, what the store must hold: its own copy of every item state
// (`items`), every event's place (`event_positions`), the state map's nodes (`state_map`, as a
// store keeps them) and the read indexes' entries (`meta`, their prefixes); the final checks then
// walk the audited store beside the scratch, both in key order. Nothing in it comes from the
// audited store: it is the replay's alone.
//
// The read indexes' entries other than the inbox's and the read requests' (the cases, the searches
// by digest, officer and time, the consultation log: nothing reads them before the final checks)
// go into a second database of their own in a subdirectory (`indexes()`), which a WriteBehind
// writes on a thread of its own when the audit has more than one thread: the replay hands it
// each block's entries and goes on, and the final checks wait for it (issue 24: writing them was
// about a sixth of the replay thread's time).
//
// Lookup cost does not depend on keys the audited store chose: RocksDB finds a key by comparing
// bytes (a skip list in the memtable, then binary search in each sorted table's index, a Bloom
// filter first), so no choice of ids can make keys collide, as it could in a hash table with a
// known hash function. The in-memory cache in front of it (AuditState) uses keyed hashing.
//
// The scratch has no write-ahead log (store::DbOptions::scratch): a crash loses it, and the
// audit that made it is gone then too. A killed audit leaves its directory behind
// (custos-audit-<random>); it holds nothing but the replay's copies and can be removed.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "common/result.hpp"
#include "ledger/store/store_db.hpp"

namespace custos::ledger {

class AuditScratch {
public:
    // Makes a new directory custos-audit-<16 random hex digits> in `parent` (the system's
    // temporary directory when empty) and opens a store::Db in it.
    [[nodiscard]] static Result<std::unique_ptr<AuditScratch>> create(const std::filesystem::path& parent);

    AuditScratch(const AuditScratch&) = delete;
    AuditScratch& operator=(const AuditScratch&) = delete;
    // Closes the database, then removes the directory and everything in it.
    ~AuditScratch();

    [[nodiscard]] store::Db& db() { return *db_; }
    [[nodiscard]] const store::Db& db() const { return *db_; }
    // The write-only read index entries (above), in `directory()`/indexes.
    [[nodiscard]] store::Db& indexes() { return *indexes_; }
    [[nodiscard]] const store::Db& indexes() const { return *indexes_; }
    [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

private:
    AuditScratch(std::filesystem::path directory, std::unique_ptr<store::Db> db,
                 std::unique_ptr<store::Db> indexes)
        : directory_(std::move(directory)), db_(std::move(db)), indexes_(std::move(indexes)) {}

    std::filesystem::path directory_;
    std::unique_ptr<store::Db> db_;
    std::unique_ptr<store::Db> indexes_;
};

// Batches queued before they are written: the replay waits when it is this far ahead.
inline constexpr std::size_t write_behind_batches_max = 4;

// Writes batches into one database in the order given: on a thread of its own (`own_thread`), or
// at once on the caller's. Nothing may read what it writes before finish().
class WriteBehind {
public:
    WriteBehind(store::Db& db, bool own_thread);
    ~WriteBehind();  // Drops what is still queued (the audit stopped) and joins the thread.
    WriteBehind(const WriteBehind&) = delete;
    WriteBehind& operator=(const WriteBehind&) = delete;

    // Queues `batch` (waits while write_behind_batches_max are queued). The first failed write so
    // far: once one has failed, later batches are dropped.
    [[nodiscard]] Status write(store::Batch batch);
    // Waits until every queued batch is written; the first failed write.
    [[nodiscard]] Status finish();

private:
    void run();

    store::Db& db_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<store::Batch> queue_;  // Guarded by mutex_, as are the three below.
    bool writing_ = false;            // The thread holds a batch it took off the queue.
    bool stopping_ = false;
    Status status_;
    std::thread thread_;
};

}  // namespace custos::ledger
