#include "ledger/store/store_nodes.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <string>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/store/store_keys.hpp"

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

namespace {

using crypto::SmtNode;
using crypto::SmtPosition;

std::string describe(std::uint16_t depth, const Hash32& path) {
    return "state_map record at depth " + std::to_string(depth) + " path " + crypto::hex_encode(path.view());
}

// The first `depth` bits of `path` as a number (depth at most 16).
std::size_t path_prefix(const Hash32& path, std::uint16_t depth) {
    if (depth == 0) return 0;
    const std::size_t bits = (std::size_t{path.bytes[0]} << 8) | path.bytes[1];
    return bits >> (16 - depth);
}

// Whether `path` has no bit set from bit `depth` on: a position's path (FORMAT.md 3.5).
bool path_ends_at(const Hash32& path, std::uint16_t depth) {
    for (std::size_t bit = depth; bit < crypto::smt_depth_max; ++bit) {
        if (crypto::smt_bit(path, bit) != 0) return false;
    }
    return true;
}

// Every record of the family at `depth`, parsed and checked to be a position's and a node's.
Status scan_depth(const Db& db, std::uint16_t depth,
                  const std::function<Status(const SmtPosition&, const SmtNode&)>& visit) {
    const std::string prefix = crypto::smt_position_key(SmtPosition{.depth = depth, .path = {}}).substr(0, 2);
    Status status;
    auto scanned = db.scan(Column::state_map, prefix, [&](std::string_view key, std::string_view value) {
        SmtPosition position{.depth = depth, .path = {}};
        auto node = crypto::smt_node_from_bytes(value);
        if (key.size() == 34)
            std::copy_n(key.data() + 2, 32, reinterpret_cast<char*>(position.path.bytes.data()));
        if (!node || key.size() != 34 || !path_ends_at(position.path, depth)) {
            status = make_error(ErrorCode::corruption,
                                describe(depth, position.path) + " is not a position and a node");
            return false;
        }
        if (node->kind == SmtNode::Kind::leaf &&
            path_prefix(node->first, depth) != path_prefix(position.path, depth)) {
            status = make_error(ErrorCode::corruption,
                                describe(depth, position.path) + " holds a leaf off its path");
            return false;
        }
        status = visit(position, *node);
        return status.has_value();
    });
    if (!scanned) return scanned;
    return status;
}

}  // namespace

DbSmtNodeStore::DbSmtNodeStore(const Db& db, std::uint16_t cached_depth)
    : db_(&db), cached_depth_(cached_depth) {
    CUSTOS_ASSERT(cached_depth >= 1 && cached_depth <= smt_cached_depth, "the cached top is 1 to 16 levels");
}

std::size_t DbSmtNodeStore::slot_index(const SmtPosition& position) const {
    return (std::size_t{1} << position.depth) - 1 + path_prefix(position.path, position.depth);
}

Result<std::optional<SmtNode>> DbSmtNodeStore::get(const SmtPosition& position) const {
    if (position.depth < cached_depth_) {
        std::shared_lock lock(top_mutex_);
        CUSTOS_ASSERT(top_loaded_, "the state map's top is read before load_top");
        const Slot& slot = top_[slot_index(position)];
        if (slot.kind == 0) return std::optional<SmtNode>{};
        return std::optional<SmtNode>{
            SmtNode{static_cast<SmtNode::Kind>(slot.kind), slot.first, slot.second}};
    }
    auto value = db_->get(Column::state_map, crypto::smt_position_key(position));
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return std::optional<SmtNode>{};
    auto node = crypto::smt_node_from_bytes(**value);
    if (!node) return tl::unexpected(node.error());
    return std::optional<SmtNode>{*node};
}

Result<crypto::SmtProof> DbSmtNodeStore::prove(const Hash32& key) const {
    std::shared_lock lock(commit_mutex_);
    return crypto::smt_prove(*this, key);
}

std::unique_lock<std::shared_mutex> DbSmtNodeStore::write_lock() const {
    return std::unique_lock(commit_mutex_);
}

namespace {

// A state map position above the bottom of the top whose kind contradicts its children's.
tl::unexpected<Error> misplaced_leaf(int depth, std::size_t prefix, bool leaf_stored_here) {
    SmtPosition position{.depth = static_cast<std::uint16_t>(depth), .path = {}};
    const std::size_t bits = prefix << (16 - depth);
    position.path.bytes[0] = static_cast<std::uint8_t>(bits >> 8);
    position.path.bytes[1] = static_cast<std::uint8_t>(bits & 0xFF);
    return make_error(ErrorCode::corruption, "state map position at depth " + std::to_string(depth) +
                                                 " path " + crypto::hex_encode(position.path.view()) +
                                                 (leaf_stored_here ? ": a stored leaf has nodes below it"
                                                                   : ": a lone leaf is stored below it"));
}

}  // namespace

