// crypto::NodeStore over the store's merkle column family. Puts go to an in-memory overlay (read
// back by get, so the tree sees its own writes) until the owner moves them into the block's
// WriteBatch; the tree nodes of a block are thus committed with the block or not at all.
#pragma once

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <span>

#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/store_db.hpp"

namespace custos::ledger::store {

class DbNodeStore final : public crypto::NodeStore {
public:
    explicit DbNodeStore(const Db& db) : db_(&db) {}

    [[nodiscard]] Result<Hash32> get(crypto::NodeKey key) const override;
    void put(crypto::NodeKey key, const Hash32& hash) override;

    // Moves the pending nodes into `batch` and clears the overlay.
    void flush_into(Batch& batch);
    // Forgets pending nodes (their block was not committed).
    void discard() { pending_.clear(); }
    [[nodiscard]] std::size_t pending_count() const { return pending_.size(); }

private:
    const Db* db_;
    std::map<crypto::NodeKey, Hash32> pending_;
};

// crypto::SmtNodeStore over the store's state_map column family (read only: a block's changes
// go into its WriteBatch from BlockEffects::state_nodes).
//
// The top of the map is also kept in memory, whole: every node above depth smt_cached_depth
// (at most 2^16 - 1 nodes, about 9 MiB, whatever the ledger's size). Every update reads the
// top levels (1,000 keys share the first ten levels, and most of the next few), and a RocksDB
// read of a map node (memtable skip list, then each sorted run's filter) cost a node under
// load about as much as a signature check per event (docs/OPERATIONS.md, "The certified state
// map's cost"). The copy is loaded from the family at open (load_top) and changed only by
// apply, after the block's batch is written; until load_top every read goes to RocksDB.
// Thread-safe: API threads prove items while the ledger thread applies blocks.
class DbSmtNodeStore final : public crypto::SmtNodeStore {
public:
    static constexpr std::uint16_t smt_cached_depth = 16;

    explicit DbSmtNodeStore(const Db& db) : db_(&db) {}
    [[nodiscard]] Result<std::optional<crypto::SmtNode>> get(
        const crypto::SmtPosition& position) const override;

    // Reads every stored node above smt_cached_depth into memory; later reads of them are
    // served from there.
    [[nodiscard]] Status load_top();
    // The changes of a block whose batch was written, to the copy in memory.
    void apply(std::span<const crypto::SmtNodeChange> changes);
    [[nodiscard]] std::size_t cached_nodes() const;

private:
    const Db* db_;
    mutable std::shared_mutex top_mutex_;
    bool top_loaded_ = false;
    std::map<crypto::SmtPosition, crypto::SmtNode> top_;
};

}  // namespace custos::ledger::store
