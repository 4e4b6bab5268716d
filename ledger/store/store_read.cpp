// Store reads for the API: events, trails, blocks, certificates and proofs. Every record read
// back is checked against its key (an event's id, a block's height): a mismatch is corruption.
#include <string>

#include "common/assert.hpp"
#include "crypto/canonical_json.hpp"
#include "crypto/encoding.hpp"
#include "crypto/sha256.hpp"
#include "ledger/store/store_impl.hpp"
#include "ledger/store/store_keys.hpp"

namespace custos::ledger {

using store::Column;

namespace {

struct Position {
    Height height;
    std::uint64_t leaf_index = 0;
};

Result<Position> read_position(const store::Db& db, const EventId& id) {
    auto value =
        get_required(db, Column::event_positions, store::hash_key(id.hash), "event " + event_id_hex(id));
    if (!value) return tl::unexpected(value.error());
    auto height = store::read_be64(*value, 0);
    auto leaf = store::read_be64(*value, 8);
    if (!height || !leaf || value->size() != 16) {
        return tl::unexpected(corrupt("position of event " + event_id_hex(id) + " is not 16 bytes"));
    }
    return Position{Height{*height}, *leaf};
}

Result<StoredEvent> decode_event(std::string leaf_data, std::uint64_t leaf_index) {
    auto envelope = parse_envelope(leaf_data);
    if (!envelope) {
        return tl::unexpected(
            corrupt("event at leaf " + std::to_string(leaf_index) + ": " + envelope.error().message));
    }
    StoredEvent stored;
    stored.id = event_id(envelope->event);
    stored.envelope = std::move(*envelope);
    stored.leaf_index = leaf_index;
    stored.leaf_data = std::move(leaf_data);
    return stored;
}

}  // namespace

Result<StoredEvent> Store::event(const EventId& id) const {
    auto position = read_position(impl_->db, id);
    if (!position) return tl::unexpected(position.error());
    auto leaf = get_required(impl_->db, Column::events, store::be64(position->leaf_index),
                             "leaf " + std::to_string(position->leaf_index));
    if (!leaf) return tl::unexpected(corrupt("event " + event_id_hex(id) + ": " + leaf.error().message));
    auto stored = decode_event(std::move(*leaf), position->leaf_index);
    if (!stored) return stored;
    if (stored->id != id) {
        return tl::unexpected(corrupt("leaf " + std::to_string(position->leaf_index) + " holds event " +
                                      event_id_hex(stored->id) + ", not " + event_id_hex(id)));
    }
    stored->height = position->height;
    return stored;
}

Result<StoredEvent> Store::event_at(std::uint64_t leaf_index) const {
    if (leaf_index >= log_size()) {
        return make_error(ErrorCode::not_found, "leaf " + std::to_string(leaf_index) +
                                                    " is beyond the log size " + std::to_string(log_size()));
    }
    auto leaf = get_required(impl_->db, Column::events, store::be64(leaf_index),
                             "leaf " + std::to_string(leaf_index));
    if (!leaf) return tl::unexpected(corrupt(leaf.error().message));
    auto stored = decode_event(std::move(*leaf), leaf_index);
    if (!stored) return stored;
    auto position = read_position(impl_->db, stored->id);
    if (!position) return tl::unexpected(corrupt(position.error().message));
    if (position->leaf_index != leaf_index) {
        return tl::unexpected(corrupt("event " + event_id_hex(stored->id) + " is indexed at leaf " +
                                      std::to_string(position->leaf_index) + " but stored at leaf " +
                                      std::to_string(leaf_index)));
    }
    stored->height = position->height;
    return stored;
}

Result<std::vector<StoredEvent>> Store::item_trail(std::string_view item_id, std::size_t offset,
                                                   std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    std::vector<EventId> ids;
    std::size_t seen = 0;
    Status malformed = {};
    auto scanned = impl_->db.scan(Column::item_events, store::id_prefix(item_id),
                                  [&](std::string_view /*key*/, std::string_view value) {
                                      if (seen++ < offset) return true;
                                      auto hash = store::hash_from_value(value);
                                      if (!hash) {
                                          malformed =
                                              tl::unexpected(corrupt("trail of " + std::string(item_id) +
                                                                     ": entry is not an event id"));
                                          return false;
                                      }
                                      ids.push_back(EventId{*hash});
                                      return ids.size() < limit;
                                  });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!malformed) return tl::unexpected(malformed.error());
    std::vector<StoredEvent> trail;
    trail.reserve(ids.size());
    for (const auto& id : ids) {
        auto stored = event(id);
        if (!stored)
            return tl::unexpected(
                corrupt("trail of " + std::string(item_id) + ": " + stored.error().message));
        trail.push_back(std::move(*stored));
    }
    return trail;
}

