// Helpers for the store, audit and crash tests: a temporary directory and a store filled with
// certified blocks of the synthetic workload.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "crypto/merkle.hpp"
#include "crypto/smt.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"
#include "ledger/store/store_nodes.hpp"
#include "ledger/workloads/store_workload.hpp"

namespace custos::test {

// A fresh directory under the system temp dir, removed with everything in it when dropped.
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "custos-store-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    [[nodiscard]] std::filesystem::path store() const { return path_ / "store"; }

private:
    std::filesystem::path path_;
};

inline ledger::Store create_store(const std::filesystem::path& directory, const ledger::Genesis& genesis) {
    auto store = ledger::Store::open(
        directory, ledger::StoreOpenOptions{.genesis = &genesis, .create_if_missing = true});
    REQUIRE_MESSAGE(store.has_value(), (store ? std::string() : store.error().to_string()));
    return std::move(*store);
}

inline ledger::Store reopen_store(const std::filesystem::path& directory) {
    auto store = ledger::Store::open(directory, ledger::StoreOpenOptions{});
    REQUIRE_MESSAGE(store.has_value(), (store ? std::string() : store.error().to_string()));
    return std::move(*store);
}

// Appends `blocks` blocks of `events_per_block` synthetic events; returns them.
inline std::vector<ledger::CertifiedBlock> fill_store(ledger::Store& store,
                                                      ledger::SyntheticWorkload& workload, std::size_t blocks,
                                                      std::size_t events_per_block) {
    std::vector<ledger::CertifiedBlock> made;
    for (std::size_t i = 0; i < blocks; ++i) {
        auto next = workload.next_block(store, store.next_block_context(), events_per_block);
        REQUIRE_MESSAGE(next.has_value(), (next ? std::string() : next.error().to_string()));
        auto appended = store.append_block(next->block, next->certificate, next->effects);
        REQUIRE_MESSAGE(appended.has_value(), (appended ? std::string() : appended.error().to_string()));
        made.push_back(std::move(*next));
    }
    return made;
}

// Writes `events` as the next block straight into the store's database, around the rule engine:
// header (at `time`, certified by the set of `validators_hash`), leaves, tree nodes and the
// certificate `certify` gives are consistent, only the custody rules are not consulted.
inline void write_block_around_rules(
    ledger::Store& store, const std::vector<ledger::Envelope>& events, ledger::TimeMs time,
    const Hash32& validators_hash,
    const std::function<ledger::Certificate(const ledger::BlockHeader&)>& certify) {
    using ledger::store::Column;
    namespace keys = ledger::store;
    const ledger::BlockHeader& previous = *store.last_header();
    ledger::BlockHeader header;
    header.chain_id = previous.chain_id;
    header.height = ledger::Height{previous.height.value + 1};
    header.time = time;
    header.previous = ledger::block_hash(previous);
    header.validators_hash = validators_hash;
    header.proposer = previous.proposer;
    header.events_hash = ledger::events_hash(events);
    keys::DbNodeStore nodes(store.db());
    auto tree = crypto::MerkleTree::open(nodes, previous.log_size);
    REQUIRE(tree.has_value());
    keys::Batch batch;
    for (const auto& envelope : events) {
        const std::string leaf = ledger::canonical_envelope(envelope);
        batch.put(Column::events, keys::be64(tree->size()), leaf);
        std::string position = keys::be64(header.height.value);
        keys::append_be64(position, tree->size());
        batch.put(Column::event_positions, keys::hash_key(ledger::event_id(envelope.event).hash), position);
        tree->append(crypto::merkle_leaf_hash(as_bytes(leaf)));
    }
    nodes.flush_into(batch);
    header.log_size = tree->size();
    header.log_root = tree->root();
    batch.put(Column::blocks, keys::be64(header.height.value), ledger::canonical_block_header(header));
    batch.put(Column::certificates, keys::be64(header.height.value), certify(header).note);
    batch.put(Column::meta, keys::meta_key::height, keys::be64(header.height.value));
    REQUIRE(store.db().write(std::move(batch), true).has_value());
}

using MapNodes = std::map<crypto::SmtPosition, crypto::SmtNode>;

// Every node of a state map, walked from its root through the store's reads.
inline MapNodes map_nodes(const crypto::SmtNodeStore& nodes) {
    MapNodes all;
    std::vector<crypto::SmtPosition> pending{crypto::SmtPosition{}};
    while (!pending.empty()) {
        const crypto::SmtPosition position = pending.back();
        pending.pop_back();
        auto node = nodes.get(position);
        REQUIRE(node.has_value());
        if (!node->has_value()) continue;
        all.emplace(position, **node);
        if ((*node)->kind != crypto::SmtNode::Kind::inner) continue;
        for (int bit = 0; bit < 2; ++bit) {
            crypto::SmtPosition child{.depth = static_cast<std::uint16_t>(position.depth + 1),
                                      .path = position.path};
            if (bit != 0)
                child.path.bytes[position.depth / 8] |=
                    static_cast<std::uint8_t>(0x80 >> (position.depth % 8));
            pending.push_back(child);
        }
    }
    return all;
}

}  // namespace custos::test
