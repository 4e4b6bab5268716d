// Merkle tree of RFC 9162 section 2.1: leaf = SHA-256(0x00 || data),
// node = SHA-256(0x01 || left || right), empty tree = SHA-256("").
//
// Only complete subtrees are stored, keyed by (level, index): the node at level L and index I
// covers leaves [I * 2^L, (I + 1) * 2^L). Appending a leaf writes the leaf and each subtree it
// completes: O(log n) hashes and puts, no reads. A root or proof for any size reads at most
// 2 * ceil(log2(size)) stored nodes (complete subtrees are one read each; only the one incomplete
// subtree on the right edge is combined from its parts); nothing ever rehashes all leaves.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::crypto {

[[nodiscard]] Hash32 merkle_leaf_hash(ByteView leaf_data);
[[nodiscard]] Hash32 merkle_node_hash(const Hash32& left, const Hash32& right);
[[nodiscard]] Hash32 merkle_empty_root();

struct NodeKey {
    std::uint8_t level = 0;
    std::uint64_t index = 0;

    friend bool operator==(const NodeKey&, const NodeKey&) = default;
    friend auto operator<=>(const NodeKey&, const NodeKey&) = default;
};

// Where complete-subtree hashes live: memory here, RocksDB in the ledger.
class NodeStore {
public:
    virtual ~NodeStore() = default;
    // not_found if the node was never put; io_error/corruption from a real store.
    [[nodiscard]] virtual Result<Hash32> get(NodeKey key) const = 0;
    virtual void put(NodeKey key, const Hash32& hash) = 0;
};

class MemoryNodeStore final : public NodeStore {
public:
    [[nodiscard]] Result<Hash32> get(NodeKey key) const override;
    void put(NodeKey key, const Hash32& hash) override;
    [[nodiscard]] std::size_t node_count() const { return dense_count_ + sparse_.size(); }

private:
    // A tree appends the nodes of each level in index order, so they live in one vector per
    // level (O(1) get and put, no allocation per node). A put that would leave a gap goes to
    // `sparse_` until the gap fills; the store stays correct for any order of puts.
    std::vector<std::vector<Hash32>> dense_;
    std::size_t dense_count_ = 0;
    std::map<NodeKey, Hash32> sparse_;
};

class MerkleTree {
public:
    // A tree over `store` that already holds the nodes of `size` leaves.
    [[nodiscard]] static Result<MerkleTree> open(NodeStore& store, std::uint64_t size);

    [[nodiscard]] std::uint64_t size() const { return size_; }
    // Appends one leaf by its leaf hash; writes the new complete subtrees to the store.
    void append(const Hash32& leaf_hash);
    [[nodiscard]] Hash32 root() const;
    [[nodiscard]] Result<Hash32> root_at(std::uint64_t size) const;
    // RFC 9162 section 2.1.3.1 PATH(index, D[0:size]).
    [[nodiscard]] Result<std::vector<Hash32>> inclusion_proof(std::uint64_t index, std::uint64_t size) const;
    // RFC 9162 section 2.1.4.1 PROOF(old_size, D[0:new_size]); 0 < old_size <= new_size.
    [[nodiscard]] Result<std::vector<Hash32>> consistency_proof(std::uint64_t old_size,
                                                                std::uint64_t new_size) const;

private:
    MerkleTree(NodeStore& store, std::uint64_t size) : store_(&store), size_(size) {}
    NodeStore* store_;
    std::uint64_t size_;
    // frontier_[level] = the complete subtree at `level` waiting for its right sibling.
    std::vector<Hash32> frontier_;
};

// RFC 9162 section 2.1.3.2. Fails with verification_failed naming what did not match.
[[nodiscard]] Status verify_inclusion(const Hash32& leaf_hash, std::uint64_t index, std::uint64_t size,
                                      std::span<const Hash32> proof, const Hash32& root);
// RFC 9162 section 2.1.4.2; old_size 0 or old_size > new_size is refused.
[[nodiscard]] Status verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                                        const Hash32& old_root, const Hash32& new_root,
                                        std::span<const Hash32> proof);

}  // namespace custos::crypto
