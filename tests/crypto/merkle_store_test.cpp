// The Merkle tree against its node store: appends and proofs cost O(log n) store operations
// (counted, never timed), a reopened tree continues where it left off, and store errors surface.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "crypto/merkle.hpp"
#include "crypto_test_support.hpp"

using namespace custos;
using namespace custos::crypto;
using custos::test::naive_root;
using custos::test::synthetic_leaves;

namespace {

// Counts every store operation, to show what a tree does costs O(log n) of them.
class CountingNodeStore final : public NodeStore {
public:
    [[nodiscard]] Result<Hash32> get(NodeKey key) const override {
        ++gets;
        return inner.get(key);
    }
    void put(NodeKey key, const Hash32& hash) override {
        ++puts;
        inner.put(key, hash);
    }

    MemoryNodeStore inner;
    mutable std::uint64_t gets = 0;
    std::uint64_t puts = 0;
};

// Fails every read once `failing` is set, as a broken disk would.
class FailingNodeStore final : public NodeStore {
public:
    [[nodiscard]] Result<Hash32> get(NodeKey key) const override {
        if (failing) return make_error(ErrorCode::io_error, "simulated read failure");
        return inner.get(key);
    }
    void put(NodeKey key, const Hash32& hash) override { inner.put(key, hash); }

    MemoryNodeStore inner;
    bool failing = false;
};

MerkleTree open_or_fail(NodeStore& store, std::uint64_t size) {
    Result<MerkleTree> tree = MerkleTree::open(store, size);
    REQUIRE_MESSAGE(tree.has_value(), tree.error().to_string());
    return *tree;
}

}  // namespace

