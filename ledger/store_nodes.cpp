#include "ledger/store_nodes.hpp"

#include <algorithm>
#include <mutex>
#include <string>

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
    if (position.depth < smt_cached_depth) {
        std::shared_lock lock(top_mutex_);
        if (top_loaded_) {
            auto found = top_.find(position);
            if (found == top_.end()) return std::optional<crypto::SmtNode>{};
            return std::optional<crypto::SmtNode>{found->second};
        }
    }
    auto value = db_->get(Column::state_map, crypto::smt_position_key(position));
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return std::optional<crypto::SmtNode>{};
    auto node = crypto::smt_node_from_bytes(**value);
    if (!node) return tl::unexpected(node.error());
    return std::optional<crypto::SmtNode>{*node};
}

Status DbSmtNodeStore::load_top() {
    std::map<crypto::SmtPosition, crypto::SmtNode> top;
    for (std::uint16_t depth = 0; depth < smt_cached_depth; ++depth) {
        const std::string prefix =
            crypto::smt_position_key(crypto::SmtPosition{.depth = depth, .path = {}}).substr(0, 2);
        Status status;
        auto scanned =
            db_->scan(Column::state_map, prefix, [&](std::string_view key, std::string_view value) {
                auto node = crypto::smt_node_from_bytes(value);
                if (!node || key.size() != 34) {
                    status = make_error(ErrorCode::corruption, "state_map record at depth " +
                                                                   std::to_string(depth) +
                                                                   " is not a position and a node");
                    return false;
                }
                crypto::SmtPosition position{.depth = depth, .path = {}};
                std::copy_n(key.data() + 2, 32, reinterpret_cast<char*>(position.path.bytes.data()));
                top.emplace(position, *node);
                return true;
            });
        if (!scanned) return scanned;
        if (!status) return status;
    }
    std::unique_lock lock(top_mutex_);
    top_ = std::move(top);
    top_loaded_ = true;
    return {};
}

void DbSmtNodeStore::apply(std::span<const crypto::SmtNodeChange> changes) {
    std::unique_lock lock(top_mutex_);
    if (!top_loaded_) return;
    for (const auto& [position, node] : changes) {
        if (position.depth >= smt_cached_depth) continue;
        if (node) {
            top_.insert_or_assign(position, *node);
        } else {
            top_.erase(position);
        }
    }
}

std::size_t DbSmtNodeStore::cached_nodes() const {
    std::shared_lock lock(top_mutex_);
    return top_.size();
}

}  // namespace custos::ledger::store
