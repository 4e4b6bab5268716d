#include "crypto/smt.hpp"

#include <algorithm>
#include <string>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"

namespace custos::crypto {

Hash32 smt_leaf_hash(const Hash32& key, const Hash32& value_hash) {
    return Sha256().update_byte(smt_leaf_prefix).update(key.view()).update(value_hash.view()).finish();
}

Hash32 smt_node_hash(const Hash32& left, const Hash32& right) {
    return Sha256().update_byte(smt_node_prefix).update(left.view()).update(right.view()).finish();
}

Hash32 smt_empty_hash() {
    return Hash32{};
}

int smt_bit(const Hash32& key, std::size_t index) {
    CUSTOS_ASSERT(index < smt_depth_max, "a key has 256 bits");
    return (key.bytes[index / 8] >> (7 - index % 8)) & 1;
}

Hash32 SmtNode::hash() const {
    return kind == Kind::leaf ? smt_leaf_hash(first, second) : smt_node_hash(first, second);
}

std::string smt_node_bytes(const SmtNode& node) {
    std::string out(1, static_cast<char>(node.kind));
    out.append(reinterpret_cast<const char*>(node.first.bytes.data()), node.first.bytes.size());
    out.append(reinterpret_cast<const char*>(node.second.bytes.data()), node.second.bytes.size());
    return out;
}

Result<SmtNode> smt_node_from_bytes(std::string_view bytes) {
    if (bytes.size() != 65 || (bytes[0] != 1 && bytes[0] != 2)) {
        return make_error(ErrorCode::corruption, "map node record is not a kind byte and two hashes");
    }
    SmtNode node{.kind = static_cast<SmtNode::Kind>(bytes[0])};
    std::copy_n(bytes.data() + 1, 32, reinterpret_cast<char*>(node.first.bytes.data()));
    std::copy_n(bytes.data() + 33, 32, reinterpret_cast<char*>(node.second.bytes.data()));
    return node;
}

std::string smt_position_key(const SmtPosition& position) {
    std::string out;
    out.push_back(static_cast<char>(position.depth >> 8));
    out.push_back(static_cast<char>(position.depth & 0xFF));
    out.append(reinterpret_cast<const char*>(position.path.bytes.data()), position.path.bytes.size());
    return out;
}

namespace {

SmtPosition child_position(const SmtPosition& parent, int bit) {
    SmtPosition child{.depth = static_cast<std::uint16_t>(parent.depth + 1), .path = parent.path};
    if (bit != 0) child.path.bytes[parent.depth / 8] |= static_cast<std::uint8_t>(0x80 >> (parent.depth % 8));
    return child;
}

std::string describe(const SmtPosition& position) {
    return "map node at depth " + std::to_string(position.depth) + " path " + hex(position.path);
}

// Number of leading bits two keys share (256 when equal).
std::size_t common_prefix_bits(const Hash32& a, const Hash32& b) {
    for (std::size_t i = 0; i < smt_depth_max; ++i) {
        if (smt_bit(a, i) != smt_bit(b, i)) return i;
    }
    return smt_depth_max;
}

Hash32 hash_of(const std::optional<SmtNode>& node) {
    return node ? node->hash() : smt_empty_hash();
}

// The node under a parent whose record names its hash: absent exactly when the hash is empty,
// and otherwise a node of that hash (a leaf on the position's path); anything else is a store
// that contradicts itself. Above the store's consistent_depth() only the first half is checked
// (no hashing): that copy was checked whole when it was built and is changed only by updates.
Result<std::optional<SmtNode>> load_child(const SmtNodeStore& store, const SmtPosition& position,
                                          const Hash32& expected) {
    auto node = store.get(position);
    if (!node) return make_error(node.error().code, describe(position) + ": " + node.error().message);
    if (node->has_value() != (expected != smt_empty_hash())) {
        return make_error(ErrorCode::corruption,
                          describe(position) + (node->has_value() ? " is under an empty record"
                                                                  : " is missing under its parent"));
    }
    if (position.depth < store.consistent_depth()) return node;
    if (hash_of(*node) != expected) {
        return make_error(ErrorCode::corruption,
                          describe(position) + " does not hash to its parent's record");
    }
    if (*node && (*node)->kind == SmtNode::Kind::leaf &&
        common_prefix_bits((*node)->first, position.path) < position.depth) {
        return make_error(ErrorCode::corruption, describe(position) + " holds a leaf off its path");
    }
    if (*node && (*node)->kind == SmtNode::Kind::inner && position.depth >= smt_depth_max) {
        return make_error(ErrorCode::corruption, describe(position) + " is an inner node below depth 255");
    }
    return node;
}

class Updater {
public:
    explicit Updater(const SmtNodeStore& store) : store_(store) {}