Status DbSmtNodeStore::load_top() {
    std::vector<Slot> top((std::size_t{1} << cached_depth_) - 1);
    if (auto loaded = load_top_leaves(top); !loaded) return loaded;
    auto bottom = load_bottom();
    if (!bottom) return tl::unexpected(bottom.error());
    if (auto filled = fill_inner_nodes(top, std::move(*bottom)); !filled) return filled;
    std::unique_lock lock(top_mutex_);
    top_ = std::move(top);
    top_loaded_ = true;
    return {};
}

Status DbSmtNodeStore::load_top_leaves(std::vector<Slot>& top) const {
    // Above the bottom the family keeps leaves only.
    for (std::uint16_t depth = 0; depth < cached_depth_; ++depth) {
        auto scanned =
            scan_depth(*db_, depth, [&](const SmtPosition& position, const SmtNode& node) -> Status {
                if (node.kind != SmtNode::Kind::leaf) {
                    return make_error(ErrorCode::corruption,
                                      describe(depth, position.path) +
                                          " is an inner node: a store keeps only the leaves "
                                          "above depth " +
                                          std::to_string(cached_depth_));
                }
                top[slot_index(position)] =
                    Slot{static_cast<std::uint8_t>(node.kind), node.first, node.second};
                return {};
            });
        if (!scanned) return scanned;
    }
    return {};
}

Result<DbSmtNodeStore::Level> DbSmtNodeStore::load_bottom() const {
    // At the bottom: every node, of which the top needs the kind and hash.
    const std::uint16_t bottom = cached_depth_;
    Level level{std::vector<std::uint8_t>(std::size_t{1} << bottom),
                std::vector<Hash32>(std::size_t{1} << bottom)};
    auto scanned = scan_depth(*db_, bottom, [&](const SmtPosition& position, const SmtNode& node) -> Status {
        const std::size_t prefix = path_prefix(position.path, bottom);
        level.kinds[prefix] = static_cast<std::uint8_t>(node.kind);
        level.hashes[prefix] = node.hash();
        return {};
    });
    if (!scanned) return tl::unexpected(scanned.error());
    return level;
}

Status DbSmtNodeStore::fill_inner_nodes(std::vector<Slot>& top, Level below) const {
    // Upwards from the bottom: an inner node wherever a subtree holds two entries or more; a lone
    // leaf sits at the top of its otherwise empty subtree, never below it.
    const auto leaf = static_cast<std::uint8_t>(SmtNode::Kind::leaf);
    for (int depth = cached_depth_ - 1; depth >= 0; --depth) {
        const std::size_t count = std::size_t{1} << depth;
        Level level{std::vector<std::uint8_t>(count), std::vector<Hash32>(count)};
        for (std::size_t prefix = 0; prefix < count; ++prefix) {
            Slot& slot = top[count - 1 + prefix];
            const std::uint8_t left = below.kinds[2 * prefix];
            const std::uint8_t right = below.kinds[2 * prefix + 1];
            if (slot.kind != 0 ? (left != 0 || right != 0)
                               : ((left == 0 && right == leaf) || (left == leaf && right == 0)))
                return misplaced_leaf(depth, prefix, slot.kind != 0);
            if (slot.kind == 0 && (left != 0 || right != 0)) {
                slot = Slot{static_cast<std::uint8_t>(SmtNode::Kind::inner), below.hashes[2 * prefix],
                            below.hashes[2 * prefix + 1]};
            }
            level.kinds[prefix] = slot.kind;
            if (slot.kind != 0)
                level.hashes[prefix] =
                    SmtNode{static_cast<SmtNode::Kind>(slot.kind), slot.first, slot.second}.hash();
        }
        below = std::move(level);
    }
    return {};
}

void DbSmtNodeStore::put_changes(Batch& batch, std::span<const crypto::SmtNodeChange> changes) const {
    std::shared_lock lock(top_mutex_);
    CUSTOS_ASSERT(top_loaded_, "the state map's top is read before load_top");
    for (const auto& [position, node] : changes) {
        const bool stored_here =
            position.depth >= cached_depth_ || (node && node->kind == SmtNode::Kind::leaf);
        if (stored_here && node) {
            batch.put(Column::state_map, crypto::smt_position_key(position), crypto::smt_node_bytes(*node));
        } else if (stored_here ||
                   top_[slot_index(position)].kind == static_cast<std::uint8_t>(SmtNode::Kind::leaf)) {
            batch.remove(Column::state_map, crypto::smt_position_key(position));
        }
    }
}

void DbSmtNodeStore::apply(std::span<const crypto::SmtNodeChange> changes) {
    std::unique_lock lock(top_mutex_);
    CUSTOS_ASSERT(top_loaded_, "the state map's top is changed before load_top");
    for (const auto& [position, node] : changes) {
        if (position.depth >= cached_depth_) continue;
        top_[slot_index(position)] =
            node ? Slot{static_cast<std::uint8_t>(node->kind), node->first, node->second} : Slot{};
    }
}

std::size_t DbSmtNodeStore::cached_nodes() const {
    std::shared_lock lock(top_mutex_);
    return static_cast<std::size_t>(
        std::count_if(top_.begin(), top_.end(), [](const Slot& slot) { return slot.kind != 0; }));
}

}  // namespace custos::ledger::store
