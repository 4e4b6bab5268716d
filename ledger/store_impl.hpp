// Private to the store's .cpp files: the state behind ledger::Store.
#pragma once

#include <optional>
#include <utility>

#include "ledger/officers.hpp"
#include "ledger/store.hpp"
#include "ledger/store_nodes.hpp"

namespace custos::ledger {

struct Store::Impl {
    store::Db db;
    store::DbNodeStore nodes;
    Genesis genesis;
    Hash32 genesis_hash;
    Height height;
    std::optional<BlockHeader> last_header;
    // Officer keys in force: the genesis officers with every stored governance record over them
    // (loaded at open, updated after each committed block), so officer checks read no disk.
    OfficerTable officers;

    Impl(store::Db database, Genesis genesis_value, Hash32 hash)
        : db(std::move(database)),
          nodes(db),
          genesis(std::move(genesis_value)),
          genesis_hash(hash),
          officers(genesis) {}
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;
    ~Impl() = default;

    [[nodiscard]] std::uint64_t log_size() const { return last_header ? last_header->log_size : 0; }
};

}  // namespace custos::ledger
