// The state map's nodes in the store (format 3, docs/FORMAT.md 9): with its top in memory and only
// the top's leaves stored, a map reads, after every block's changes and after a reopen, exactly as
// the same map held whole in memory; a family that is not the stored form of a map is refused.
// The top is 4 levels here (16 in a store) so that a few hundred keys reach far below it.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <random>
#include <vector>

#include "crypto/sha256.hpp"
#include "crypto/smt.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/store/store_nodes.hpp"
#include "store_fixture.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos;
using namespace custos::ledger;
using custos::test::map_nodes;
using custos::test::TempDir;

namespace {

constexpr std::uint16_t top_depth = 4;

Hash32 key_of(std::uint32_t number) {
    return crypto::sha256(std::string("key ") + std::to_string(number));
}

// The family's records, and whether one above the top's depth is an inner node.
bool stores_inner_node_in_top(const store::Db& db) {
    bool found = false;
    auto scanned = db.scan(store::Column::state_map, "", [&](std::string_view key, std::string_view value) {
        const unsigned depth = (static_cast<unsigned char>(key[0]) << 8) | static_cast<unsigned char>(key[1]);
        if (depth < top_depth &&
            crypto::smt_node_from_bytes(value).value().kind == crypto::SmtNode::Kind::inner)
            found = true;
        return true;
    });
    REQUIRE(scanned.has_value());
    return found;
}

Status reload(const store::Db& db) {
    store::DbSmtNodeStore fresh(db, top_depth);
    return fresh.load_top();
}

}  // namespace

TEST_CASE(
    "state store: a map of random keys reads as the same map in memory, block after block and reopened") {
    TempDir dir;
    auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
    REQUIRE(db.has_value());
    store::DbSmtNodeStore stored(*db, top_depth);
    REQUIRE(stored.load_top().has_value());
    crypto::MemorySmtNodeStore whole;
    std::mt19937 random(18);
    std::vector<std::uint32_t> present;
    std::uint32_t next_key = 0;
    // Rounds that add keys, change some and remove some, then remove nearly all (leaves move up
    // into the top again), then add again (the top's leaves move down, their records removed).
    for (int round = 0; round < 9; ++round) {
        std::vector<crypto::SmtUpdate> updates;
        const std::size_t adds = round < 6 || round == 8 ? 80 : 0;
        for (std::size_t i = 0; i < adds; ++i) {
            present.push_back(next_key);
            updates.push_back(
                {key_of(next_key++), crypto::sha256(std::string("value ") + std::to_string(round))});
        }
        std::shuffle(present.begin(), present.end(), random);
        const std::size_t removes = round < 6 || round == 8 ? 20 : present.size() - 3;
        for (std::size_t i = 0; i < removes && !present.empty(); ++i) {
            // Not a key added this very round (a key is named once per update).
            if (present.back() + adds >= next_key) break;
            updates.push_back({key_of(present.back()), std::nullopt});
            present.pop_back();
        }
        for (std::size_t i = 0; i < 10 && i < present.size(); ++i) {
            if (present[i] + adds >= next_key) continue;
            updates.push_back(
                {key_of(present[i]), crypto::sha256(std::string("changed ") + std::to_string(round))});
        }
        auto changes = crypto::smt_update(stored, updates);
        REQUIRE(changes.has_value());
        auto expected = crypto::smt_update(whole, updates);
        REQUIRE(expected.has_value());
        REQUIRE(changes->root == expected->root);
        store::Batch batch;
        stored.put_changes(batch, changes->nodes);
        REQUIRE(db->write(std::move(batch), true).has_value());
        stored.apply(changes->nodes);
        whole.apply(expected->nodes);

        CHECK(map_nodes(stored) == map_nodes(whole));
        CHECK_FALSE(stores_inner_node_in_top(*db));
        store::DbSmtNodeStore reopened(*db, top_depth);
        REQUIRE(reopened.load_top().has_value());
        CHECK(map_nodes(reopened) == map_nodes(whole));
        CHECK(crypto::smt_root(reopened).value() == expected->root);
        if (!present.empty()) {
            const Hash32 key = key_of(present.front());
            CHECK(crypto::smt_prove(reopened, key).value() == crypto::smt_prove(whole, key).value());
        }
        if (round == 7) CHECK(present.size() <= 3);
    }
}

