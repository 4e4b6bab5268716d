// RFC 9162 section 2.1 Merkle tree: roots and proofs against merkle_rfc9162.json (computed by an
// independent implementation), every tampered proof refused, and the cost of appends and proofs
// counted in store operations.
#include <doctest/doctest.h>

#include <bit>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"
#include "crypto/sha256.hpp"
#include "crypto_test_support.hpp"
#include "vectors_path.hpp"

using namespace custos;
using namespace custos::crypto;
using custos::test::naive_root;
using custos::test::synthetic_leaves;

namespace {

struct InclusionCase {
    std::uint64_t index = 0;
    std::uint64_t size = 0;
    std::vector<Hash32> proof;
};

struct ConsistencyCase {
    std::uint64_t old_size = 0;
    std::uint64_t new_size = 0;
    std::vector<Hash32> proof;
};

struct VectorSet {
    std::string name;
    std::vector<Hash32> leaf_hashes;
    std::vector<Hash32> roots;  // roots[size], for size 1..leaf_hashes.size(); roots[0] unused.
    std::vector<InclusionCase> inclusion;
    std::vector<ConsistencyCase> consistency;
};

Hash32 hash_hex(const std::string& text) {
    Result<Hash32> hash = hash_from_hex(text);
    REQUIRE_MESSAGE(hash.has_value(), "bad hash in vector: " << text);
    return *hash;
}

std::vector<Hash32> hashes_hex(const nlohmann::json& array) {
    std::vector<Hash32> out;
    for (const auto& item : array)
        out.push_back(hash_hex(item.get<std::string>()));
    return out;
}

struct MerkleVectors {
    Hash32 empty_root;
    std::vector<VectorSet> sets;
};

MerkleVectors load_merkle_vectors() {
    const nlohmann::json doc = nlohmann::json::parse(test::read_vector("merkle_rfc9162.json"));
    MerkleVectors vectors{.empty_root = hash_hex(doc.at("empty_root").get<std::string>()), .sets = {}};
    for (const auto& [name, set] : doc.at("sets").items()) {
        VectorSet out{.name = name};
        // Both sets give each leaf's data as hex; the leaf hash is SHA-256(0x00 || data).
        for (const auto& leaf : set.at("leaves")) {
            Result<Bytes> data = hex_decode(leaf.get<std::string>());
            REQUIRE(data.has_value());
            out.leaf_hashes.push_back(merkle_leaf_hash(*data));
        }
        out.roots.resize(out.leaf_hashes.size() + 1);
        for (const auto& [size, root] : set.at("roots").items()) {
            const std::size_t at = std::stoull(size);
            REQUIRE(at >= 1);
            REQUIRE(at < out.roots.size());
            out.roots[at] = hash_hex(root.get<std::string>());
        }
        REQUIRE(set.at("roots").size() == out.leaf_hashes.size());
        for (const auto& item : set.at("inclusion")) {
            out.inclusion.push_back({.index = item.at("index").get<std::uint64_t>(),
                                     .size = item.at("size").get<std::uint64_t>(),
                                     .proof = hashes_hex(item.at("proof"))});
        }
        for (const auto& item : set.at("consistency")) {
            out.consistency.push_back({.old_size = item.at("old_size").get<std::uint64_t>(),
                                       .new_size = item.at("new_size").get<std::uint64_t>(),
                                       .proof = hashes_hex(item.at("proof"))});
        }
        REQUIRE(!out.inclusion.empty());
        REQUIRE(!out.consistency.empty());
        vectors.sets.push_back(std::move(out));
    }
    REQUIRE(vectors.sets.size() == 2);
    return vectors;
}

// The RFC 9162 recursions written out naively over all leaf hashes (O(n) per call), as a
// reference for trees small enough to afford it (naive_root: crypto_test_support.hpp).
std::vector<Hash32> naive_path(const std::vector<Hash32>& leaves, std::size_t index, std::size_t start,
                               std::size_t end) {
    if (end - start == 1) return {};
    const std::size_t k = std::bit_floor(end - start - 1);
    std::vector<Hash32> path;
    if (index < k) {
        path = naive_path(leaves, index, start, start + k);
        path.push_back(naive_root(leaves, start + k, end));
    } else {
        path = naive_path(leaves, index - k, start + k, end);
        path.push_back(naive_root(leaves, start, start + k));
    }
    return path;
}

std::vector<Hash32> naive_subproof(const std::vector<Hash32>& leaves, std::size_t old_size, std::size_t start,
                                   std::size_t end, bool complete) {
    if (old_size == end - start) {
        if (complete) return {};
        return {naive_root(leaves, start, end)};
    }
    const std::size_t k = std::bit_floor(end - start - 1);
    std::vector<Hash32> proof;
    if (old_size <= k) {
        proof = naive_subproof(leaves, old_size, start, start + k, complete);
        proof.push_back(naive_root(leaves, start + k, end));
    } else {
        proof = naive_subproof(leaves, old_size - k, start + k, end, false);
        proof.push_back(naive_root(leaves, start, start + k));
    }
    return proof;
}

Hash32 flip_bit(Hash32 hash, std::size_t seed) {
    hash.bytes[(seed * 13) % hash.bytes.size()] ^= static_cast<std::uint8_t>(1U << (seed % 8));
    return hash;
}

MerkleTree fresh_tree(NodeStore& store, const std::vector<Hash32>& leaves) {
    Result<MerkleTree> tree = MerkleTree::open(store, 0);
    REQUIRE(tree.has_value());
    for (const Hash32& leaf : leaves)
        tree->append(leaf);
    return *tree;
}

}  // namespace

