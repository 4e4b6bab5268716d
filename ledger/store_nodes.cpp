#include "ledger/store_nodes.hpp"

#include "ledger/store_keys.hpp"

namespace custos::ledger::store {

Result<Hash32> DbNodeStore::get(crypto::NodeKey key) const {
    if (auto it = pending_.find(key); it != pending_.end()) return it->second;
    auto value = db_->get(Column::merkle, merkle_key(key.level, key.index));
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) {
        return make_error(ErrorCode::not_found, "merkle node level " + std::to_string(key.level) + " index " +
                                                    std::to_string(key.index) + " not stored");
    }
    auto hash = hash_from_value(**value);
    if (!hash) {
        return make_error(ErrorCode::corruption, "merkle node level " + std::to_string(key.level) +
                                                     " index " + std::to_string(key.index) +
                                                     " is not 32 bytes");
    }
    return *hash;
}

void DbNodeStore::put(crypto::NodeKey key, const Hash32& hash) {
    pending_[key] = hash;
}

void DbNodeStore::flush_into(Batch& batch) {
    for (const auto& [key, hash] : pending_)
        batch.put(Column::merkle, merkle_key(key.level, key.index), hash_key(hash));
    pending_.clear();
}

Result<std::optional<crypto::SmtNode>> DbSmtNodeStore::get(const crypto::SmtPosition& position) const {
    auto value = db_->get(Column::state_map, crypto::smt_position_key(position));
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return std::optional<crypto::SmtNode>{};
    auto node = crypto::smt_node_from_bytes(**value);
    if (!node) return tl::unexpected(node.error());
    return std::optional<crypto::SmtNode>{*node};
}

}  // namespace custos::ledger::store
