// Sparse Merkle map (docs/FORMAT.md 3.5) against tests/vectors/smt.json, which an independent
// Python implementation computed from the spec (tests/crypto/smt_vectors.py): roots however the
// map was written (one batch, one key at a time, forwards, backwards, with keys added and
// removed again), proofs byte for byte, every forged proof refused, and updates that read
// O(log n) nodes.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "crypto/smt.hpp"
#include "vectors_path.hpp"

using namespace custos;
using namespace custos::crypto;

namespace {

Hash32 hash_of_json(const nlohmann::json& text) {
    auto hash = hash_from_hex(text.get<std::string>());
    REQUIRE_MESSAGE(hash.has_value(), "bad hash in vector: " << text);
    return *hash;
}

std::optional<Hash32> optional_hash(const nlohmann::json& value) {
    if (value.is_null()) return std::nullopt;
    return hash_of_json(value);
}

SmtProof proof_of(const nlohmann::json& json) {
    SmtProof proof;
    if (!json["leaf"].is_null())
        proof.leaf = SmtLeaf{hash_of_json(json["leaf"]["key"]), hash_of_json(json["leaf"]["value_hash"])};
    proof.depth = json["depth"].get<std::size_t>();
    auto empty = hex_decode(json["empty"].get<std::string>());
    REQUIRE_MESSAGE(empty.has_value(), "bad bitmap in vector: " << json["empty"]);
    proof.empty.assign(empty->begin(), empty->end());
    for (const auto& sibling : json["siblings"])
        proof.siblings.push_back(hash_of_json(sibling));
    return proof;
}

nlohmann::json load_smt_vectors() {
    return nlohmann::json::parse(test::read_vector("smt.json"));
}

std::vector<SmtUpdate> entries_of(const nlohmann::json& map) {
    std::vector<SmtUpdate> entries;
    for (const auto& entry : map["entries"])
        entries.push_back(SmtUpdate{hash_of_json(entry["key"]), hash_of_json(entry["value_hash"])});
    return entries;
}

Hash32 apply_updates(MemorySmtNodeStore& store, std::span<const SmtUpdate> updates) {
    auto changes = smt_update(store, updates);
    REQUIRE_MESSAGE(changes.has_value(), changes.error().to_string());
    store.apply(changes->nodes);
    auto root = smt_root(store);
    REQUIRE(root.has_value());
    CHECK(*root == changes->root);
    return changes->root;
}

// A store that counts reads, to show an update touches one path per key.
class CountingStore final : public SmtNodeStore {
public:
    explicit CountingStore(const SmtNodeStore& base) : base_(base) {}
    Result<std::optional<SmtNode>> get(const SmtPosition& position) const override {
        ++reads;
        return base_.get(position);
    }
    mutable std::size_t reads = 0;

private:
    const SmtNodeStore& base_;
};

// A store that vouches for its nodes above `depth` (SmtNodeStore::consistent_depth).
class VouchingStore final : public SmtNodeStore {
public:
    VouchingStore(const SmtNodeStore& base, std::uint16_t depth) : base_(base), depth_(depth) {}
    Result<std::optional<SmtNode>> get(const SmtPosition& position) const override {
        return base_.get(position);
    }
    std::uint16_t consistent_depth() const override { return depth_; }

private:
    const SmtNodeStore& base_;
    std::uint16_t depth_;
};

}  // namespace

TEST_CASE("smt: the hashes of FORMAT.md 3.5, from the vector file") {
    const auto vectors = load_smt_vectors();
    CHECK(smt_empty_hash() == hash_of_json(vectors["empty_hash"]));
    const auto& leaf = vectors["leaf_hash_example"];
    CHECK(smt_leaf_hash(hash_of_json(leaf["key"]), hash_of_json(leaf["value_hash"])) ==
          hash_of_json(leaf["hash"]));
    const auto& node = vectors["node_hash_example"];
    CHECK(smt_node_hash(hash_of_json(node["left"]), hash_of_json(node["right"])) ==
          hash_of_json(node["hash"]));
    // Domain separation: a map leaf is not the RFC 9162 hash of the same bytes.
    CHECK(smt_leaf_hash(Hash32{}, Hash32{}) != sha256(std::string(65, '\0')));
}