TEST_CASE("merkle: the empty tree's root is SHA-256 of no bytes, as the vectors state") {
    const MerkleVectors vectors = load_merkle_vectors();
    CHECK(merkle_empty_root() == vectors.empty_root);
    CHECK(merkle_empty_root() == sha256(ByteView{}));
    MemoryNodeStore store;
    Result<MerkleTree> tree = MerkleTree::open(store, 0);
    REQUIRE(tree.has_value());
    CHECK(tree->size() == 0);
    CHECK(tree->root() == vectors.empty_root);
    Result<Hash32> at_zero = tree->root_at(0);
    REQUIRE(at_zero.has_value());
    CHECK(*at_zero == vectors.empty_root);
    CHECK(store.node_count() == 0);
}

TEST_CASE("merkle: the 'big' vector leaves are SHA-256 of 'leaf-<i>', as its description says") {
    const nlohmann::json doc = nlohmann::json::parse(test::read_vector("merkle_rfc9162.json"));
    const auto& leaves = doc.at("sets").at("big").at("leaves");
    REQUIRE(leaves.size() == 70);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
        CHECK(leaves[i].get<std::string>() == hex_encode(sha256("leaf-" + std::to_string(i)).view()));
    }
}

TEST_CASE("merkle: roots for every size equal the RFC 9162 vectors") {
    for (const VectorSet& set : load_merkle_vectors().sets) {
        CAPTURE(set.name);
        MemoryNodeStore store;
        Result<MerkleTree> tree = MerkleTree::open(store, 0);
        REQUIRE(tree.has_value());
        for (std::size_t size = 1; size <= set.leaf_hashes.size(); ++size) {
            tree->append(set.leaf_hashes[size - 1]);
            CAPTURE(size);
            CHECK(tree->size() == size);
            CHECK(tree->root() == set.roots[size]);
        }
        for (std::size_t size = 1; size <= set.leaf_hashes.size(); ++size) {
            CAPTURE(size);
            Result<Hash32> root = tree->root_at(size);
            REQUIRE(root.has_value());
            CHECK(*root == set.roots[size]);
        }
    }
}

TEST_CASE("merkle: inclusion proofs equal the vectors and verify") {
    for (const VectorSet& set : load_merkle_vectors().sets) {
        CAPTURE(set.name);
        MemoryNodeStore store;
        const MerkleTree tree = fresh_tree(store, set.leaf_hashes);
        for (const InclusionCase& vector : set.inclusion) {
            CAPTURE(vector.index);
            CAPTURE(vector.size);
            Result<std::vector<Hash32>> proof = tree.inclusion_proof(vector.index, vector.size);
            REQUIRE(proof.has_value());
            CHECK(*proof == vector.proof);
            Status verdict = verify_inclusion(set.leaf_hashes[vector.index], vector.index, vector.size,
                                              vector.proof, set.roots[vector.size]);
            CHECK_MESSAGE(verdict.has_value(), (verdict ? "" : verdict.error().to_string()));
        }
    }
}

