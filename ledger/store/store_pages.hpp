// What a node serves from its store, as typed values: pages of trails, cases, offers, search
// hits and read records, proofs with their bounds checked, and the agencies taking part in a
// case. Each is composed from the Store's public reads (no database access of its own), on the
// thread that owns the store; the API room turns them into its JSON (api/views.hpp).
//
// An error message that names an argument starts with that argument's name ("size: ...", "to:
// ...", "from_height: ..."): the API passes its query parameters through under the same names, so
// the message names the field of the request (api/problem.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "ledger/state/state.hpp"
#include "ledger/store/store.hpp"

namespace custos::ledger {

// Events of one trail page and items of one case page: by default and at most (a trail or case
// no longer than this is answered whole).
inline constexpr std::size_t page_entries_max = 1000;

// One page of an item's trail: its committed events in log order.
struct TrailPage {
    std::string item;
    ItemState state;
    std::vector<StoredEvent> events;
    std::optional<std::uint64_t> next_leaf;  // The `from_leaf` of the next page, when one follows.
};

// Events with a leaf index from `from_leaf` on, at most `limit` (clamped to 1..page_entries_max).
// not_found "no item ..." for an unknown item.
[[nodiscard]] Result<TrailPage> trail_page(const Store& store, std::string_view item, std::uint64_t from_leaf,
                                           std::size_t limit);

struct CaseItem {
    std::string item;
    ItemState state;
};

// One page of a case's items in the store's key order (shorter ids first, then bytewise).
struct CasePage {
    std::string case_id;
    std::vector<CaseItem> items;
    std::optional<std::string> next_after;  // The `after_item` of the next page, when one follows.
};

// The items after `after_item` ("" from the first), at most `limit` (clamped to
// 1..page_entries_max). not_found "no case ..." for a case without items.
[[nodiscard]] Result<CasePage> case_page(const Store& store, std::string_view case_id,
                                         std::string_view after_item, std::size_t limit);

// The agencies taking part in a case (ledger::case_participants folded over the committed trails
// of its items: whoever registered, held, was offered, accepted or was granted an item of it).
// not_found "no case ..." for a case without items.
[[nodiscard]] Result<std::set<std::string>> case_participants(const Store& store, std::string_view case_id);

// The case of an item; not_found "no item ..." for an unknown item.
[[nodiscard]] Result<std::string> item_case(const Store& store, std::string_view item);

// A pending transfer offer to an agency, with the offered item's state.
struct InboxOffer {
    std::string item;
    ItemState state;
    StoredEvent offer;  // The transfer.offer event.
};

// The pending offers to `agency` by item in key order, after `after_item`, at most `limit`
// (Store::pending_offers); corruption when the index names an unknown item.
[[nodiscard]] Result<std::vector<InboxOffer>> pending_offers(const Store& store, std::string_view agency,
                                                             std::string_view after_item, std::size_t limit);

// A committed event a search found, with the time of the block that committed it.
struct SearchHit {
    StoredEvent event;
    TimeMs ledger_time;
};

// The events Store::search_events finds, in log order.
[[nodiscard]] Result<std::vector<SearchHit>> search_hits(const Store& store, const EventSearch& search);

// An item's read records (the consultation log, docs/FORMAT.md 6.7): each event's `read` is set.
struct ItemReads {
    std::string item;
    ItemState state;
    std::vector<StoredEvent> reads;
};

// The read records of `item` in log order from leaf `from_leaf`, at most `limit`
// (Store::item_reads). not_found "no item ..." for an unknown item; corruption when the index
// names a leaf that is not a read record.
[[nodiscard]] Result<ItemReads> item_reads(const Store& store, std::string_view item, std::uint64_t from_leaf,
                                           std::size_t limit);

// The committed events from leaf `from_leaf` on, in log order, at most `limit`.
[[nodiscard]] Result<std::vector<StoredEvent>> committed_events(const Store& store, std::uint64_t from_leaf,
                                                                std::size_t limit);

// The leaf index of the first event of block `from_height` (the log size after the block before),
// for 1 <= from_height <= height() + 1; invalid_argument "from_height: ..." otherwise.
[[nodiscard]] Result<std::uint64_t> first_leaf_of(const Store& store, Height from_height);

// The certified checkpoint of a block; not_found above the committed height.
[[nodiscard]] Result<Checkpoint> checkpoint_at(const Store& store, Height height);

// A block's header, the ids of its events in order and its certificate.
struct BlockView {
    BlockHeader header;
    std::vector<EventId> ids;
    Certificate certificate;
};

[[nodiscard]] Result<BlockView> block_view(const Store& store, Height height);

// RFC 9162 inclusion proof of a committed event in the log of size `tree_size`.
struct EventInclusionProof {
    EventId id;
    std::uint64_t leaf_index = 0;
    std::uint64_t tree_size = 0;
    std::vector<Hash32> hashes;
};

// In the log of size `size` (the log size when nullopt). not_found for an event not committed;
// invalid_argument "size: ..." when the size does not hold the leaf or is beyond the log.
[[nodiscard]] Result<EventInclusionProof> inclusion_proof(const Store& store, const EventId& id,
                                                          std::optional<std::uint64_t> size);

struct LogConsistencyProof {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::vector<Hash32> hashes;
};

// RFC 9162 consistency proof, 0 < from <= to <= log size; invalid_argument "to: ..." (beyond the
// log) or "from: ..." otherwise.
[[nodiscard]] Result<LogConsistencyProof> consistency_proof(const Store& store, std::uint64_t from,
                                                            std::uint64_t to);

}  // namespace custos::ledger
