#include "crypto/merkle.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "common/assert.hpp"
#include "crypto/sha256.hpp"

namespace custos::crypto {
namespace {

// A tree of at most 2^64 - 1 leaves has complete subtrees at levels 0 to 63 only.
constexpr std::size_t levels_max = 64;
constexpr std::uint64_t leaves_max = std::numeric_limits<std::uint64_t>::max();
// RFC 9162 section 2.1.1 domain separation: a leaf can never be read as an inner node.
constexpr std::uint8_t leaf_prefix = 0x00;
constexpr std::uint8_t node_prefix = 0x01;

std::string describe(NodeKey key) {
    return "(level " + std::to_string(key.level) + ", index " + std::to_string(key.index) + ")";
}

// The RFC 9162 split point k: the largest power of two strictly smaller than count (count >= 2).
std::uint64_t split_point(std::uint64_t count) {
    return std::bit_floor(count - 1);
}

// One stored complete subtree, with the node named in the error if the store fails.
Result<Hash32> stored_node(const NodeStore& store, NodeKey key) {
    Result<Hash32> hash = store.get(key);
    if (!hash) {
        return make_error(hash.error().code, "merkle node " + describe(key) + ": " + hash.error().message);
    }
    return hash;
}

// MTH(D[start:end]) for a range that the RFC recursion produces: either a complete aligned
// subtree, or a subtree on the right edge whose start is aligned to a power of two at least
// as large as the range. Such a range is a run of complete subtrees of decreasing size (one per
// set bit of its width); the RFC recursion combines them from the right, so walk the bits from
// the lowest: popcount(end - start) store reads, no leaf is ever rehashed.
Result<Hash32> range_hash(const NodeStore& store, std::uint64_t start, std::uint64_t end) {
    CUSTOS_ASSERT(start < end, "a merkle range holds at least one leaf");
    std::uint64_t bits = end - start;
    std::uint64_t right = end;
    Hash32 hash;
    bool first = true;
    while (bits != 0) {
        const std::uint64_t width = bits & (~bits + 1);
        bits &= bits - 1;
        right -= width;
        CUSTOS_ASSERT(right % width == 0, "RFC 9162 ranges split into aligned complete subtrees");
        const auto level = static_cast<std::uint8_t>(std::countr_zero(width));
        Result<Hash32> part = stored_node(store, NodeKey{.level = level, .index = right >> level});
        if (!part) return part;
        hash = first ? *part : merkle_node_hash(*part, hash);
        first = false;
    }
    return hash;
}

// Number of hashes in PATH(index, D[0:size]): one per split on the way down to the leaf.
std::size_t inclusion_path_length(std::uint64_t index, std::uint64_t size) {
    std::size_t length = 0;
    std::uint64_t offset = 0;
    std::uint64_t count = size;
    while (count > 1) {
        const std::uint64_t k = split_point(count);
        if (index < offset + k) {
            count = k;
        } else {
            offset += k;
            count -= k;
        }
        ++length;
    }
    return length;
}

// The shape of PROOF(old_size, D[0:new_size]), 0 < old_size < new_size: the number of splits
// the SUBPROOF recursion takes, and whether it ever descended to the right (b = false), in which
// case the old tree's last subtree is itself the first hash of the proof.
struct ConsistencyShape {
    std::size_t splits = 0;
    bool leading_node = false;
    [[nodiscard]] std::size_t length() const { return splits + (leading_node ? 1 : 0); }
};

ConsistencyShape consistency_shape(std::uint64_t old_size, std::uint64_t new_size) {
    ConsistencyShape shape;
    std::uint64_t old_count = old_size;
    std::uint64_t count = new_size;
    while (old_count != count) {
        const std::uint64_t k = split_point(count);
        if (old_count <= k) {
            count = k;
        } else {
            old_count -= k;
            count -= k;
            shape.leading_node = true;
        }
        ++shape.splits;
    }
    return shape;
}

std::string sizes_text(std::uint64_t old_size, std::uint64_t new_size) {
    return "old size " + std::to_string(old_size) + ", new size " + std::to_string(new_size);
}

}  // namespace

Hash32 merkle_leaf_hash(ByteView leaf_data) {
    return Sha256().update_byte(leaf_prefix).update(leaf_data).finish();
}

Hash32 merkle_node_hash(const Hash32& left, const Hash32& right) {
    // One call over a stack buffer: no allocation, and a few percent faster than three updates
    // of an incremental hash on this hot path (every append and every proof step).
    std::array<std::uint8_t, 1 + 2 * sizeof(Hash32::bytes)> input;
    input[0] = node_prefix;
    std::memcpy(input.data() + 1, left.bytes.data(), left.bytes.size());
    std::memcpy(input.data() + 1 + left.bytes.size(), right.bytes.data(), right.bytes.size());
    return sha256(ByteView(input.data(), input.size()));
}

Hash32 merkle_empty_root() {
    static const Hash32 empty = sha256(ByteView{});
    return empty;
}

Result<Hash32> MemoryNodeStore::get(NodeKey key) const {
    if (key.level < dense_.size() && key.index < dense_[key.level].size()) {
        return dense_[key.level][key.index];
    }
    auto found = sparse_.find(key);
    if (found == sparse_.end()) return make_error(ErrorCode::not_found, "no merkle node " + describe(key));
    return found->second;
}

void MemoryNodeStore::put(NodeKey key, const Hash32& hash) {
    if (key.level >= dense_.size()) dense_.resize(std::size_t{key.level} + 1);
    std::vector<Hash32>& level = dense_[key.level];
    if (key.index < level.size()) {
        level[key.index] = hash;
        return;
    }
    if (key.index > level.size()) {
        sparse_[key] = hash;
        return;
    }
    level.push_back(hash);
    ++dense_count_;
    // This put may have closed the gap in front of nodes that were put out of order.
    while (!sparse_.empty()) {
        auto next = sparse_.find(NodeKey{.level = key.level, .index = level.size()});
        if (next == sparse_.end()) break;
        level.push_back(next->second);
        ++dense_count_;
        sparse_.erase(next);
    }
}

Result<MerkleTree> MerkleTree::open(NodeStore& store, std::uint64_t size) {
    MerkleTree tree(store, size);
    tree.frontier_.resize(levels_max);
    // Each set bit L of size is a complete subtree on the right edge, waiting for a sibling.
    for (std::uint64_t bits = size; bits != 0; bits &= bits - 1) {
        const auto level = static_cast<std::uint8_t>(std::countr_zero(bits));
        Result<Hash32> hash = stored_node(store, NodeKey{.level = level, .index = (size >> level) - 1});
        if (!hash) {
            return make_error(hash.error().code, "open merkle tree of size " + std::to_string(size) + ": " +
                                                     hash.error().message);
        }
        tree.frontier_[level] = *hash;
    }
    return tree;
}

void MerkleTree::append(const Hash32& leaf_hash) {
    CUSTOS_ASSERT(size_ < leaves_max, "merkle tree is full");
    CUSTOS_ASSERT(frontier_.size() == levels_max, "a merkle tree is made by open()");
    // The new leaf is a right child at every level where size_ has a set bit: each such level
    // completes a subtree with the pending left sibling, and the first clear bit leaves the new
    // subtree pending in its place.
    Hash32 hash = leaf_hash;
    std::uint64_t index = size_;
    std::uint8_t level = 0;
    store_->put(NodeKey{.level = 0, .index = index}, hash);
    while ((index & 1) != 0) {
        hash = merkle_node_hash(frontier_[level], hash);
        index >>= 1;
        ++level;
        store_->put(NodeKey{.level = level, .index = index}, hash);
    }
    frontier_[level] = hash;
    ++size_;
}

Hash32 MerkleTree::root() const {
    if (size_ == 0) return merkle_empty_root();
    std::uint64_t bits = size_;
    Hash32 hash = frontier_[static_cast<std::size_t>(std::countr_zero(bits))];
    bits &= bits - 1;
    for (; bits != 0; bits &= bits - 1) {
        hash = merkle_node_hash(frontier_[static_cast<std::size_t>(std::countr_zero(bits))], hash);
    }
    return hash;
}

Result<Hash32> MerkleTree::root_at(std::uint64_t size) const {
    if (size > size_) {
        return make_error(ErrorCode::invalid_argument, "root at size " + std::to_string(size) +
                                                           " but the tree has " + std::to_string(size_) +
                                                           " leaves");
    }
    if (size == size_) return root();
    if (size == 0) return merkle_empty_root();
    return range_hash(*store_, 0, size);
}

Result<std::vector<Hash32>> MerkleTree::inclusion_proof(std::uint64_t index, std::uint64_t size) const {
    if (size > size_) {
        return make_error(ErrorCode::invalid_argument, "inclusion proof for size " + std::to_string(size) +
                                                           " but the tree has " + std::to_string(size_) +
                                                           " leaves");
    }
    if (index >= size) {
        return make_error(ErrorCode::invalid_argument, "inclusion proof index " + std::to_string(index) +
                                                           " is not below size " + std::to_string(size));
    }
    // The RFC recursion appends the sibling of each split after the deeper part of the path, so
    // walking down from the root fills the proof from its end.
    std::vector<Hash32> proof(inclusion_path_length(index, size));
    std::size_t slot = proof.size();
    std::uint64_t offset = 0;
    std::uint64_t count = size;
    while (count > 1) {
        const std::uint64_t k = split_point(count);
        Result<Hash32> sibling;
        if (index < offset + k) {
            sibling = range_hash(*store_, offset + k, offset + count);
            count = k;
        } else {
            sibling = range_hash(*store_, offset, offset + k);
            offset += k;
            count -= k;
        }
        if (!sibling) return make_error(sibling.error().code, sibling.error().message);
        proof[--slot] = *sibling;
    }
    CUSTOS_ASSERT(slot == 0, "inclusion path length matches the walk");
    return proof;
}

Result<std::vector<Hash32>> MerkleTree::consistency_proof(std::uint64_t old_size,
                                                          std::uint64_t new_size) const {
    if (old_size == 0 || old_size > new_size) {
        return make_error(
            ErrorCode::invalid_argument,
            "consistency proof needs 0 < old size <= new size; got " + sizes_text(old_size, new_size));
    }
    if (new_size > size_) {
        return make_error(ErrorCode::invalid_argument, "consistency proof to size " +
                                                           std::to_string(new_size) + " but the tree has " +
                                                           std::to_string(size_) + " leaves");
    }
    const ConsistencyShape shape = consistency_shape(old_size, new_size);
    std::vector<Hash32> proof(shape.length());
    std::size_t slot = proof.size();
    std::uint64_t offset = 0;
    std::uint64_t old_count = old_size;
    std::uint64_t count = new_size;
    while (old_count != count) {
        const std::uint64_t k = split_point(count);
        Result<Hash32> sibling;
        if (old_count <= k) {
            sibling = range_hash(*store_, offset + k, offset + count);
            count = k;
        } else {
            sibling = range_hash(*store_, offset, offset + k);
            offset += k;
            old_count -= k;
            count -= k;
        }
        if (!sibling) return make_error(sibling.error().code, sibling.error().message);
        proof[--slot] = *sibling;
    }
    if (shape.leading_node) {
        // SUBPROOF(m, D[m], false) = {MTH(D[m])}: the old tree's last subtree, deepest first.
        Result<Hash32> node = range_hash(*store_, offset, offset + count);
        if (!node) return make_error(node.error().code, node.error().message);
        proof[--slot] = *node;
    }
    CUSTOS_ASSERT(slot == 0, "consistency proof length matches the walk");
    return proof;
}

Status verify_inclusion(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                        std::span<const Hash32> proof, const Hash32& root) {
    if (index >= size) {
        return make_error(ErrorCode::invalid_argument, "inclusion proof: index " + std::to_string(index) +
                                                           " is not below tree size " + std::to_string(size));
    }
    const auto wrong_length = [&] {
        return make_error(ErrorCode::verification_failed,
                          "inclusion proof: has " + std::to_string(proof.size()) + " hashes but index " +
                              std::to_string(index) + " in a tree of size " + std::to_string(size) +
                              " needs " + std::to_string(inclusion_path_length(index, size)));
    };
    // RFC 9162 section 2.1.3.2, step by step: fn walks the leaf's position up the tree, sn the
    // last leaf's; where they meet, the path runs along the right edge and skips levels.
    std::uint64_t fn = index;
    std::uint64_t sn = size - 1;
    Hash32 r = leaf_hash;
    for (const Hash32& p : proof) {
        if (sn == 0) return wrong_length();
        if ((fn & 1) != 0 || fn == sn) {
            r = merkle_node_hash(p, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            r = merkle_node_hash(r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return wrong_length();
    if (r != root) {
        return make_error(ErrorCode::verification_failed,
                          "inclusion proof: the root computed for index " + std::to_string(index) +
                              " does not match the root of the tree of size " + std::to_string(size));
    }
    return {};
}

namespace {

// The verdict when the sizes alone decide it (an empty or larger old tree, or equal sizes), else
// nullopt: the proof's path must be walked.
std::optional<Status> consistency_by_sizes(std::uint64_t old_size, std::uint64_t new_size,
                                           const Hash32& old_root, const Hash32& new_root,
                                           std::span<const Hash32> proof) {
    if (old_size == 0) {
        return make_error(ErrorCode::invalid_argument,
                          "consistency proof: old size is 0 (the empty tree has no proof)");
    }
    if (old_size > new_size) {
        return make_error(
            ErrorCode::invalid_argument,
            "consistency proof: old size is larger than new size; " + sizes_text(old_size, new_size));
    }
    if (old_size == new_size) {
        if (!proof.empty()) {
            return make_error(ErrorCode::verification_failed,
                              "consistency proof: equal sizes need an empty proof, got " +
                                  std::to_string(proof.size()) + " hashes");
        }
        if (old_root != new_root) {
            return make_error(ErrorCode::verification_failed,
                              "consistency proof: equal sizes but different roots");
        }
        return Status{};
    }
    return std::nullopt;
}

}  // namespace

Status verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const Hash32& old_root,
                          const Hash32& new_root, std::span<const Hash32> proof) {
    if (auto decided = consistency_by_sizes(old_size, new_size, old_root, new_root, proof)) return *decided;
    const auto wrong_length = [&] {
        return make_error(ErrorCode::verification_failed,
                          "consistency proof: has " + std::to_string(proof.size()) + " hashes but " +
                              sizes_text(old_size, new_size) + " needs " +
                              std::to_string(consistency_shape(old_size, new_size).length()));
    };
    if (proof.empty()) return wrong_length();
    // RFC 9162 section 2.1.4.2. Step 2: an old tree whose size is a power of two is itself a
    // node of the new tree, so its root heads the path (read in place instead of copying).
    const bool prepend = std::has_single_bit(old_size);
    const std::size_t path_length = proof.size() + (prepend ? 1 : 0);
    const auto path = [&](std::size_t i) -> const Hash32& {
        if (!prepend) return proof[i];
        return i == 0 ? old_root : proof[i - 1];
    };
    std::uint64_t fn = old_size - 1;
    std::uint64_t sn = new_size - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    Hash32 fr = path(0);
    Hash32 sr = path(0);
    for (std::size_t i = 1; i < path_length; ++i) {
        const Hash32& c = path(i);
        if (sn == 0) return wrong_length();
        if ((fn & 1) != 0 || fn == sn) {
            fr = merkle_node_hash(c, fr);
            sr = merkle_node_hash(c, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            sr = merkle_node_hash(sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return wrong_length();
    if (fr != old_root) {
        return make_error(
            ErrorCode::verification_failed,
            "consistency proof: the computed old root does not match; " + sizes_text(old_size, new_size));
    }
    if (sr != new_root) {
        return make_error(
            ErrorCode::verification_failed,
            "consistency proof: the computed new root does not match; " + sizes_text(old_size, new_size));
    }
    return {};
}

}  // namespace custos::crypto