    // The subtree at `position` after `updates` (sorted by key, all on the position's path),
    // given the node there before (`before`; nullopt for an empty subtree). Writes the nodes
    // below `position`; the caller writes the one at `position`.
    Result<std::optional<SmtNode>> rebuild(const SmtPosition& position, const std::optional<SmtNode>& before,
                                           std::span<const SmtUpdate> updates) {
        if (updates.empty()) return before;
        if (!before || before->kind == SmtNode::Kind::leaf) return build(position, merge(before, updates));
        return rebuild_inner(position, *before, updates);
    }

    void write(const SmtPosition& position, const std::optional<SmtNode>& before,
               const std::optional<SmtNode>& after) {
        if (before != after) changes_.insert_or_assign(position, after);
    }

    [[nodiscard]] std::vector<SmtNodeChange> changes() const { return {changes_.begin(), changes_.end()}; }

private:
    // The entries of a subtree that was one leaf or empty, after the updates.
    static std::vector<SmtLeaf> merge(const std::optional<SmtNode>& before,
                                      std::span<const SmtUpdate> updates) {
        std::vector<SmtLeaf> entries;
        bool before_kept = before.has_value();
        for (const auto& update : updates) {
            if (before && update.key == before->first) before_kept = false;
            if (update.value_hash) entries.push_back(SmtLeaf{update.key, *update.value_hash});
        }
        if (before_kept) {
            entries.push_back(SmtLeaf{before->first, before->second});
            std::sort(entries.begin(), entries.end(),
                      [](const SmtLeaf& a, const SmtLeaf& b) { return a.key < b.key; });
        }
        return entries;
    }

    // A subtree holding exactly `entries` (sorted) where nothing was stored below `position`.
    std::optional<SmtNode> build(const SmtPosition& position, std::span<const SmtLeaf> entries) {
        if (entries.empty()) return std::nullopt;
        if (entries.size() == 1) return SmtNode{SmtNode::Kind::leaf, entries[0].key, entries[0].value_hash};
        CUSTOS_ASSERT(position.depth < smt_depth_max, "distinct keys part before depth 256");
        const auto split = std::partition_point(entries.begin(), entries.end(), [&](const SmtLeaf& entry) {
            return smt_bit(entry.key, position.depth) == 0;
        });
        const std::size_t left_count = static_cast<std::size_t>(split - entries.begin());
        const SmtPosition left = child_position(position, 0);
        const SmtPosition right = child_position(position, 1);
        auto left_node = build(left, entries.first(left_count));
        auto right_node = build(right, entries.subspan(left_count));
        write(left, std::nullopt, left_node);
        write(right, std::nullopt, right_node);
        return SmtNode{SmtNode::Kind::inner, hash_of(left_node), hash_of(right_node)};
    }

    Result<std::optional<SmtNode>> rebuild_inner(const SmtPosition& position, const SmtNode& before,
                                                 std::span<const SmtUpdate> updates) {
        const auto split = std::partition_point(updates.begin(), updates.end(), [&](const SmtUpdate& update) {
            return smt_bit(update.key, position.depth) == 0;
        });
        const std::size_t left_count = static_cast<std::size_t>(split - updates.begin());
        const std::span<const SmtUpdate> sides[2] = {updates.first(left_count), updates.subspan(left_count)};
        const Hash32 before_hashes[2] = {before.first, before.second};
        SmtPosition positions[2];
        std::optional<SmtNode> olds[2];
        std::optional<SmtNode> news[2];
        bool loaded[2] = {false, false};
        for (int side = 0; side < 2; ++side) {
            positions[side] = child_position(position, side);
            if (sides[side].empty()) continue;
            auto old = load_child(store_, positions[side], before_hashes[side]);
            if (!old) return tl::unexpected(old.error());
            olds[side] = *old;
            loaded[side] = true;
            auto rebuilt = rebuild(positions[side], olds[side], sides[side]);
            if (!rebuilt) return rebuilt;
            news[side] = *rebuilt;
        }
        // An untouched side is needed whole only if the other side is now empty: a lone leaf
        // then moves up to this position.
        for (int side = 0; side < 2; ++side) {
            const int other = 1 - side;
            if (loaded[side] || !loaded[other] || news[other]) continue;
            auto old = load_child(store_, positions[side], before_hashes[side]);
            if (!old) return tl::unexpected(old.error());
            olds[side] = news[side] = *old;
            loaded[side] = true;
        }
        const Hash32 hashes[2] = {loaded[0] ? hash_of(news[0]) : before.first,
                                  loaded[1] ? hash_of(news[1]) : before.second};
        for (int side = 0; side < 2; ++side) {
            const bool other_empty = hashes[1 - side] == smt_empty_hash();
            const bool lone = hashes[side] == smt_empty_hash() ||
                              (loaded[side] && news[side] && news[side]->kind == SmtNode::Kind::leaf);
            if (other_empty && lone) {
                write(positions[0], olds[0], std::nullopt);
                write(positions[1], olds[1], std::nullopt);
                return news[side];
            }
        }
        for (int side = 0; side < 2; ++side) {
            if (loaded[side]) write(positions[side], olds[side], news[side]);
        }
        return SmtNode{SmtNode::Kind::inner, hashes[0], hashes[1]};
    }