TEST_CASE("state store: a family that is not a stored map is refused at load_top, naming the record") {
    TempDir dir;
    auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
    REQUIRE(db.has_value());
    store::DbSmtNodeStore stored(*db, top_depth);
    REQUIRE(stored.load_top().has_value());
    std::vector<crypto::SmtUpdate> updates;
    for (std::uint32_t i = 0; i < 200; ++i)
        updates.push_back({key_of(i), crypto::sha256(std::to_string(i))});
    auto changes = crypto::smt_update(stored, updates);
    REQUIRE(changes.has_value());
    store::Batch batch;
    stored.put_changes(batch, changes->nodes);
    REQUIRE(db->write(std::move(batch), true).has_value());
    REQUIRE(reload(*db).has_value());  // The control: as written, it loads.

    const crypto::SmtNode leaf{crypto::SmtNode::Kind::leaf, key_of(0), crypto::sha256(std::string("0"))};
    SUBCASE("an inner node stored above the top's depth") {
        const crypto::SmtPosition root{};
        const crypto::SmtNode inner{crypto::SmtNode::Kind::inner, Hash32{}, Hash32{}};
        REQUIRE(db->put_raw(store::Column::state_map, crypto::smt_position_key(root),
                            crypto::smt_node_bytes(inner))
                    .has_value());
        auto refused = reload(*db);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ErrorCode::corruption);
        CHECK(refused.error().message.find("is an inner node") != std::string::npos);
    }
    SUBCASE("a leaf stored where the map has nodes below") {
        crypto::SmtPosition position{.depth = 1, .path = {}};
        position.path.bytes[0] = static_cast<std::uint8_t>(key_of(0).bytes[0] & 0x80);
        REQUIRE(db->put_raw(store::Column::state_map, crypto::smt_position_key(position),
                            crypto::smt_node_bytes(leaf))
                    .has_value());
        auto refused = reload(*db);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("a stored leaf has nodes below it") != std::string::npos);
    }
    SUBCASE("a leaf off its path") {
        crypto::SmtPosition position{.depth = 1, .path = {}};
        position.path.bytes[0] = static_cast<std::uint8_t>((key_of(0).bytes[0] & 0x80) ^ 0x80);
        REQUIRE(db->put_raw(store::Column::state_map, crypto::smt_position_key(position),
                            crypto::smt_node_bytes(leaf))
                    .has_value());
        auto refused = reload(*db);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("holds a leaf off its path") != std::string::npos);
    }
    SUBCASE("a lone leaf below an otherwise empty subtree") {
        // Alone in its subtree, a leaf sits at the subtree's top: one at the top's depth with
        // nothing beside it should be higher.
        TempDir other;
        auto lone = store::Db::open(other.store(), store::DbOptions{.create_if_missing = true});
        REQUIRE(lone.has_value());
        REQUIRE(reload(*lone).has_value());  // The control: an empty family is the empty map.
        crypto::SmtPosition position{.depth = top_depth, .path = {}};
        position.path.bytes[0] = static_cast<std::uint8_t>(key_of(0).bytes[0] & 0xF0);
        REQUIRE(lone->put_raw(store::Column::state_map, crypto::smt_position_key(position),
                              crypto::smt_node_bytes(leaf))
                    .has_value());
        auto refused = reload(*lone);
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().message.find("a lone leaf is stored below it") != std::string::npos);
    }
}

namespace {

// A family holding the map of keys 0..count-1 (value "first i"), top and records.
std::vector<crypto::SmtUpdate> values_of(std::uint32_t count, const std::string& label) {
    std::vector<crypto::SmtUpdate> updates;
    for (std::uint32_t i = 0; i < count; ++i)
        updates.push_back({key_of(i), crypto::sha256(label + " " + std::to_string(i))});
    return updates;
}

void commit(store::Db& db, store::DbSmtNodeStore& stored, const crypto::SmtChanges& changes) {
    store::Batch batch;
    stored.put_changes(batch, changes.nodes);
    REQUIRE(db.write(std::move(batch), true).has_value());
    stored.apply(changes.nodes);
}

}  // namespace

