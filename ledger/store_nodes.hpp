// crypto::NodeStore over the store's merkle column family. Puts go to an in-memory overlay (read
// back by get, so the tree sees its own writes) until the owner moves them into the block's
// WriteBatch; the tree nodes of a block are thus committed with the block or not at all.
#pragma once

#include <map>

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
class DbSmtNodeStore final : public crypto::SmtNodeStore {
public:
    explicit DbSmtNodeStore(const Db& db) : db_(&db) {}
    [[nodiscard]] Result<std::optional<crypto::SmtNode>> get(
        const crypto::SmtPosition& position) const override;

private:
    const Db* db_;
};

}  // namespace custos::ledger::store
