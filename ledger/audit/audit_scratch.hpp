// The audit's scratch store: a RocksDB database (store::Db, with the ledger's column families) in
// a directory the audit makes for itself and removes when it is done, so that what an audit keeps
// grows on disk, not in memory (docs/OPERATIONS.md, "Size"). The replay writes into it, under the
// audited store's own keys, what the store must hold: its own copy of every item state
// (`items`), every event's place (`event_positions`), the state map's nodes (`state_map`, as a
// store keeps them) and the read indexes' entries (`meta`, their prefixes); the final checks then
// walk the audited store beside the scratch, both in key order. Nothing in it comes from the
// audited store: it is the replay's alone.
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

#include <filesystem>
#include <memory>

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
    [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

private:
    AuditScratch(std::filesystem::path directory, std::unique_ptr<store::Db> db)
        : directory_(std::move(directory)), db_(std::move(db)) {}

    std::filesystem::path directory_;
    std::unique_ptr<store::Db> db_;
};

}  // namespace custos::ledger