TEST_CASE("merkle: append writes O(log n) nodes and reads none; proofs at 100,000 leaves read O(log n)") {
    constexpr std::uint64_t leaf_count = 100'000;
    const std::vector<Hash32> leaves = synthetic_leaves(leaf_count);
    CountingNodeStore store;
    MerkleTree tree = open_or_fail(store, 0);
    std::uint64_t wrong_put_counts = 0;
    for (std::uint64_t i = 0; i < leaf_count; ++i) {
        const std::uint64_t before = store.puts;
        tree.append(leaves[i]);
        // The leaf itself, plus one node per subtree it completes: one per trailing 1 bit of the
        // old size, so never more than log2(n) + 1.
        if (store.puts - before != 1 + static_cast<std::uint64_t>(std::countr_one(i))) ++wrong_put_counts;
    }
    CHECK(wrong_put_counts == 0);
    CHECK(store.gets == 0);
    // Level L holds floor(n / 2^L) complete subtrees: 2n - popcount(n) nodes in all.
    CHECK(store.puts == 2 * leaf_count - std::popcount(leaf_count));
    CHECK(store.inner.node_count() == store.puts);
    CHECK(tree.root() == naive_root(leaves, 0, leaf_count));

    // Bound stated and checked: a proof for a tree of `size` leaves reads at most
    // 2 * ceil(log2(size)) stored nodes (one per level for complete siblings, plus one per set
    // bit of the single incomplete subtree on the right edge), against `size` leaves for a rehash.
    for (const std::uint64_t size : {leaf_count, std::uint64_t{98'303}, std::uint64_t{65'535},
                                     std::uint64_t{65'536}, std::uint64_t{65'537}}) {
        CAPTURE(size);
        const std::uint64_t gets_max = 2 * std::bit_width(size - 1);
        const Hash32 root = naive_root(leaves, 0, size);

        store.gets = 0;
        Result<Hash32> root_at = tree.root_at(size);
        REQUIRE(root_at.has_value());
        CHECK(*root_at == root);
        CHECK(store.gets <= static_cast<std::uint64_t>(std::popcount(size)));

        std::vector<std::uint64_t> indexes{0, 1, size / 2, size - 2, size - 1};
        for (std::uint64_t index = 7; index < size; index += 9'973)
            indexes.push_back(index);
        for (const std::uint64_t index : indexes) {
            CAPTURE(index);
            store.gets = 0;
            Result<std::vector<Hash32>> proof = tree.inclusion_proof(index, size);
            REQUIRE(proof.has_value());
            CHECK(store.gets <= gets_max);
            CHECK(verify_inclusion(leaves[index], index, size, *proof, root).has_value());
        }
        for (const std::uint64_t old_size :
             {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1'000},
              std::uint64_t{65'535}, std::uint64_t{65'536}, size - 1, size}) {
            if (old_size > size) continue;
            CAPTURE(old_size);
            store.gets = 0;
            Result<std::vector<Hash32>> proof = tree.consistency_proof(old_size, size);
            REQUIRE(proof.has_value());
            CHECK(store.gets <= gets_max);
            const Hash32 old_root = *tree.root_at(old_size);
            CHECK(verify_consistency(old_size, size, old_root, root, *proof).has_value());
        }
    }
}

TEST_CASE("merkle: a tree reopened on a store of N leaves continues to the same roots as a fresh tree") {
    constexpr std::size_t leaf_count = 300;
    const std::vector<Hash32> leaves = synthetic_leaves(leaf_count);
    MemoryNodeStore fresh_store;
    MerkleTree fresh = open_or_fail(fresh_store, 0);
    std::vector<Hash32> roots{fresh.root()};
    for (const Hash32& leaf : leaves) {
        fresh.append(leaf);
        roots.push_back(fresh.root());
    }

    for (const std::uint64_t stored : {0, 1, 2, 3, 5, 7, 8, 9, 64, 100, 255, 256, 257, 299, 300}) {
        CAPTURE(stored);
        CountingNodeStore store;
        {
            MerkleTree first = open_or_fail(store, 0);
            for (std::uint64_t i = 0; i < stored; ++i)
                first.append(leaves[i]);
        }
        // Reopening reads one node per set bit of the size: the pending left siblings.
        store.gets = 0;
        MerkleTree reopened = open_or_fail(store, stored);
        CHECK(store.gets == static_cast<std::uint64_t>(std::popcount(stored)));
        CHECK(reopened.size() == stored);
        CHECK(reopened.root() == roots[stored]);
        for (std::uint64_t i = stored; i < leaf_count; ++i) {
            reopened.append(leaves[i]);
            REQUIRE(reopened.root() == roots[i + 1]);
        }
        for (const std::uint64_t index : {0, 1, 150, 298, 299}) {
            CHECK(*reopened.inclusion_proof(index, leaf_count) == *fresh.inclusion_proof(index, leaf_count));
        }
        if (stored > 0) {
            CHECK(*reopened.consistency_proof(stored, leaf_count) ==
                  *fresh.consistency_proof(stored, leaf_count));
        }
    }
}

TEST_CASE("merkle: a tree opened at an earlier size of its store sees that size; a larger one fails") {
    const std::vector<Hash32> leaves = synthetic_leaves(300);
    MemoryNodeStore store;
    MerkleTree full = open_or_fail(store, 0);
    for (const Hash32& leaf : leaves)
        full.append(leaf);

    MerkleTree earlier = open_or_fail(store, 100);
    CHECK(earlier.root() == naive_root(leaves, 0, 100));
    CHECK(earlier.root_at(101).error().code == ErrorCode::invalid_argument);

    Result<MerkleTree> beyond = MerkleTree::open(store, 301);
    REQUIRE_FALSE(beyond.has_value());
    CHECK(beyond.error().code == ErrorCode::not_found);
    CHECK(beyond.error().message.find("(level 0, index 300)") != std::string::npos);
}

TEST_CASE("merkle: store read errors propagate as results naming the node") {
    FailingNodeStore store;
    MerkleTree tree = open_or_fail(store, 0);
    const std::vector<Hash32> leaves = synthetic_leaves(100);
    for (const Hash32& leaf : leaves)
        tree.append(leaf);
    store.failing = true;

    // The current root needs no reads: it comes from the in-memory frontier.
    CHECK(tree.root() == naive_root(leaves, 0, 100));
    const auto check_io_error = [](const auto& result) {
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error().code == ErrorCode::io_error);
        CHECK(result.error().message.find("merkle node (level ") != std::string::npos);
        CHECK(result.error().message.find("simulated read failure") != std::string::npos);
    };
    check_io_error(tree.inclusion_proof(5, 100));
    check_io_error(tree.consistency_proof(10, 100));
    check_io_error(tree.consistency_proof(64, 99));
    check_io_error(tree.root_at(50));
    check_io_error(MerkleTree::open(store, 100));
}

TEST_CASE("merkle: the memory store returns what was put, in any order, and nothing else") {
    MemoryNodeStore store;
    const std::vector<Hash32> hashes = synthetic_leaves(6);
    store.put({.level = 0, .index = 3}, hashes[3]);
    store.put({.level = 0, .index = 1}, hashes[1]);
    store.put({.level = 2, .index = 0}, hashes[5]);
    store.put({.level = 0, .index = 0}, hashes[0]);
    store.put({.level = 0, .index = 2}, hashes[2]);
    CHECK(store.node_count() == 5);
    for (std::uint64_t i = 0; i < 4; ++i)
        CHECK(*store.get({.level = 0, .index = i}) == hashes[i]);
    CHECK(*store.get({.level = 2, .index = 0}) == hashes[5]);
    store.put({.level = 0, .index = 1}, hashes[4]);
    CHECK(store.node_count() == 5);
    CHECK(*store.get({.level = 0, .index = 1}) == hashes[4]);
    for (const NodeKey missing : {NodeKey{.level = 0, .index = 4}, NodeKey{.level = 1, .index = 0},
                                  NodeKey{.level = 63, .index = 0}, NodeKey{.level = 2, .index = 1}}) {
        Result<Hash32> got = store.get(missing);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().code == ErrorCode::not_found);
    }
}