    const SmtNodeStore& store_;
    std::map<SmtPosition, std::optional<SmtNode>> changes_;
};

Result<std::optional<SmtNode>> load_root(const SmtNodeStore& store) {
    const SmtPosition root{};
    auto node = store.get(root);
    if (!node) return make_error(node.error().code, describe(root) + ": " + node.error().message);
    return *node;
}

}  // namespace

Result<SmtChanges> smt_update(const SmtNodeStore& store, std::span<const SmtUpdate> updates) {
    std::vector<SmtUpdate> sorted(updates.begin(), updates.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const SmtUpdate& a, const SmtUpdate& b) { return a.key < b.key; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        if (sorted[i].key == sorted[i - 1].key) {
            return make_error(ErrorCode::invalid_argument,
                              "map update names key " + hex(sorted[i].key) + " twice");
        }
    }
    auto before = load_root(store);
    if (!before) return tl::unexpected(before.error());
    Updater updater(store);
    auto after = updater.rebuild(SmtPosition{}, *before, sorted);
    if (!after) return tl::unexpected(after.error());
    updater.write(SmtPosition{}, *before, *after);
    return SmtChanges{.root = hash_of(*after), .nodes = updater.changes()};
}

Result<Hash32> smt_root(const SmtNodeStore& store) {
    auto root = load_root(store);
    if (!root) return tl::unexpected(root.error());
    return hash_of(*root);
}

Result<SmtProof> smt_prove(const SmtNodeStore& store, const Hash32& key) {
    auto node = load_root(store);
    if (!node) return tl::unexpected(node.error());
    SmtPosition position{};
    SmtProof proof;
    std::vector<Hash32> path;  // the sibling at every depth, the root's child first
    while (*node && (*node)->kind == SmtNode::Kind::inner) {
        if (position.depth >= smt_depth_max) {
            return make_error(ErrorCode::corruption,
                              describe(position) + " is an inner node below depth 255");
        }
        const int bit = smt_bit(key, position.depth);
        path.push_back(bit != 0 ? (*node)->first : (*node)->second);
        const Hash32 next = bit != 0 ? (*node)->second : (*node)->first;
        position = child_position(position, bit);
        node = load_child(store, position, next);
        if (!node) return tl::unexpected(node.error());
    }
    if (*node) proof.leaf = SmtLeaf{(*node)->first, (*node)->second};
    proof.depth = path.size();
    proof.empty.assign((path.size() + 7) / 8, 0);
    for (std::size_t depth = path.size(); depth-- > 0;) {
        if (path[depth] == smt_empty_hash())
            proof.empty[depth / 8] |= static_cast<std::uint8_t>(0x80 >> (depth % 8));
        else
            proof.siblings.push_back(path[depth]);
    }
    return proof;
}

namespace {

bool empty_bit(const std::vector<std::uint8_t>& bitmap, std::size_t depth) {
    return ((bitmap[depth / 8] >> (7 - depth % 8)) & 1) != 0;
}

// The checks of FORMAT.md 3.5 that make the proof's form the only one: depth, bitmap length,
// padding, count, no listed empty hash. Each failure names its check.
Status check_proof_form(const SmtProof& proof) {
    const auto refuse = [](const std::string& check, const std::string& what) -> Status {
        return make_error(ErrorCode::verification_failed, "map proof (" + check + "): " + what);
    };
    if (proof.depth > smt_depth_max)
        return refuse("depth", "depth " + std::to_string(proof.depth) + " is more than 256");
    if (proof.empty.size() != (proof.depth + 7) / 8) {
        return refuse("bitmap", "the empty bitmap has " + std::to_string(proof.empty.size()) +
                                    " bytes, not ceil(depth / 8) = " + std::to_string((proof.depth + 7) / 8));
    }
    std::size_t flagged = 0;
    for (std::size_t depth = 0; depth < 8 * proof.empty.size(); ++depth) {
        if (!empty_bit(proof.empty, depth)) continue;
        if (depth >= proof.depth)
            return refuse("padding",
                          "bit " + std::to_string(depth) + " of the empty bitmap is past the depth");
        ++flagged;
    }
    if (proof.siblings.size() != proof.depth - flagged) {
        return refuse("count", std::to_string(proof.siblings.size()) + " siblings listed, not " +
                                   std::to_string(proof.depth - flagged) + " (depth " +
                                   std::to_string(proof.depth) + " less " + std::to_string(flagged) +
                                   " flagged empty)");
    }
    for (std::size_t i = 0; i < proof.siblings.size(); ++i) {
        if (proof.siblings[i] == smt_empty_hash())
            return refuse("zero", "listed sibling " + std::to_string(i) +
                                      " is the empty hash, which is flagged, not listed");
    }
    return {};
}

}  // namespace

Result<std::optional<Hash32>> smt_proven_value(const Hash32& root, const Hash32& key, const SmtProof& proof) {
    if (auto form = check_proof_form(proof); !form) return tl::unexpected(form.error());
    const std::size_t depth = proof.depth;
    Hash32 current = smt_empty_hash();
    std::optional<Hash32> value;
    if (proof.leaf) {
        if (proof.leaf->key == key) {
            value = proof.leaf->value_hash;
        } else if (common_prefix_bits(proof.leaf->key, key) < depth) {
            return make_error(ErrorCode::verification_failed, "map proof (path): the leaf " +
                                                                  hex(proof.leaf->key) +
                                                                  " is not on the path of key " + hex(key));
        }
        current = smt_leaf_hash(proof.leaf->key, proof.leaf->value_hash);
    }
    std::size_t listed = 0;
    for (std::size_t level = depth; level-- > 0;) {
        const Hash32 sibling = empty_bit(proof.empty, level) ? smt_empty_hash() : proof.siblings[listed++];
        current =
            smt_bit(key, level) != 0 ? smt_node_hash(sibling, current) : smt_node_hash(current, sibling);
    }
    CUSTOS_ASSERT(listed == proof.siblings.size(), "check_proof_form counted the listed siblings");
    if (current != root) {
        return make_error(
            ErrorCode::verification_failed,
            "map proof (root) of key " + hex(key) + " leads to root " + hex(current) + ", not " + hex(root));
    }
    return value;
}

Status smt_verify(const Hash32& root, const Hash32& key, const std::optional<Hash32>& value_hash,
                  const SmtProof& proof) {
    auto proven = smt_proven_value(root, key, proof);
    if (!proven) return tl::unexpected(proven.error());
    if (*proven == value_hash) return {};
    const auto show = [](const std::optional<Hash32>& value) {
        return value ? "value hash " + hex(*value) : std::string("absent");
    };
    return make_error(ErrorCode::verification_failed, "map proof (value) shows key " + hex(key) + " " +
                                                          show(*proven) + ", not " + show(value_hash));
}

Result<std::optional<SmtNode>> MemorySmtNodeStore::get(const SmtPosition& position) const {
    auto found = nodes_.find(position);
    if (found == nodes_.end()) return std::optional<SmtNode>{};
    return std::optional<SmtNode>{found->second};
}

void MemorySmtNodeStore::apply(std::span<const SmtNodeChange> changes) {
    for (const auto& [position, node] : changes) {
        if (node) {
            nodes_.insert_or_assign(position, *node);
        } else {
            nodes_.erase(position);
        }
    }
}

Result<std::optional<SmtNode>> OverlaySmtNodeStore::get(const SmtPosition& position) const {
    auto found = changes_.find(position);
    if (found != changes_.end()) return found->second;
    return base_.get(position);
}

void OverlaySmtNodeStore::apply(std::span<const SmtNodeChange> changes) {
    for (const auto& [position, node] : changes)
        changes_.insert_or_assign(position, node);
}

}  // namespace custos::crypto
