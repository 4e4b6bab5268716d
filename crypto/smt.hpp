// Sparse Merkle map over 256-bit keys (docs/FORMAT.md section 3.5): a binary tree of depth 256
// in which every subtree that holds one entry is replaced by that entry's leaf and every subtree
// that holds none by the empty hash, as Diem/Aptos's Jellyfish Merkle tree does with one bit per
// level. Its root commits to a set of (key, value hash) pairs, whatever order they were written
// in; a proof shows that a key is present with a value hash, or that it is absent.
//
// Hashes (distinct first bytes from the RFC 9162 log's 0x00 and 0x01, so no map hash is ever an
// input the log hashes):
//   leaf  = SHA-256(0x10 || key || value_hash)      65 bytes hashed
//   node  = SHA-256(0x11 || left || right)          65 bytes hashed
//   empty = 32 zero bytes
//
// Nodes are stored by position (depth, key prefix), one record per leaf or inner node of the
// current map: an update reads and rewrites only the nodes on the paths of the keys it changes
// (O(log n) per key for keys that are hashes), a proof reads one path.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::crypto {

inline constexpr std::size_t smt_depth_max = 256;
inline constexpr std::uint8_t smt_leaf_prefix = 0x10;
inline constexpr std::uint8_t smt_node_prefix = 0x11;

[[nodiscard]] Hash32 smt_leaf_hash(const Hash32& key, const Hash32& value_hash);
[[nodiscard]] Hash32 smt_node_hash(const Hash32& left, const Hash32& right);
[[nodiscard]] Hash32 smt_empty_hash();  // 32 zero bytes: the root of the empty map
// Bit `index` (0 = the most significant bit of byte 0) of a key: 0 goes left, 1 right.
[[nodiscard]] int smt_bit(const Hash32& key, std::size_t index);

// A node's place: its depth (0 = the root) and the first `depth` bits of every key below it
// (the other bits zero).
struct SmtPosition {
    std::uint16_t depth = 0;
    Hash32 path;
    friend bool operator==(const SmtPosition&, const SmtPosition&) = default;
    friend auto operator<=>(const SmtPosition&, const SmtPosition&) = default;
};

struct SmtNode {
    enum class Kind : std::uint8_t { inner = 1, leaf = 2 };
    Kind kind = Kind::inner;
    Hash32 first;   // inner: the left child's hash; leaf: the key
    Hash32 second;  // inner: the right child's hash; leaf: the value hash
    [[nodiscard]] Hash32 hash() const;
    friend bool operator==(const SmtNode&, const SmtNode&) = default;
};

// Stored form of a node: its kind byte, then first and second (65 bytes).
[[nodiscard]] std::string smt_node_bytes(const SmtNode& node);
[[nodiscard]] Result<SmtNode> smt_node_from_bytes(std::string_view bytes);
// Store key of a position: depth (2 bytes big-endian), then the 32 path bytes.
[[nodiscard]] std::string smt_position_key(const SmtPosition& position);

// Where the map's nodes live: memory here, RocksDB in the ledger.
class SmtNodeStore {
public:
    virtual ~SmtNodeStore() = default;
    // nullopt when no node is at `position`; io_error/corruption from a real store.
    [[nodiscard]] virtual Result<std::optional<SmtNode>> get(const SmtPosition& position) const = 0;
    // Positions above this depth are served from a copy that the store itself keeps consistent:
    // every inner node computed from its children's hashes, every leaf on its path (the ledger's
    // top in memory: checked when it is built at open, then changed only by updates this code
    // computed). A read of such a position is not hashed again against its parent's record;
    // every node below it, read from disk, is. 0 (the default): every node read is checked.
    [[nodiscard]] virtual std::uint16_t consistent_depth() const { return 0; }
};

// One node written (a value) or removed (nullopt) by an update.
using SmtNodeChange = std::pair<SmtPosition, std::optional<SmtNode>>;

struct SmtUpdate {
    Hash32 key;
    std::optional<Hash32> value_hash;  // nullopt removes the key
};

struct SmtChanges {
    Hash32 root;
    std::vector<SmtNodeChange> nodes;  // by position; apply all of them, in any order
};

// The map after `updates` (keys unique; any order), with the nodes to write and remove. Reads
// the store only; the caller commits `nodes`.
[[nodiscard]] Result<SmtChanges> smt_update(const SmtNodeStore& store, std::span<const SmtUpdate> updates);
[[nodiscard]] Result<Hash32> smt_root(const SmtNodeStore& store);

struct SmtLeaf {
    Hash32 key;
    Hash32 value_hash;
    friend bool operator==(const SmtLeaf&, const SmtLeaf&) = default;
};

// Presence or absence of one key (docs/FORMAT.md 3.5 "Proof"): the leaf met on the key's path
// (nullopt: an empty subtree) at `depth`, and the hashes of the siblings met on the way from
// the root, where only the non-empty ones are listed and a bitmap flags the empty ones. Bit d
// of `empty` (bit 7 - d % 8 of byte d / 8, as for a key) is set when the sibling at depth d is
// the empty hash; `siblings` lists the others, the deepest first. Exactly one form is valid:
// `empty` is ceil(depth / 8) bytes with its padding bits clear, `siblings` has one hash per
// clear bit and none of them is the empty hash; smt_proven_value refuses any other.
struct SmtProof {
    std::optional<SmtLeaf> leaf;
    std::size_t depth = 0;            // at most smt_depth_max
    std::vector<std::uint8_t> empty;  // the bitmap, ceil(depth / 8) bytes
    std::vector<Hash32> siblings;     // the non-empty siblings, the deepest first
    friend bool operator==(const SmtProof&, const SmtProof&) = default;
};

[[nodiscard]] Result<SmtProof> smt_prove(const SmtNodeStore& store, const Hash32& key);
// Checks that `proof` shows, under `root`, `key` present with `value_hash`, or absent when
// `value_hash` is nullopt. Fails with verification_failed naming what did not match.
[[nodiscard]] Status smt_verify(const Hash32& root, const Hash32& key,
                                const std::optional<Hash32>& value_hash, const SmtProof& proof);
// What the proof says about `key` if it leads to `root`: the value hash, or nullopt for absent.
[[nodiscard]] Result<std::optional<Hash32>> smt_proven_value(const Hash32& root, const Hash32& key,
                                                             const SmtProof& proof);

class MemorySmtNodeStore final : public SmtNodeStore {
public:
    [[nodiscard]] Result<std::optional<SmtNode>> get(const SmtPosition& position) const override;
    void apply(std::span<const SmtNodeChange> changes);
    [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }

private:
    std::map<SmtPosition, SmtNode> nodes_;
};

// A store's nodes with a batch of changes on top, not yet committed (a block applied before it
// is stored, several blocks built in a row).
class OverlaySmtNodeStore final : public SmtNodeStore {
public:
    explicit OverlaySmtNodeStore(const SmtNodeStore& base) : base_(base) {}
    [[nodiscard]] Result<std::optional<SmtNode>> get(const SmtPosition& position) const override;
    // The base's: the overlay holds only nodes an update computed.
    [[nodiscard]] std::uint16_t consistent_depth() const override { return base_.consistent_depth(); }
    void apply(std::span<const SmtNodeChange> changes);

private:
    const SmtNodeStore& base_;
    std::map<SmtPosition, std::optional<SmtNode>> changes_;
};

}  // namespace custos::crypto
