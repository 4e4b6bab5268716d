// The durable ledger: blocks, certificates, events, the log's Merkle nodes, item states and the
// read indexes in RocksDB (layout: docs/FORMAT.md section 9).
//
// Invariants:
// - A block, its certificate, its events, its tree nodes, the item states it changed and its
//   index entries are written in ONE synced WriteBatch (append_block): after a crash the store
//   holds the block entirely or not at all, and the meta record "height" names the last whole
//   block.
// - A store belongs to one genesis: it keeps the genesis document and its hash and refuses to
//   open against another.
// - Nothing is ever rewritten: a height, a leaf index or an event id is written once. (Item
//   states and officer records are current state: rewritten as events change them.)
//
// A Store has no locks: one thread (the node's ledger strand) uses it. RocksDB's own file lock
// keeps a second process from opening the same store for writing. The exceptions are
// state_proof() and committed_height(), which another thread may call while that thread appends
// a block.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/merkle.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/state/state.hpp"
#include "ledger/store/store_db.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

using store::store_format_version;
// Largest number of entries one index read returns (an item's trail, a case's items).
inline constexpr std::size_t store_read_entries_max = 100000;

struct StoredEvent {
    Envelope envelope;
    EventId id;
    Height height;
    std::uint64_t leaf_index = 0;
    std::string leaf_data;  // The canonical envelope, as hashed into the log.
};

// One pending transfer offer to an agency (the inbox index, meta "offer/").
struct PendingOfferEntry {
    std::string item;
    EventId offer;  // The transfer.offer event.
};

// A search of the committed events (Store::search_events): those recording a SHA-256, or signed
// by a key, or all of them (neither given); committed by a block whose (ledger) time is in
// [from_time, to_time) when given; with a leaf index in [from_leaf, to_leaf).
struct EventSearch {
    std::optional<Hash32> sha256;             // meta "digest/"
    std::optional<crypto::PublicKey> signer;  // meta "signer/" (not both)
    std::optional<TimeMs> from_time;          // meta "time/"
    std::optional<TimeMs> to_time;
    std::uint64_t from_leaf = 0;
    std::uint64_t to_leaf = UINT64_MAX;
    std::size_t limit = store_read_entries_max;
};

struct Checkpoint {
    BlockHeader header;
    BlockHash hash;
    Certificate certificate;
};

struct StoreOpenOptions {
    // Creating a store needs its genesis. Opening an existing store with a genesis given
    // refuses it unless the store was made from the same genesis.
    const Genesis* genesis = nullptr;
    // When set, the store's genesis hash must equal it (the value a court trusts).
    std::optional<Hash32> expected_genesis_hash;
    bool create_if_missing = false;
    // TEST ONLY (ApplyContext::test_without_state_map): a store that keeps no state map, for a
    // benchmark's network without it. Recorded at creation (meta "test_without_state_map"); a
    // store is refused when opened with the other setting than it was made with.
    bool test_without_state_map = false;
};

class Store final : public StateView {
public:
    [[nodiscard]] static Result<Store> open(const std::filesystem::path& directory, StoreOpenOptions options);

    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store() override;