Result<std::vector<StoredEvent>> Store::item_trail_from(std::string_view item_id, std::uint64_t from_leaf,
                                                        std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    const std::string prefix = store::id_prefix(item_id);
    std::vector<StoredEvent> trail;
    Status bad = {};
    auto scanned = impl_->db.scan_from(
        Column::item_events, store::id_number_key(item_id, from_leaf),
        [&](std::string_view key, std::string_view value) {
            if (!key.starts_with(prefix) || trail.size() >= limit) return false;
            auto hash = store::hash_from_value(value);
            if (!hash) {
                bad = tl::unexpected(
                    corrupt("trail of " + std::string(item_id) + ": entry is not an event id"));
                return false;
            }
            auto stored = event(EventId{*hash});
            if (!stored) {
                bad = tl::unexpected(
                    corrupt("trail of " + std::string(item_id) + ": " + stored.error().message));
                return false;
            }
            trail.push_back(std::move(*stored));
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    if (!bad) return tl::unexpected(bad.error());
    return trail;
}

Result<std::vector<std::string>> Store::case_items(std::string_view case_id, std::size_t limit) const {
    return case_items(case_id, "", limit);
}

Result<std::vector<std::string>> Store::case_items(std::string_view case_id, std::string_view after_item,
                                                   std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    const std::string prefix = store::id_prefix(case_id);
    // The first key after `after_item`'s: its own key followed by a zero byte.
    const std::string start =
        after_item.empty() ? prefix : prefix + store::id_prefix(after_item) + std::string(1, '\0');
    std::vector<std::string> items;
    auto scanned =
        impl_->db.scan_from(Column::case_items, start, [&](std::string_view key, std::string_view) {
            if (!key.starts_with(prefix) || items.size() >= limit) return false;
            std::string_view rest = key.substr(prefix.size());
            if (rest.size() >= 2) items.emplace_back(rest.substr(2));
            return true;
        });
    if (!scanned) return tl::unexpected(scanned.error());
    return items;
}

Result<std::vector<std::uint64_t>> Store::agency_events(std::string_view agency, std::uint64_t from_leaf,
                                                        std::size_t limit) const {
    limit = std::min(limit, store_read_entries_max);
    const std::string prefix = store::id_prefix(agency);
    std::vector<std::uint64_t> leaves;
    auto scanned = impl_->db.scan_from(Column::agency_events, store::id_number_key(agency, from_leaf),
                                       [&](std::string_view key, std::string_view) {
                                           if (!key.starts_with(prefix)) return false;
                                           if (auto leaf = store::read_be64(key, prefix.size()))
                                               leaves.push_back(*leaf);
                                           return leaves.size() < limit;
                                       });
    if (!scanned) return tl::unexpected(scanned.error());
    return leaves;
}

Result<Height> Store::committed_height() const {
    auto value = impl_->db.get(Column::meta, store::meta_key::height);
    if (!value) return tl::unexpected(value.error());
    if (!*value) return tl::unexpected(corrupt("the store has no height record"));
    auto height = store::read_be64(**value);
    if (!height || (*value)->size() != 8) return tl::unexpected(corrupt("a malformed height record"));
    return Height{*height};
}

Result<BlockHeader> Store::header(Height height) const {
    if (height.value == 0 || height > impl_->height) {
        return make_error(ErrorCode::not_found, "no block at height " + std::to_string(height.value));
    }
    auto text = get_required(impl_->db, Column::blocks, store::be64(height.value),
                             "block " + std::to_string(height.value));
    if (!text) return tl::unexpected(corrupt(text.error().message));
    auto header = parse_stored_header(*text, height);
    if (!header) return tl::unexpected(header.error());
    if (header->height != height) {
        return tl::unexpected(corrupt("block stored at height " + std::to_string(height.value) +
                                      " says height " + std::to_string(header->height.value)));
    }
    return header;
}

Result<std::pair<BlockHeader, std::uint64_t>> Store::block_span(Height height) const {
    auto block_header = header(height);
    if (!block_header) return tl::unexpected(block_header.error());
    std::uint64_t first = 0;
    if (height.value > 1) {
        auto previous = header(Height{height.value - 1});
        if (!previous) return tl::unexpected(previous.error());
        first = previous->log_size;
    }
    if (block_header->log_size < first) {
        return tl::unexpected(corrupt("block " + std::to_string(height.value) + " shrinks the log"));
    }
    return std::pair{std::move(*block_header), first};
}

Result<Block> Store::block(Height height) const {
    auto span = block_span(height);
    if (!span) return tl::unexpected(span.error());
    Block result;
    result.header = std::move(span->first);
    result.events.reserve(result.header.log_size - span->second);
    for (std::uint64_t leaf = span->second; leaf < result.header.log_size; ++leaf) {
        auto stored = event_at(leaf);
        if (!stored) return tl::unexpected(stored.error());
        result.events.push_back(std::move(stored->envelope));
    }
    // header() refused a stored header of another height as corruption: what a peer is sent (the
    // sync's commit) is the block it asked for.
    CUSTOS_ASSERT(result.header.height == height, "a block read back is of another height");
    return result;
}

Result<Store::BlockEventIds> Store::block_event_ids(Height height) const {
    auto span = block_span(height);
    if (!span) return tl::unexpected(span.error());
    BlockEventIds result{.header = std::move(span->first), .ids = {}};
    std::vector<EventId>& ids = result.ids;
    ids.reserve(result.header.log_size - span->second);
    for (std::uint64_t leaf = span->second; leaf < result.header.log_size; ++leaf) {
        auto data =
            get_required(impl_->db, Column::events, store::be64(leaf), "leaf " + std::to_string(leaf));
        if (!data) return tl::unexpected(corrupt(data.error().message));
        if (auto event = canonical_event_of_envelope(*data)) {
            ids.push_back(EventId{crypto::sha256(*event)});
            continue;
        }
        // Not the layout a stored envelope has: the full decode names what is wrong.
        auto stored = decode_event(std::move(*data), leaf);
        if (!stored) return tl::unexpected(stored.error());
        ids.push_back(stored->id);
    }
    return result;
}

Result<Certificate> Store::certificate(Height height) const {
    if (height.value == 0 || height > impl_->height) {
        return make_error(ErrorCode::not_found, "no certificate at height " + std::to_string(height.value));
    }
    auto note = get_required(impl_->db, Column::certificates, store::be64(height.value),
                             "certificate " + std::to_string(height.value));
    if (!note) return tl::unexpected(corrupt(note.error().message));
    return Certificate{std::move(*note)};
}

Result<Checkpoint> Store::latest_checkpoint() const {
    if (impl_->height.value == 0) return make_error(ErrorCode::not_found, "the store holds no block yet");
    auto note = certificate(impl_->height);
    if (!note) return tl::unexpected(note.error());
    return Checkpoint{*impl_->last_header, block_hash(*impl_->last_header), std::move(*note)};
}

Result<std::vector<Hash32>> Store::inclusion_proof(std::uint64_t leaf_index, std::uint64_t size) const {
    store::DbNodeStore nodes(impl_->db);
    auto tree = crypto::MerkleTree::open(nodes, log_size());
    if (!tree) return tl::unexpected(tree.error());
    return tree->inclusion_proof(leaf_index, size);
}

Result<std::vector<Hash32>> Store::consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const {
    store::DbNodeStore nodes(impl_->db);
    auto tree = crypto::MerkleTree::open(nodes, log_size());
    if (!tree) return tl::unexpected(tree.error());
    return tree->consistency_proof(old_size, new_size);
}

}  // namespace custos::ledger
