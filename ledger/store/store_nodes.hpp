// crypto::NodeStore over the store's merkle column family. Puts go to an in-memory overlay (read
// back by get, so the tree sees its own writes) until the owner moves them into the block's
// WriteBatch; the tree nodes of a block are thus committed with the block or not at all.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <vector>

#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/store/store_db.hpp"

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

// crypto::SmtNodeStore over the store's state_map column family and a copy of the map's top in
// memory (store format 3, docs/FORMAT.md 9).
//
// The top of the map (every position above depth `cached_depth`, 16 in a store: at most
// 2^16 - 1 nodes, about 4 MiB, whatever the ledger's size) lives in memory, in one array indexed
// by position, and only its leaves are stored; below it every node is stored. Every update reads
// and rewrites the top levels (1,000 keys share the first ten levels, and most of the next few),
// and a RocksDB read or write of a map node (memtable skip list, then each sorted run's filter;
// flushes and compactions afterwards) cost a node under load about as much as a signature check
// per event (docs/OPERATIONS.md, "The certified state map's cost"). A map of up to some 10^5
// entries thus stores about one record per changed entry (its leaf), not one per node of its path.
//
// load_top rebuilds the top at open from the stored leaves above `cached_depth` and the stored
// nodes at it, and refuses a family that is not the stored form of one map (corruption). After a
// block: put_changes puts what of the block's node changes the store keeps into its batch (it
// reads the top as it was before the block), then, once the batch is written, apply changes the
// copy. Thread-safe: API threads prove items while the ledger thread applies blocks.
//
// A proof reads the top from memory and the nodes below it from the family. Between a block's
// write and apply() the family already holds the block's nodes while the top is still the one
// before it: a proof read there meets a node that does not hash to its parent's record (a false
// "corruption"), and a proof read across apply() mixes two maps. So the writer holds
// write_lock() from before its batch is written until apply() has run, and prove() reads one
// whole path under the shared side of the same lock: it sees the map before the block or after
// it, never a mix. (The ledger thread's own reads, smt_update between blocks, need no lock: it
// is the only writer.)
class DbSmtNodeStore final : public crypto::SmtNodeStore {
public:
    static constexpr std::uint16_t smt_cached_depth = 16;

    // `cached_depth` 1..16 (a store uses smt_cached_depth; tests take less to reach below it).
    explicit DbSmtNodeStore(const Db& db, std::uint16_t cached_depth = smt_cached_depth);
    [[nodiscard]] Result<std::optional<crypto::SmtNode>> get(
        const crypto::SmtPosition& position) const override;
    // The top: checked whole by load_top, then changed only by apply() of computed updates
    // (whose root Store::append_block asserts against the block header's).
    [[nodiscard]] std::uint16_t consistent_depth() const override { return cached_depth_; }
    // crypto::smt_prove of `key` over one map: the one of the last block applied.
    [[nodiscard]] Result<crypto::SmtProof> prove(const Hash32& key) const;
    // Held by the writer from before it writes a batch with put_changes' records until apply()
    // has run (it keeps prove() out of that window).
    [[nodiscard]] std::unique_lock<std::shared_mutex> write_lock() const;

    // Rebuilds the top from the family. Until it has run, reading the top is a bug (asserted).
    [[nodiscard]] Status load_top();
    // The records of `changes` (one block's, or the genesis map's) that the family keeps: every
    // node at or below cached_depth written or removed; above it, a leaf written, and the stored
    // leaf removed where a leaf was and none is now.
    void put_changes(Batch& batch, std::span<const crypto::SmtNodeChange> changes) const;
    // The changes of a block whose batch was written, to the copy in memory.
    void apply(std::span<const crypto::SmtNodeChange> changes);
    [[nodiscard]] std::size_t cached_nodes() const;  // Nodes (inner and leaves) of the top.
    [[nodiscard]] std::uint16_t cached_depth() const { return cached_depth_; }

private:
    // One position of the top: kind 0 (empty) or an SmtNode::Kind, and the node's two hashes.
    struct Slot {
        std::uint8_t kind = 0;
        Hash32 first;
        Hash32 second;
    };
    [[nodiscard]] std::size_t slot_index(const crypto::SmtPosition& position) const;
    // One level of the top while load_top builds it upwards: each position's kind and hash.
    struct Level {
        std::vector<std::uint8_t> kinds;
        std::vector<Hash32> hashes;
    };
    // load_top's steps: the leaves stored above the bottom into `top`; the bottom level's kinds
    // and hashes; the inner nodes above it, level by level, each checked against its children.
    [[nodiscard]] Status load_top_leaves(std::vector<Slot>& top) const;
    [[nodiscard]] Result<Level> load_bottom() const;
    [[nodiscard]] Status fill_inner_nodes(std::vector<Slot>& top, Level below) const;

    const Db* db_;
    std::uint16_t cached_depth_;
    mutable std::shared_mutex commit_mutex_;  // write_lock() and prove(); taken before top_mutex_.
    mutable std::shared_mutex top_mutex_;
    bool top_loaded_ = false;
    std::vector<Slot> top_;  // Depth d, prefix p (the path's first d bits) at 2^d - 1 + p.
};

}  // namespace custos::ledger::store