TEST_CASE("state store: a stored node below the top that does not hash to its parent's record is refused") {
    // The top in memory is not hashed again on read (consistent_depth); every node read from the
    // family still is, from the top's depth down.
    TempDir dir;
    auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
    REQUIRE(db.has_value());
    store::DbSmtNodeStore stored(*db, top_depth);
    REQUIRE(stored.load_top().has_value());
    CHECK(stored.consistent_depth() == top_depth);
    const auto values = values_of(200, "first");
    auto changes = crypto::smt_update(stored, values);
    REQUIRE(changes.has_value());
    commit(*db, stored, *changes);
    const Hash32 key = key_of(0);
    // The control: as written, the key's proof verifies.
    auto proof = stored.prove(key);
    REQUIRE(proof.has_value());
    REQUIRE(crypto::smt_verify(changes->root, key, values[0].value_hash, *proof).has_value());

    // The node on the key's path at depth `depth` (stored: at or below the top's depth), its
    // second hash changed on disk.
    std::uint16_t depth = top_depth;
    SUBCASE("at the top's depth") {
        depth = top_depth;
    }
    SUBCASE("below it") {
        depth = top_depth + 1;
    }
    CAPTURE(depth);
    crypto::SmtPosition position{.depth = 0, .path = {}};
    while (position.depth < depth) {
        if (crypto::smt_bit(key, position.depth) != 0)
            position.path.bytes[position.depth / 8] |=
                static_cast<std::uint8_t>(0x80 >> (position.depth % 8));
        ++position.depth;
    }
    auto node = stored.get(position);
    REQUIRE(node.has_value());
    REQUIRE(node->has_value());
    crypto::SmtNode changed = **node;
    changed.second.bytes[31] ^= 1;
    REQUIRE(db->put_raw(store::Column::state_map, crypto::smt_position_key(position),
                        crypto::smt_node_bytes(changed))
                .has_value());
    auto refused = stored.prove(key);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::corruption);
    CHECK(refused.error().message.find("does not hash to its parent's record") != std::string::npos);
    const crypto::SmtUpdate one{key, crypto::sha256(std::string("again"))};
    auto update = crypto::smt_update(stored, std::span(&one, 1));
    REQUIRE_FALSE(update.has_value());
    CHECK(update.error().code == ErrorCode::corruption);
}

TEST_CASE(
    "state store: a proof taken while a block is written reads the map before or after it, never a mix") {
    TempDir dir;
    auto db = store::Db::open(dir.store(), store::DbOptions{.create_if_missing = true});
    REQUIRE(db.has_value());
    store::DbSmtNodeStore stored(*db, top_depth);
    REQUIRE(stored.load_top().has_value());
    auto before = crypto::smt_update(stored, values_of(200, "first"));
    REQUIRE(before.has_value());
    commit(*db, stored, *before);
    const auto values = values_of(200, "second");
    auto after = crypto::smt_update(stored, values);
    REQUIRE(after.has_value());
    const Hash32 key = key_of(0);

    std::future<Result<crypto::SmtProof>> proof;
    {
        // What Store::append_block does: the lock, the block's batch written, then the top.
        auto lock = stored.write_lock();
        store::Batch batch;
        stored.put_changes(batch, after->nodes);
        REQUIRE(db->write(std::move(batch), true).has_value());
        // The control: in this window the family is the next map's and the top the last one's;
        // a path read without the lock meets a node that does not hash to its parent's record.
        auto unguarded = crypto::smt_prove(stored, key);
        REQUIRE_FALSE(unguarded.has_value());
        CHECK(unguarded.error().code == ErrorCode::corruption);
        // A proof asked for now, from another thread, waits for the block (without the lock it
        // would read this window and fail the same way; it is never slow otherwise).
        proof = std::async(std::launch::async, [&stored, key] { return stored.prove(key); });
        CHECK(proof.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
        stored.apply(after->nodes);
    }
    auto proven = proof.get();
    REQUIRE(proven.has_value());
    CHECK(crypto::smt_verify(after->root, key, values[0].value_hash, *proven).has_value());
}

}  // namespace CUSTOS_TEST_FILE
