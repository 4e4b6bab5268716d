#include "ledger/audit/audit_state.hpp"

#include <sodium.h>

#include <cstring>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "ledger/store/store.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

std::size_t siphash(const std::array<std::uint8_t, 16>& key, const std::uint8_t* data, std::size_t size) {
    static_assert(crypto_shorthash_BYTES == 8 && crypto_shorthash_KEYBYTES == 16);
    std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
    crypto_shorthash(out.data(), data, size, key.data());
    std::uint64_t value = 0;
    std::memcpy(&value, out.data(), out.size());
    return static_cast<std::size_t>(value);
}

std::string read_request_key(const Hash32& request) {
    return std::string(store::meta_key::read_request_prefix) + store::hash_key(request);
}

// The inbox entry ("offer/" recipient item -> offer id) of an item's pending offer.
std::optional<std::pair<std::string, std::string>> offer_entry(const ItemState& state) {
    if (!state.pending_offer) return std::nullopt;
    return std::pair{
        store::id_pair_key(store::meta_key::offer_prefix, state.pending_offer->recipient, state.item),
        store::hash_key(state.pending_offer->offer.hash)};
}

}  // namespace

std::size_t AuditState::KeyedHash::operator()(std::string_view text) const {
    return siphash(key, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

std::size_t AuditState::KeyedHash::operator()(const EventId& id) const {
    return siphash(key, id.hash.bytes.data(), id.hash.bytes.size());
}

AuditState::KeyedHash AuditState::random_hash() {
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    KeyedHash hash;
    randombytes_buf(hash.key.data(), hash.key.size());
    return hash;
}

AuditState::AuditState(const Genesis& genesis, const store::Db& scratch, std::size_t item_cache_max)
    : AuditState(random_hash(), genesis, scratch, item_cache_max) {}

AuditState::AuditState(const KeyedHash& hash, const Genesis& genesis, const store::Db& scratch,
                       std::size_t item_cache_max)
    : scratch_(scratch),
      item_cache_max_(item_cache_max),
      recent_(0, hash),
      older_(0, hash),
      block_events_(0, hash),
      block_read_requests_(0, hash),
      officers_(genesis),
      validators_(genesis) {}

Result<bool> AuditState::has_read_request(const Hash32& request) const {
    if (block_read_requests_.contains(EventId{request})) return true;
    auto value = scratch_.get(Column::meta, read_request_key(request));
    if (!value) return tl::unexpected(value.error());
    return value->has_value();
}

Result<std::optional<ValidatorProposal>> AuditState::validator_proposal(const EventId& id) const {
    const ValidatorProposal* proposal = validators_.find(id);
    if (proposal == nullptr) return std::optional<ValidatorProposal>();
    return std::optional<ValidatorProposal>(*proposal);
}

Result<ValidatorEpoch> AuditState::latest_validators() const {
    return *validators_.latest();
}

Result<std::optional<Officer>> AuditState::officer(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr || record->revoked()) return std::optional<Officer>();
    return std::optional<Officer>(record->officer);
}

Result<std::optional<OfficerRecord>> AuditState::officer_record(const crypto::PublicKey& key) const {
    const OfficerRecord* record = officers_.find(key);
    if (record == nullptr) return std::optional<OfficerRecord>();
    return std::optional<OfficerRecord>(*record);
}

Result<std::uint64_t> AuditState::admin_keys(std::string_view agency) const {
    return officers_.admin_keys(agency).value_or(0);
}

Result<AuditState::Cached*> AuditState::load(std::string_view item_id) const {
    if (auto found = recent_.find(item_id); found != recent_.end()) return &found->second;
    if (auto found = older_.find(item_id); found != older_.end()) {
        auto node = older_.extract(found);
        return &recent_.insert(std::move(node)).position->second;
    }
    auto value = scratch_.get(Column::items, item_id);
    if (!value) return tl::unexpected(value.error());
    if (!value->has_value()) return nullptr;
    // The scratch holds only what this replay wrote: a copy that does not parse is a bug.
    auto json = crypto::parse_json(**value);
    CUSTOS_ASSERT(json.has_value(), "the audit's scratch copy of an item state parses");
    auto state = item_state_from_json(*json);
    CUSTOS_ASSERT(state.has_value() && state->item == item_id,
                  "the audit's scratch copy of an item state reads back");
    std::string key(item_id);
    return &recent_.emplace(std::move(key), Cached{std::move(*state), false}).first->second;
}

Result<std::optional<ItemState>> AuditState::item(std::string_view item_id) const {
    auto cached = load(item_id);
    if (!cached) return tl::unexpected(cached.error());
    if (*cached == nullptr) return std::optional<ItemState>();
    return std::optional<ItemState>((*cached)->state);
}

Result<bool> AuditState::has_event(const EventId& id) const {
    if (block_events_.contains(id)) return true;
    auto value = scratch_.get(Column::event_positions, store::hash_key(id.hash));
    if (!value) return tl::unexpected(value.error());
    return value->has_value();
}

Status AuditState::put_item(ItemState state, store::Batch& batch) {
    auto before = load(state.item);
    if (!before) return tl::unexpected(before.error());
    const auto old_offer = *before ? offer_entry((*before)->state) : std::nullopt;
    const auto new_offer = offer_entry(state);
    if (old_offer && (!new_offer || new_offer->first != old_offer->first))
        batch.remove(Column::meta, old_offer->first);
    if (new_offer) batch.put(Column::meta, new_offer->first, new_offer->second);
    if (*before != nullptr) {
        **before = Cached{std::move(state), true};  // load() placed it in recent_.
    } else {
        std::string key = state.item;
        recent_.emplace(std::move(key), Cached{std::move(state), true});
    }
    return {};
}

void AuditState::add_event(const EventId& id, Height height, std::uint64_t leaf, store::Batch& batch) {
    std::string place = store::be64(height.value);
    store::append_be64(place, leaf);
    batch.put(Column::event_positions, store::hash_key(id.hash), place);
    block_events_.insert(id);
}

void AuditState::add_read_request(const Hash32& request, std::uint64_t leaf, store::Batch& batch) {
    batch.put(Column::meta, read_request_key(request), store::be64(leaf));
    block_read_requests_.insert(EventId{request});
}

void AuditState::evict(ItemCache& cache, store::Batch& batch) {
    for (const auto& [item, cached] : cache) {
        if (cached.changed) batch.put(Column::items, item, canonical_item_state(cached.state));
    }
    cache.clear();
}

void AuditState::end_block(store::Batch& batch) {
    block_events_.clear();
    block_read_requests_.clear();
    if (recent_.size() < item_cache_max_) return;
    // The changed states of the generation that leaves memory go into the block's batch, which
    // the auditor writes before anything reads the view again.
    evict(older_, batch);
    std::swap(older_, recent_);
    if (item_cache_max_ == 0) evict(older_, batch);
}

void AuditState::flush_items(store::Batch& batch) {
    for (ItemCache* cache : {&recent_, &older_}) {
        for (auto& [item, cached] : *cache) {
            if (!cached.changed) continue;
            batch.put(Column::items, item, canonical_item_state(cached.state));
            cached.changed = false;
        }
    }
}

}  // namespace custos::ledger
