// Private to the store's .cpp files: the state behind ledger::Store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/bounded_lru_map.hpp"
#include "ledger/state/officers.hpp"
#include "ledger/state/validators.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_nodes.hpp"

namespace custos::ledger {

struct Store::Impl {
    store::Db db;
    store::DbNodeStore nodes;
    store::DbSmtNodeStore state_nodes;
    bool test_without_state_map = false;  // TEST ONLY: StoreOpenOptions::test_without_state_map.
    // The governance head in the state map after the last block (meta "governance").
    GovernanceHead governance;
    Genesis genesis;
    Hash32 genesis_hash;
    Height height;
    std::optional<BlockHeader> last_header;
    // Officer keys in force: the genesis officers with every stored governance record over them
    // (loaded at open, updated after each committed block), so officer checks read no disk.
    OfficerTable officers;
    // Validator sets by the first height they are in force at: {1: genesis set} until validator
    // governance changes it (a change adopted in block H is in force from H + 2).
    // Loaded from the meta records "validators/" at open, extended by append_block.
    std::map<std::uint64_t, std::shared_ptr<const ValidatorSet>> validator_sets;
    // Validator proposals (meta "proposal/") and the latest adopted set, for the rules.
    ValidatorTable validators;

    // Item states recently read or written. The rule engine reads an item for every event on it
    // (at admission, and again in each proposal and block), so most reads then neither touch
    // RocksDB nor parse JSON. append_block writes the new states through; API threads read the
    // store too, hence the mutex and the generation: a read that missed inserts what it read only
    // if no block was appended meanwhile, so the cache never holds a state older than the store.
    // The least recently used goes first. Until 2026-12-08 it was emptied whole whenever a
    // block's items, held ones counted too, would take it past the bound: with nearly as many
    // items in use as the bound, at nearly every block, and each next read went to RocksDB.
    static constexpr std::size_t item_cache_max = 16384;
    mutable std::mutex item_cache_mutex;
    mutable BoundedLruMap<std::string, ItemState, std::hash<std::string>> item_cache{item_cache_max};
    std::uint64_t item_cache_generation = 0;

    Impl(store::Db database, Genesis genesis_value, Hash32 hash)
        : db(std::move(database)),
          nodes(db),
          state_nodes(db),
          genesis(std::move(genesis_value)),
          genesis_hash(hash),
          officers(genesis),
          validators(genesis) {
        validator_sets.emplace(1, std::make_shared<const ValidatorSet>(genesis.validators));
    }
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;
    ~Impl() = default;

    [[nodiscard]] std::uint64_t log_size() const { return last_header ? last_header->log_size : 0; }
};

// Corruption: what the store reads back contradicts what it wrote (store.cpp).
[[nodiscard]] Error corrupt(std::string message);
// A record that must be there: absent is not_found naming `what` (store.cpp).
[[nodiscard]] Result<std::string> get_required(const store::Db& db, store::Column column,
                                               std::string_view key, std::string_view what);
// The block header stored at `height`: a text that does not parse is corruption naming the height
// (store.cpp).
[[nodiscard]] Result<BlockHeader> parse_stored_header(std::string_view text, Height height);

// The entries of a meta index keyed `prefix` str first str second (store_keys.hpp's
// id_pair_key) under one `first`, in `second` order after `after` (empty: from the start), at
// most `limit`: `take(second, value)` for each, which says whether the value was well formed. A
// malformed key or value is corruption naming "a malformed <what> index entry" (store.cpp).
[[nodiscard]] Status scan_id_pairs(
    const store::Db& db, std::string_view prefix, std::string_view first, std::string_view after,
    std::size_t limit, std::string_view what,
    const std::function<bool(std::string_view second, std::string_view value)>& take);

// Adds to `batch` the inbox index changes of a block (meta "offer/"): each transfer.offer puts
// its entry, each accept, reject or cancel removes the one it ends. `store` is read as it is
// before the batch (store_offers.cpp).
void put_offer_index(store::Batch& batch, const Block& block, const BlockEffects& effects,
                     const Store& store);

// Adds to `batch` the search index entries of a block's events (meta "digest/": each SHA-256 an
// event records) (store_search.cpp).
void put_search_index(store::Batch& batch, const Block& block, const BlockEffects& effects);
// The cases of each agency (meta "case/", store_cases.cpp).
void put_case_index(store::Batch& batch, const Block& block);
// The consultation log's indexes (meta "read/" and "read_request/", store_reads.cpp).
void put_read_index(store::Batch& batch, const BlockEffects& effects);

}  // namespace custos::ledger
