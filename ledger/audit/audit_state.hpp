// The audit's replay state: a StateView like MemoryState, built only from the replayed events,
// that keeps what grows with the ledger in the audit's scratch store (audit_scratch.hpp) rather
// than in memory: every item state, every event id (with its place, which the event-id index
// must match) and every read request (R37). A block's writes go into one batch that the
// auditor writes at the block's end (end_block, then the write); until then this view answers
// them from memory. Item states go through a bounded write-back cache (two generations of at
// most `item_cache_max` items each: an item read or written stays until a whole generation of
// others has passed, and is written to the scratch store, canonical, when it leaves memory or at
// the end), since most events act on an item touched a little before: an item changed three
// times in a row is written once. A miss parses the scratch's canonical copy.
//
// The cache's hash tables are keyed SipHash with a random key per audit: item ids and event ids
// come from the store being audited, and a store must not be able to choose ids that collide and
// slow the audit down. The scratch store's lookups compare bytes and do not depend on the keys
// (audit_scratch.hpp).
//
// Officer records and validator governance stay in memory: they grow with governance events
// (officers added, validator changes), not with custody events.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "ledger/state/state.hpp"
#include "ledger/store/store_db.hpp"

namespace custos::ledger {

class AuditState final : public StateView {
public:
    AuditState(const Genesis& genesis, const store::Db& scratch, std::size_t item_cache_max);

    [[nodiscard]] Result<std::optional<ItemState>> item(std::string_view item_id) const override;
    [[nodiscard]] Result<bool> has_event(const EventId& id) const override;
    [[nodiscard]] Result<std::optional<Officer>> officer(const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::optional<OfficerRecord>> officer_record(
        const crypto::PublicKey& key) const override;
    [[nodiscard]] Result<std::uint64_t> admin_keys(std::string_view agency) const override;
    [[nodiscard]] Result<std::optional<ValidatorProposal>> validator_proposal(
        const EventId& id) const override;
    [[nodiscard]] Result<ValidatorEpoch> latest_validators() const override;
    [[nodiscard]] Result<bool> has_read_request(const Hash32& request) const override;

    // Each puts the scratch records of the change into `batch` (the block's) and keeps the
    // change in memory until the batch is written. put_item keeps the state in the cache (it
    // reaches the scratch store when it leaves the cache) and puts the inbox entry ("offer/") of
    // the item's pending offer, removing the one of the offer it replaces.
    [[nodiscard]] Status put_item(ItemState state, store::Batch& batch);
    void add_event(const EventId& id, Height height, std::uint64_t leaf, store::Batch& batch);
    void add_read_request(const Hash32& request, std::uint64_t leaf, store::Batch& batch);
    // At the block's end, before its batch is written: the cache starts a new generation when
    // this one is full (with `item_cache_max` 0, at every block), and the changed item states
    // that leave memory go into `batch`. After the batch is written the scratch store holds
    // every change the view no longer keeps in memory.
    void end_block(store::Batch& batch);
    // After the last block: every changed item state still in memory into `batch`, so that the
    // scratch store holds every item once it is written.
    void flush_items(store::Batch& batch);

    void put_officer(const OfficerRecord& record) { officers_.put(record); }
    void put_admin_count(const AdminCount& count) { officers_.put(count); }
    [[nodiscard]] const OfficerTable& officers() const { return officers_; }
    void put_validator_proposal(const ValidatorProposal& proposal) { validators_.put(proposal); }
    void put_validator_epoch(const ValidatorEpoch& epoch) { validators_.put(epoch); }
    [[nodiscard]] const ValidatorTable& validators() const { return validators_; }

private:
    struct KeyedHash {
        using is_transparent = void;
        std::array<std::uint8_t, 16> key{};
        std::size_t operator()(std::string_view text) const;
        std::size_t operator()(const std::string& text) const { return (*this)(std::string_view(text)); }
        std::size_t operator()(const EventId& id) const;
    };
    struct Cached {
        ItemState state;
        bool changed = false;  // Not in the scratch store as it is here.
    };
    using ItemCache = std::unordered_map<std::string, Cached, KeyedHash, std::equal_to<>>;

    static KeyedHash random_hash();
    AuditState(const KeyedHash& hash, const Genesis& genesis, const store::Db& scratch,
               std::size_t item_cache_max);
    // The item's state from the cache, else from the scratch store (then cached); nullptr when
    // the replay has not made it.
    [[nodiscard]] Result<Cached*> load(std::string_view item_id) const;
    // Puts the changed states of `cache` into `batch` and empties it.
    static void evict(ItemCache& cache, store::Batch& batch);

    const store::Db& scratch_;
    std::size_t item_cache_max_;
    mutable ItemCache recent_;  // Read or written in this generation (this block's writes too).
    mutable ItemCache older_;   // The generation before: moved to recent_ when read again.
    std::unordered_set<EventId, KeyedHash> block_events_;         // This block's, not yet in the scratch.
    std::unordered_set<EventId, KeyedHash> block_read_requests_;  // Likewise, read_request_hash() of each.
    OfficerTable officers_;      // Seeded from the genesis, changed by replayed governance events.
    ValidatorTable validators_;  // Likewise for validator governance.
};

}  // namespace custos::ledger
