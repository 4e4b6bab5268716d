// The consultation log's indexes (docs/FORMAT.md section 9): meta "read/" lists the read records
// of each item (GET /v1/items/{item}/reads), meta "read_request/" names the record of each signed
// request (rule R37, one record per request). Both are written in the block's own batch from
// BlockEffects::reads; read by Store::item_reads and Store::has_read_request.
#include <string>

#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

// "read/" str item (+ u64 leaf index).
std::string item_reads_prefix(std::string_view item) {
    std::string key(store::meta_key::read_prefix);
    store::append_id(key, item);
    return key;
}

std::string read_request_key(const Hash32& request) {
    return std::string(store::meta_key::read_request_prefix) + store::hash_key(request);
}

}  // namespace

void put_read_index(store::Batch& batch, const BlockEffects& effects) {
    for (const auto& read : effects.reads) {
        if (!read.item.empty()) {
            std::string key = item_reads_prefix(read.item);
            store::append_be64(key, read.leaf_index);
            batch.put(Column::meta, key, store::hash_key(read.event.hash));
        }
        batch.put(Column::meta, read_request_key(read.request), store::be64(read.leaf_index));
    }
}

Result<bool> Store::has_read_request(const Hash32& request) const {
    auto value = impl_->db.get(Column::meta, read_request_key(request));
    if (!value) return tl::unexpected(value.error());
    return value->has_value();
}

Result<std::vector<std::uint64_t>> Store::item_reads(std::string_view item, std::uint64_t from_leaf,
                                                     std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    const std::string prefix = item_reads_prefix(item);
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