TEST_CASE("smt: roots equal the independent implementation's, whatever order the map was written in") {
    const auto vectors = load_smt_vectors();
    for (const auto& map : vectors["maps"]) {
        const std::string name = map["name"];
        CAPTURE(name);
        const Hash32 root = hash_of_json(map["root"]);
        const auto entries = entries_of(map);

        MemorySmtNodeStore batch;
        CHECK(apply_updates(batch, entries) == root);

        MemorySmtNodeStore one_by_one;
        for (const auto& entry : entries)
            apply_updates(one_by_one, std::span(&entry, 1));
        CHECK(*smt_root(one_by_one) == root);
        CHECK(one_by_one.node_count() == batch.node_count());

        // Backwards, with every proof's absent key first added and later removed, and every
        // entry first written with another value: removals collapse the tree back exactly.
        MemorySmtNodeStore churned;
        std::vector<SmtUpdate> extra;
        for (const auto& proof : map["proofs"]) {
            if (proof["value_hash"].is_null())
                extra.push_back(SmtUpdate{hash_of_json(proof["key"]), sha256(std::string("extra"))});
        }
        apply_updates(churned, extra);
        for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
            SmtUpdate wrong{it->key, sha256(std::string("wrong"))};
            apply_updates(churned, std::span(&wrong, 1));
            apply_updates(churned, std::span(&*it, 1));
        }
        for (auto& update : extra)
            update.value_hash.reset();
        CHECK(apply_updates(churned, extra) == root);
        CHECK(churned.node_count() == batch.node_count());

        // Removing everything leaves the empty map and no node.
        std::vector<SmtUpdate> removals = entries;
        for (auto& update : removals)
            update.value_hash.reset();
        CHECK(apply_updates(churned, removals) == smt_empty_hash());
        CHECK(churned.node_count() == 0);
    }
}

TEST_CASE("smt: proofs equal the independent implementation's and verify") {
    const auto vectors = load_smt_vectors();
    for (const auto& map : vectors["maps"]) {
        const std::string name = map["name"];
        CAPTURE(name);
        const Hash32 root = hash_of_json(map["root"]);
        MemorySmtNodeStore store;
        apply_updates(store, entries_of(map));
        for (const auto& vector : map["proofs"]) {
            const Hash32 key = hash_of_json(vector["key"]);
            const auto value = optional_hash(vector["value_hash"]);
            const SmtProof expected = proof_of(vector);
            auto proof = smt_prove(store, key);
            REQUIRE(proof.has_value());
            CHECK(*proof == expected);
            CHECK(smt_verify(root, key, value, expected).has_value());
            auto proven = smt_proven_value(root, key, expected);
            REQUIRE(proven.has_value());
            CHECK(*proven == value);
        }
    }
}

// Each forged proof is refused by the check the independent implementation names (refused_by):
// removing any one of the checks of FORMAT.md 3.5 from smt_proven_value fails this test.
TEST_CASE("smt: every forged proof of the vector file is refused, by the check the spec names") {
    std::size_t refused = 0;
    std::map<std::string, std::size_t> by_check;
    const auto vectors = load_smt_vectors();
    for (const auto& map : vectors["maps"]) {
        const Hash32 root = hash_of_json(map["root"]);
        for (const auto& forged : map["forged"]) {
            const std::string what = forged["what"];
            CAPTURE(what);
            auto status = smt_verify(root, hash_of_json(forged["key"]), optional_hash(forged["claimed"]),
                                     proof_of(forged));
            const std::string check = forged["refused_by"];
            CAPTURE(check);
            CHECK_FALSE(status.has_value());
            if (!status) {
                CHECK(status.error().code == ErrorCode::verification_failed);
                CHECK_MESSAGE(status.error().message.starts_with("map proof (" + check + ")"),
                              status.error().message);
                ++refused;
                ++by_check[check];
            }
        }
    }
    CHECK(refused > 200);
    // Every check of the spec has forgeries that only it refuses.
    for (const char* check : {"depth", "bitmap", "padding", "count", "zero", "path", "root", "value"})
        CHECK_MESSAGE(by_check[check] > 0, check);
}

TEST_CASE("smt: updating one key of a map of 4,096 reads one path, not the map") {
    MemorySmtNodeStore store;
    std::vector<SmtUpdate> entries;
    for (int i = 0; i < 4096; ++i)
        entries.push_back(SmtUpdate{sha256("k" + std::to_string(i)), sha256("v" + std::to_string(i))});
    apply_updates(store, entries);
    CountingStore counting(store);
    const SmtUpdate one{sha256(std::string("k7")), sha256(std::string("new"))};
    auto changes = smt_update(counting, std::span(&one, 1));
    REQUIRE(changes.has_value());
    // Depth is about log2(4096) = 12 plus a few shared bits; one read per level.
    CHECK(counting.reads <= 40);
    CHECK(changes->nodes.size() <= 40);
    counting.reads = 0;
    auto proof = smt_prove(counting, one.key);
    REQUIRE(proof.has_value());
    CHECK(counting.reads == proof->depth + 1);
}