TEST_CASE("merkle: consistency proofs equal the vectors and verify") {
    for (const VectorSet& set : load_merkle_vectors().sets) {
        CAPTURE(set.name);
        MemoryNodeStore store;
        const MerkleTree tree = fresh_tree(store, set.leaf_hashes);
        for (const ConsistencyCase& vector : set.consistency) {
            CAPTURE(vector.old_size);
            CAPTURE(vector.new_size);
            Result<std::vector<Hash32>> proof = tree.consistency_proof(vector.old_size, vector.new_size);
            REQUIRE(proof.has_value());
            CHECK(*proof == vector.proof);
            Status verdict = verify_consistency(vector.old_size, vector.new_size, set.roots[vector.old_size],
                                                set.roots[vector.new_size], vector.proof);
            CHECK_MESSAGE(verdict.has_value(), (verdict ? "" : verdict.error().to_string()));
        }
    }
}

TEST_CASE("merkle: every tampered inclusion proof is rejected") {
    for (const VectorSet& set : load_merkle_vectors().sets) {
        CAPTURE(set.name);
        const std::uint64_t sizes = set.leaf_hashes.size();
        for (const InclusionCase& vector : set.inclusion) {
            CAPTURE(vector.index);
            CAPTURE(vector.size);
            const Hash32& leaf = set.leaf_hashes[vector.index];
            const Hash32& root = set.roots[vector.size];
            const auto rejected = [&](std::uint64_t index, std::uint64_t size,
                                      const std::vector<Hash32>& proof, const Hash32& leaf_hash,
                                      const Hash32& claimed_root) {
                return !verify_inclusion(leaf_hash, index, size, proof, claimed_root).has_value();
            };
            REQUIRE_FALSE(rejected(vector.index, vector.size, vector.proof, leaf, root));
            // One flipped bit in any proof hash, in the leaf hash or in the root.
            for (std::size_t i = 0; i < vector.proof.size(); ++i) {
                std::vector<Hash32> tampered = vector.proof;
                tampered[i] = flip_bit(tampered[i], i);
                CHECK(rejected(vector.index, vector.size, tampered, leaf, root));
            }
            CHECK(rejected(vector.index, vector.size, vector.proof, flip_bit(leaf, 3), root));
            CHECK(rejected(vector.index, vector.size, vector.proof, leaf, flip_bit(root, 5)));
            // Any other index, including ones at or past the size.
            for (std::uint64_t index = 0; index < vector.size + 2; ++index) {
                if (index != vector.index) CHECK(rejected(index, vector.size, vector.proof, leaf, root));
            }
            // Any other size, with that size's root. With this root, sizes whose path has a
            // different length are refused; a size of the same path shape recomputes this same
            // root by design, which is why a checkpoint signs the size and root together.
            for (std::uint64_t size = 1; size <= sizes; ++size) {
                if (size == vector.size) continue;
                CAPTURE(size);
                CHECK(rejected(vector.index, size, vector.proof, leaf, set.roots[size]));
                const bool other_length =
                    size <= vector.index ||
                    naive_path(set.leaf_hashes, vector.index, 0, size).size() != vector.proof.size();
                if (other_length) CHECK(rejected(vector.index, size, vector.proof, leaf, root));
            }
            CHECK(rejected(vector.index, 0, vector.proof, leaf, root));
            // One hash short (either end) and one hash long (either end).
            if (!vector.proof.empty()) {
                CHECK(rejected(vector.index, vector.size, {vector.proof.begin(), vector.proof.end() - 1},
                               leaf, root));
                CHECK(rejected(vector.index, vector.size, {vector.proof.begin() + 1, vector.proof.end()},
                               leaf, root));
            }
            std::vector<Hash32> longer = vector.proof;
            longer.push_back(Hash32{});
            CHECK(rejected(vector.index, vector.size, longer, leaf, root));
            longer.back() = vector.proof.empty() ? leaf : vector.proof.back();
            CHECK(rejected(vector.index, vector.size, longer, leaf, root));
            longer = vector.proof;
            longer.insert(longer.begin(), leaf);
            CHECK(rejected(vector.index, vector.size, longer, leaf, root));
        }
    }
}

