// The search index by evidence digest (meta "digest/", docs/FORMAT.md section 9): every event
// that records a SHA-256 (an item's reference digests, digests measured again, what an access
// produced), so that an examiner holding only a file's SHA-256 finds its item. Written in the
// block's own batch; read by Store::events_with_digest.
#include <string>

#include "common/assert.hpp"
#include "ledger/store_impl.hpp"
#include "ledger/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// "digest/" + the 32 raw SHA-256 bytes (+ u64 leaf index).
std::string digest_prefix(const Hash32& sha256) {
    return std::string(store::meta_key::digest_prefix) + store::hash_key(sha256);
}

}  // namespace

void put_search_index(store::Batch& batch, const Block& block, const BlockEffects& effects) {
    CUSTOS_ASSERT(effects.events.size() == block.events.size(), "block effects miss events");
    for (std::size_t i = 0; i < block.events.size(); ++i) {
        const Event& event = block.events[i].event;
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
    limit = std::min(limit, store_read_entries_max);
    const std::string prefix = digest_prefix(sha256);
    std::vector<std::uint64_t> leaves;
    auto scanned = impl_->db.scan_from(Column::meta, prefix + store::be64(from_leaf),
                                       [&](std::string_view key, std::string_view) {
                                           if (!key.starts_with(prefix) || leaves.size() >= limit)
                                               return false;
                                           if (auto leaf = store::read_be64(key, prefix.size()))
                                               leaves.push_back(*leaf);
                                           return true;
                                       });
    if (!scanned) return tl::unexpected(scanned.error());
    return leaves;
}

}  // namespace custos::ledger