TEST_CASE("smt: a duplicate key in one update and a corrupt store are refused, not guessed") {
    MemorySmtNodeStore store;
    const SmtUpdate twice[2] = {{sha256(std::string("a")), sha256(std::string("1"))},
                                {sha256(std::string("a")), sha256(std::string("2"))}};
    auto duplicate = smt_update(store, twice);
    REQUIRE_FALSE(duplicate.has_value());
    CHECK(duplicate.error().code == ErrorCode::invalid_argument);

    // A root whose child records disagree with its hashes.
    const SmtUpdate pair[2] = {{sha256(std::string("a")), sha256(std::string("1"))},
                               {sha256(std::string("b")), sha256(std::string("2"))}};
    apply_updates(store, pair);
    auto root_node = store.get(SmtPosition{});
    REQUIRE(root_node.has_value());
    REQUIRE(root_node->has_value());
    SmtNode bad = **root_node;
    bad.first.bytes[0] ^= 1;
    const SmtNodeChange change{SmtPosition{}, bad};
    store.apply(std::span(&change, 1));
    auto proof_a = smt_prove(store, sha256(std::string("a")));
    auto proof_b = smt_prove(store, sha256(std::string("b")));
    CHECK((!proof_a.has_value() || !proof_b.has_value()));
    const auto& failed = proof_a.has_value() ? proof_b : proof_a;
    CHECK(failed.error().code == ErrorCode::corruption);
}

TEST_CASE("smt: node records round-trip and malformed ones are refused") {
    const SmtNode node{SmtNode::Kind::leaf, sha256(std::string("k")), sha256(std::string("v"))};
    auto back = smt_node_from_bytes(smt_node_bytes(node));
    REQUIRE(back.has_value());
    CHECK(*back == node);
    CHECK_FALSE(smt_node_from_bytes(std::string(65, '\x03')).has_value());
    CHECK_FALSE(smt_node_from_bytes(smt_node_bytes(node).substr(1)).has_value());
    SmtPosition position{.depth = 300};
    CHECK(smt_position_key(position).substr(0, 2) == std::string("\x01\x2c", 2));
}

TEST_CASE("smt: above a store's consistent depth a node is not hashed again, but absence still is checked") {
    MemorySmtNodeStore store;
    const SmtUpdate pair[2] = {{sha256(std::string("a")), sha256(std::string("1"))},
                               {sha256(std::string("b")), sha256(std::string("2"))}};
    const Hash32 root = apply_updates(store, pair);
    auto root_node = store.get(SmtPosition{});
    REQUIRE(root_node.has_value());
    REQUIRE(root_node->has_value());
    // The root's record names two children; make one child's hash disagree with its record.
    SmtNode bad = **root_node;
    bad.first.bytes[0] ^= 1;
    const SmtNodeChange change{SmtPosition{}, bad};
    MemorySmtNodeStore changed = store;
    changed.apply(std::span(&change, 1));
    const Hash32 keys[2] = {sha256(std::string("a")), sha256(std::string("b"))};
    const auto refused = [](const SmtNodeStore& nodes, const Hash32& key) {
        auto proof = smt_prove(nodes, key);
        return !proof.has_value() && proof.error().code == ErrorCode::corruption;
    };
    // Checked from depth 0 (the default) or 1 (the children are at depth 1): refused.
    CHECK((refused(changed, keys[0]) || refused(changed, keys[1])));
    CHECK((refused(VouchingStore(changed, 1), keys[0]) || refused(VouchingStore(changed, 1), keys[1])));
    // Vouched for down to depth 2: the children are taken as stored.
    CHECK_FALSE(refused(VouchingStore(changed, 2), keys[0]));
    CHECK_FALSE(refused(VouchingStore(changed, 2), keys[1]));
    CHECK(smt_prove(VouchingStore(store, 2), keys[0]).value() == smt_prove(store, keys[0]).value());
    CHECK(smt_verify(root, keys[0], pair[0].value_hash, smt_prove(VouchingStore(store, 2), keys[0]).value())
              .has_value());

    // A child missing under a record that names one is refused even when vouched for.
    const int side = smt_bit(keys[0], 0);
    SmtPosition position{.depth = 1, .path = {}};
    if (side != 0) position.path.bytes[0] = 0x80;
    const SmtNodeChange removal{position, std::nullopt};
    MemorySmtNodeStore missing = store;
    missing.apply(std::span(&removal, 1));
    auto proof = smt_prove(VouchingStore(missing, 256), keys[0]);
    REQUIRE_FALSE(proof.has_value());
    CHECK(proof.error().code == ErrorCode::corruption);
    CHECK(proof.error().message.find("is missing under its parent") != std::string::npos);
}