TEST_CASE("merkle: every tampered consistency proof is rejected") {
    for (const VectorSet& set : load_merkle_vectors().sets) {
        CAPTURE(set.name);
        const std::uint64_t sizes = set.leaf_hashes.size();
        for (const ConsistencyCase& vector : set.consistency) {
            CAPTURE(vector.old_size);
            CAPTURE(vector.new_size);
            const Hash32& old_root = set.roots[vector.old_size];
            const Hash32& new_root = set.roots[vector.new_size];
            const auto rejected = [](std::uint64_t old_size, std::uint64_t new_size, const Hash32& first,
                                     const Hash32& second, const std::vector<Hash32>& proof) {
                return !verify_consistency(old_size, new_size, first, second, proof).has_value();
            };
            REQUIRE_FALSE(rejected(vector.old_size, vector.new_size, old_root, new_root, vector.proof));
            for (std::size_t i = 0; i < vector.proof.size(); ++i) {
                std::vector<Hash32> tampered = vector.proof;
                tampered[i] = flip_bit(tampered[i], i + 1);
                CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, tampered));
            }
            CHECK(rejected(vector.old_size, vector.new_size, flip_bit(old_root, 7), new_root, vector.proof));
            CHECK(rejected(vector.old_size, vector.new_size, old_root, flip_bit(new_root, 9), vector.proof));
            CHECK(rejected(vector.old_size, vector.new_size, new_root, old_root, vector.proof));
            CHECK(rejected(0, vector.new_size, merkle_empty_root(), new_root, vector.proof));
            CHECK(rejected(vector.new_size, vector.old_size, new_root, old_root, vector.proof));
            CHECK(rejected(vector.new_size, vector.old_size, old_root, new_root, vector.proof));
            // Every other pair of sizes, each with its own roots.
            for (std::uint64_t old_size = 1; old_size <= sizes; ++old_size) {
                for (std::uint64_t new_size = old_size; new_size <= sizes; ++new_size) {
                    if (old_size == vector.old_size && new_size == vector.new_size) continue;
                    CAPTURE(old_size);
                    CAPTURE(new_size);
                    CHECK(
                        rejected(old_size, new_size, set.roots[old_size], set.roots[new_size], vector.proof));
                }
            }
            REQUIRE(!vector.proof.empty());
            const auto begin = vector.proof.begin();
            const auto end = vector.proof.end();
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, {begin, end - 1}));
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, {begin + 1, end}));
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, {}));
            std::vector<Hash32> longer = vector.proof;
            longer.push_back(Hash32{});
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, longer));
            longer.back() = vector.proof.back();
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, longer));
            longer = vector.proof;
            longer.insert(longer.begin(), old_root);
            CHECK(rejected(vector.old_size, vector.new_size, old_root, new_root, longer));
        }
    }
}

TEST_CASE("merkle: equal sizes are consistent only with an empty proof and equal roots") {
    const std::vector<Hash32> leaves = synthetic_leaves(5);
    MemoryNodeStore store;
    const MerkleTree tree = fresh_tree(store, leaves);
    Result<std::vector<Hash32>> proof = tree.consistency_proof(5, 5);
    REQUIRE(proof.has_value());
    CHECK(proof->empty());
    const Hash32 root = tree.root();
    CHECK(verify_consistency(5, 5, root, root, {}).has_value());
    const Hash32 other = *tree.root_at(4);
    Status different = verify_consistency(5, 5, root, other, {});
    REQUIRE_FALSE(different.has_value());
    CHECK(different.error().code == ErrorCode::verification_failed);
    const std::vector<Hash32> extra{leaves[0]};
    Status not_empty = verify_consistency(5, 5, root, root, extra);
    REQUIRE_FALSE(not_empty.has_value());
    CHECK(not_empty.error().code == ErrorCode::verification_failed);
}