    // StateView over the committed state.
    [[nodiscard]] Result<std::optional<ItemState>> item(std::string_view item_id) const override;
    [[nodiscard]] Result<bool> has_event(const EventId& id) const override;
    // Officer keys in force after the last committed block (genesis + governance records).
    [[nodiscard]] Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::optional<OfficerRecord>> officer_record(
        const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::uint64_t> admin_keys(std::string_view agency) const override;
    // Validator proposals and the latest adopted set after the last committed block.
    [[nodiscard]] Result<std::optional<ValidatorProposal>> validator_proposal(
        const EventId& id) const override;
    [[nodiscard]] Result<ValidatorEpoch> latest_validators() const override;
    // Whether a read record of this request is committed (meta "read_request/", store_reads.cpp).
    [[nodiscard]] Result<bool> has_read_request(const Hash32& request) const override;

    [[nodiscard]] const Genesis& genesis() const;
    [[nodiscard]] const Hash32& genesis_hash() const;
    // The validator set that certifies blocks at `height`, for 1 <= height <= height() + 2 (a
    // validator change adopted in block H is in force from H + 2, so the sets of the next two
    // heights are known); nullptr for any other height.
    [[nodiscard]] std::shared_ptr<const ValidatorSet> validators_at(Height height) const;
    [[nodiscard]] Height height() const;  // 0 before the first block.
    // The committed height as the database holds it (the meta record "height", written in the
    // block's own synced batch, so it moves exactly when a block commits). Unlike height(), any
    // thread may call it while the owning thread appends a block (RocksDB reads are thread-safe):
    // the API's read cache asks it on every request. corruption for a missing or malformed record.
    [[nodiscard]] Result<Height> committed_height() const;
    [[nodiscard]] std::uint64_t log_size() const;
    [[nodiscard]] const BlockHeader* last_header() const;
    // The log's committed Merkle nodes, for apply_block().
    [[nodiscard]] const crypto::NodeStore& log_nodes() const;
    // The state map after the last block (docs/FORMAT.md 7.5) and the governance head in it.
    [[nodiscard]] const crypto::SmtNodeStore& state_nodes() const;
    // The map proof of `key` after the last block, read whole from that one map even while
    // another thread appends the next block (store_nodes.hpp: DbSmtNodeStore::prove).
    [[nodiscard]] Result<crypto::SmtProof> state_proof(const Hash32& key) const;
    [[nodiscard]] const GovernanceHead& governance() const;
    // The context apply_block() needs for the next block. Valid until the next append_block.
    [[nodiscard]] ApplyContext next_block_context() const;

    // Writes the next block with its commit certificate and the effects apply_block() returned
    // for it, in one synced batch. Refuses a block that is not the next height or a certificate
    // that does not verify for this block. On failure nothing is written.
    [[nodiscard]] Status append_block(const Block& block, const Certificate& certificate,
                                      const BlockEffects& effects);

    [[nodiscard]] Result<StoredEvent> event(const EventId& id) const;
    [[nodiscard]] Result<StoredEvent> event_at(std::uint64_t leaf_index) const;
    // The item's events in log order (at most `limit`, starting at its `offset`-th event).
    [[nodiscard]] Result<std::vector<StoredEvent>> item_trail(
        std::string_view item_id, std::size_t offset = 0, std::size_t limit = store_read_entries_max) const;
    // The item's events in log order from leaf index `from_leaf` on, at most `limit` (a page of a
    // long trail: the next page starts after the last one's leaf index).
    [[nodiscard]] Result<std::vector<StoredEvent>> item_trail_from(std::string_view item_id,
                                                                   std::uint64_t from_leaf,
                                                                   std::size_t limit) const;
    // Ids of the items of a case in key order: shorter ids first, then bytewise (IT-9, IT-10);
    // those after `after_item` ("" from the first), at most `limit`.
    [[nodiscard]] Result<std::vector<std::string>> case_items(
        std::string_view case_id, std::size_t limit = store_read_entries_max) const;
    [[nodiscard]] Result<std::vector<std::string>> case_items(std::string_view case_id,
                                                              std::string_view after_item,
                                                              std::size_t limit) const;
    // Leaf indexes of the events an agency acted in, in log order, from `from_leaf`.
    [[nodiscard]] Result<std::vector<std::uint64_t>> agency_events(
        std::string_view agency, std::uint64_t from_leaf = 0,
        std::size_t limit = store_read_entries_max) const;
    // The pending transfer offers to `agency`, by item in key order (shorter ids first, then
    // bytewise), starting after `after_item` ("" from the first), at most `limit` (store_offers.cpp).
    [[nodiscard]] Result<std::vector<PendingOfferEntry>> pending_offers(std::string_view agency,
                                                                        std::string_view after_item,
                                                                        std::size_t limit) const;
    // The cases `agency` takes part in (ledger::case_participants), by case id in key order
    // (shorter ids first, then bytewise), starting after `after_case` ("" from the first), at most
    // `limit` (store_cases.cpp).
    [[nodiscard]] Result<std::vector<std::string>> agency_cases(std::string_view agency,
                                                                std::string_view after_case,
                                                                std::size_t limit) const;
    // Leaf indexes of the events that record `sha256` (as an item's digests, digests measured
    // again, or an access's results), in log order, from `from_leaf`, at most `limit`
    // (store_search.cpp).
    [[nodiscard]] Result<std::vector<std::uint64_t>> events_with_digest(const Hash32& sha256,
                                                                        std::uint64_t from_leaf,
                                                                        std::size_t limit) const;
    // Leaf indexes of the read records of `item` (the actions reads_item() names), in log order,
    // from `from_leaf`, at most `limit` (meta "read/", store_reads.cpp).
    [[nodiscard]] Result<std::vector<std::uint64_t>> item_reads(std::string_view item,
                                                                std::uint64_t from_leaf,
                                                                std::size_t limit) const;
    // Leaf indexes of the events the search finds, in log order, at most `limit`
    // (store_search.cpp).
    [[nodiscard]] Result<std::vector<std::uint64_t>> search_events(const EventSearch& search) const;
    // The leaf index of the first event committed by a block whose time is at least `time`
    // (meta "time/"); log_size() when there is none. Block times strictly increase, so the
    // events committed in [from, to) are the leaves [first_leaf_at(from), first_leaf_at(to)).
    [[nodiscard]] Result<std::uint64_t> first_leaf_at(TimeMs time) const;
    [[nodiscard]] Result<BlockHeader> header(Height height) const;
    [[nodiscard]] Result<Block> block(Height height) const;
    // A block's header and the ids of its events in order: what block() would give, the ids
    // hashed from the stored canonical envelopes without parsing them (each read once).
    struct BlockEventIds {
        BlockHeader header;
        std::vector<EventId> ids;
    };
    [[nodiscard]] Result<BlockEventIds> block_event_ids(Height height) const;
    [[nodiscard]] Result<Certificate> certificate(Height height) const;
    [[nodiscard]] Result<Checkpoint> latest_checkpoint() const;
    // RFC 9162 proofs over the committed log; sizes at most log_size().
    [[nodiscard]] Result<std::vector<Hash32>> inclusion_proof(std::uint64_t leaf_index,
                                                              std::uint64_t size) const;
    [[nodiscard]] Result<std::vector<Hash32>> consistency_proof(std::uint64_t old_size,
                                                                std::uint64_t new_size) const;

    // The raw database, for audit and for tests that damage a store on purpose.
    [[nodiscard]] store::Db& db();
    [[nodiscard]] const store::Db& db() const;

private:
    struct Impl;
    explicit Store(std::unique_ptr<Impl> impl);
    // The header of `height` and the leaf index of its first event.
    [[nodiscard]] Result<std::pair<BlockHeader, std::uint64_t>> block_span(Height height) const;
    std::unique_ptr<Impl> impl_;
};

// Meta keys (column family "meta"); see docs/FORMAT.md section 9.
namespace store::meta_key {
inline constexpr std::string_view genesis = "genesis";
inline constexpr std::string_view genesis_hash = "genesis_hash";
inline constexpr std::string_view height = "height";
// The governance head of the state map after the last block (canonical JSON, docs/FORMAT.md 7.5).
inline constexpr std::string_view governance = "governance";
// Present (value "1") only in a store made with StoreOpenOptions::test_without_state_map.
inline constexpr std::string_view test_without_state_map = "test_without_state_map";
// "officer/" + the 32 raw key bytes -> canonical officer record JSON, for every key governance
// changed (officer.add, officer.revoke). Written in the block's WriteBatch; a genesis officer
// no event changed has no record here.
inline constexpr std::string_view officer_prefix = "officer/";
// "proposal/" + the 32 raw event id bytes -> canonical validator proposal record JSON, for every
// validator.propose event (updated by its approvals). Written in the block's WriteBatch.
inline constexpr std::string_view proposal_prefix = "proposal/";
// "validators/" + 8-byte big-endian height -> canonical validator-set record JSON: the set in
// force from that height, written by the block two below it that adopted it. The genesis set
// (in force from height 1) has no record.
inline constexpr std::string_view validators_prefix = "validators/";
// "offer/" + str recipient agency + str item -> the 32 raw bytes of the pending transfer.offer's
// event id: the inbox. Put by the offer, removed by its accept, reject or cancel, in the block's
// WriteBatch (store_offers.cpp).
inline constexpr std::string_view offer_prefix = "offer/";
// "digest/" + the 32 raw bytes of a SHA-256 + u64 leaf index -> empty: the events recording that
// digest (search by evidence digest), in the block's WriteBatch (store_search.cpp).
inline constexpr std::string_view digest_prefix = "digest/";
// "case/" + str agency + str case -> empty: the cases the agency takes part in
// (ledger::case_participants of any of their events), in the block's WriteBatch (store_cases.cpp).
inline constexpr std::string_view agency_case_prefix = "case/";
// "read/" + str item + u64 leaf index -> the 32 raw bytes of the read record's event id: the
// consultation log of the item (store_reads.cpp).
inline constexpr std::string_view read_prefix = "read/";
// "read_request/" + the 32 raw bytes of read_request_hash() -> u64 leaf index of its record
// (rule R37, store_reads.cpp).
inline constexpr std::string_view read_request_prefix = "read_request/";
// "signer/" + the 32 raw bytes of an officer key + u64 leaf index -> empty: the events that key
// signed (search by officer), in the block's WriteBatch (store_search.cpp).
inline constexpr std::string_view signer_prefix = "signer/";
// "time/" + u64 block time (ms since 1970) -> u64 leaf index of the block's first event, for
// every block with events (search by ledger time), in the block's WriteBatch (store_search.cpp).
inline constexpr std::string_view time_prefix = "time/";
}  // namespace store::meta_key

}  // namespace custos::ledger
