// The search indexes (docs/FORMAT.md section 9), written in the block's own batch:
// - by evidence digest (meta "digest/"): every event that records a SHA-256 (an item's reference
//   digests, digests measured again, what an access produced), so that an examiner holding only
//   a file's SHA-256 finds its item (Store::events_with_digest);
// - by officer key (meta "signer/"): every event a key signed (Store::search_events);
// - by ledger time (meta "time/"): the first leaf of each block that has events, under the
//   block's time; block times strictly increase with the height (rule of apply_block), so the
//   events committed in [from, to) are one range of leaves (Store::first_leaf_at).
#include <algorithm>
#include <string>

#include "common/assert.hpp"
#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// "digest/" + the 32 raw SHA-256 bytes (+ u64 leaf index).
std::string digest_prefix(const Hash32& sha256) {
    return std::string(store::meta_key::digest_prefix) + store::hash_key(sha256);
}

// "signer/" + the 32 raw public key bytes (+ u64 leaf index).
std::string signer_prefix(const crypto::PublicKey& key) {
    return store::officer_key(store::meta_key::signer_prefix, key.view());
}

std::string time_key(TimeMs time) {
    CUSTOS_ASSERT(time.value >= 0, "a block time before 1970");
    return std::string(store::meta_key::time_prefix) + store::be64(static_cast<std::uint64_t>(time.value));
}

// Leaf indexes under `prefix` (each key: prefix + u64 leaf), in [from_leaf, to_leaf), at most
// `limit`.
Result<std::vector<std::uint64_t>> scan_leaves(const store::Db& db, const std::string& prefix,
                                               std::uint64_t from_leaf, std::uint64_t to_leaf,
                                               std::size_t limit) {
    std::vector<std::uint64_t> leaves;
    Status bad = {};
    auto scanned = db.scan_from(
        Column::meta, prefix + store::be64(from_leaf), [&](std::string_view key, std::string_view) {
            if (!key.starts_with(prefix) || leaves.size() >= limit) return false;
            auto leaf = store::read_be64(key, prefix.size());
            if (!leaf || key.size() != prefix.size() + 8) {
                bad = make_error(ErrorCode::corruption, "a malformed search index entry");
                return false;
            }
            if (*leaf >= to_leaf) return false;
            leaves.push_back(*leaf);
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!bad) return tl::unexpected(bad.error());
    return leaves;
}

}  // namespace

void put_search_index(store::Batch& batch, const Block& block, const BlockEffects& effects) {
    CUSTOS_ASSERT(effects.events.size() == block.events.size(), "block effects miss events");
    if (!effects.events.empty())
        batch.put(Column::meta, time_key(block.header.time), store::be64(effects.events.front().leaf_index));
    for (std::size_t i = 0; i < block.events.size(); ++i) {
        const Event& event = block.events[i].event;
        std::string signer_key = signer_prefix(block.events[i].signer);
        store::append_be64(signer_key, effects.events[i].leaf_index);
        batch.put(Column::meta, signer_key, {});
        // One entry per distinct digest of the event (an access may list a result twice).
        for (const auto& sha256 : event_digests(event)) {
            std::string key = digest_prefix(sha256);
            store::append_be64(key, effects.events[i].leaf_index);
            batch.put(Column::meta, key, {});
        }
    }
}

Result<std::vector<std::uint64_t>> Store::events_with_digest(const Hash32& sha256, std::uint64_t from_leaf,
                                                             std::size_t limit) const {
    return search_events(EventSearch{.sha256 = sha256, .from_leaf = from_leaf, .limit = limit});
}

Result<std::vector<std::uint64_t>> Store::search_events(const EventSearch& search) const {
    CUSTOS_ASSERT(!(search.sha256 && search.signer), "a search by digest or by signer, not both");
    const std::size_t limit = std::min(search.limit, store_read_entries_max);
    std::uint64_t from_leaf = search.from_leaf;
    std::uint64_t to_leaf = std::min(search.to_leaf, impl_->log_size());
    if (search.from_time) {
        auto first = first_leaf_at(*search.from_time);
        if (!first) return tl::unexpected(first.error());
        from_leaf = std::max(from_leaf, *first);
    }
    if (search.to_time) {
        auto end = first_leaf_at(*search.to_time);
        if (!end) return tl::unexpected(end.error());
        to_leaf = std::min(to_leaf, *end);
    }
    if (from_leaf >= to_leaf) return std::vector<std::uint64_t>{};
    if (search.sha256)
        return scan_leaves(impl_->db, digest_prefix(*search.sha256), from_leaf, to_leaf, limit);
    if (search.signer)
        return scan_leaves(impl_->db, signer_prefix(*search.signer), from_leaf, to_leaf, limit);
    // Every committed event in the range: the log itself.
    std::vector<std::uint64_t> leaves;
    for (std::uint64_t leaf = from_leaf; leaf < to_leaf && leaves.size() < limit; ++leaf)
        leaves.push_back(leaf);
    return leaves;
}

Result<std::uint64_t> Store::first_leaf_at(TimeMs time) const {
    if (time.value < 0) time = TimeMs{0};
    std::optional<std::uint64_t> first;
    Status bad = {};
    const std::string_view prefix = store::meta_key::time_prefix;
    auto scanned =
        impl_->db.scan_from(Column::meta, time_key(time), [&](std::string_view key, std::string_view value) {
            if (!key.starts_with(prefix)) return false;
            first = store::read_be64(value);
            if (!first || value.size() != 8 || key.size() != prefix.size() + 8)
                bad = make_error(ErrorCode::corruption, "a malformed time index entry");
            return false;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!bad) return tl::unexpected(bad.error());
    return first.value_or(impl_->log_size());
}

}  // namespace custos::ledger