TEST_CASE("merkle: verification failures say what failed") {
    const std::vector<Hash32> leaves = synthetic_leaves(6);
    MemoryNodeStore store;
    const MerkleTree tree = fresh_tree(store, leaves);
    const Hash32 root = tree.root();
    const std::vector<Hash32> path = *tree.inclusion_proof(2, 6);
    const auto error_of = [](const Status& status) { return status ? Error{} : status.error(); };

    Error error = error_of(verify_inclusion(leaves[2], 6, 6, path, root));
    CHECK(error.code == ErrorCode::invalid_argument);
    CHECK(error.message.find("not below tree size") != std::string::npos);
    error = error_of(verify_inclusion(leaves[2], 2, 6, {path.begin(), path.end() - 1}, root));
    CHECK(error.code == ErrorCode::verification_failed);
    CHECK(error.message.find("has 2 hashes but index 2 in a tree of size 6 needs 3") != std::string::npos);
    std::vector<Hash32> longer = path;
    longer.push_back(root);
    error = error_of(verify_inclusion(leaves[2], 2, 6, longer, root));
    CHECK(error.code == ErrorCode::verification_failed);
    CHECK(error.message.find("has 4 hashes but index 2 in a tree of size 6 needs 3") != std::string::npos);
    error = error_of(verify_inclusion(leaves[3], 2, 6, path, root));
    CHECK(error.code == ErrorCode::verification_failed);
    CHECK(error.message.find("does not match") != std::string::npos);

    const std::vector<Hash32> consistency = *tree.consistency_proof(3, 6);
    const Hash32 old_root = *tree.root_at(3);
    error = error_of(verify_consistency(0, 6, old_root, root, consistency));
    CHECK(error.code == ErrorCode::invalid_argument);
    CHECK(error.message.find("old size is 0") != std::string::npos);
    error = error_of(verify_consistency(6, 3, old_root, root, consistency));
    CHECK(error.code == ErrorCode::invalid_argument);
    CHECK(error.message.find("larger than new size") != std::string::npos);
    error = error_of(verify_consistency(3, 6, old_root, root, {consistency.begin(), consistency.end() - 1}));
    CHECK(error.code == ErrorCode::verification_failed);
    CHECK(error.message.find("needs " + std::to_string(consistency.size())) != std::string::npos);
    longer = consistency;
    longer.push_back(root);
    error = error_of(verify_consistency(3, 6, old_root, root, longer));
    CHECK(error.code == ErrorCode::verification_failed);
    CHECK(error.message.find("has " + std::to_string(longer.size()) +
                             " hashes but old size 3, new size 6 needs " +
                             std::to_string(consistency.size())) != std::string::npos);
    error = error_of(verify_consistency(3, 6, root, root, consistency));
    CHECK(error.message.find("old root does not match") != std::string::npos);
    error = error_of(verify_consistency(3, 6, old_root, old_root, consistency));
    CHECK(error.message.find("new root does not match") != std::string::npos);
}

TEST_CASE("merkle: proofs outside the tree or with sizes out of order are refused") {
    MemoryNodeStore store;
    const MerkleTree tree = fresh_tree(store, synthetic_leaves(10));
    const auto code_of = [](const auto& result) {
        return result ? ErrorCode::internal : result.error().code;
    };
    CHECK(code_of(tree.inclusion_proof(10, 10)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.inclusion_proof(3, 11)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.inclusion_proof(0, 0)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.consistency_proof(0, 5)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.consistency_proof(6, 5)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.consistency_proof(5, 11)) == ErrorCode::invalid_argument);
    CHECK(code_of(tree.root_at(11)) == ErrorCode::invalid_argument);
}

TEST_CASE("merkle: every root and proof of trees up to 40 leaves matches the RFC recursion") {
    const std::vector<Hash32> leaves = synthetic_leaves(40);
    MemoryNodeStore store;
    const MerkleTree tree = fresh_tree(store, leaves);
    for (std::size_t size = 1; size <= leaves.size(); ++size) {
        CAPTURE(size);
        const Hash32 root = naive_root(leaves, 0, size);
        REQUIRE(*tree.root_at(size) == root);
        for (std::size_t index = 0; index < size; ++index) {
            const std::vector<Hash32> proof = *tree.inclusion_proof(index, size);
            CHECK(proof == naive_path(leaves, index, 0, size));
            CHECK(verify_inclusion(leaves[index], index, size, proof, root).has_value());
        }
        for (std::size_t old_size = 1; old_size <= size; ++old_size) {
            const std::vector<Hash32> proof = *tree.consistency_proof(old_size, size);
            CHECK(proof == naive_subproof(leaves, old_size, 0, size, true));
            CHECK(
                verify_consistency(old_size, size, naive_root(leaves, 0, old_size), root, proof).has_value());
        }
    }
}
