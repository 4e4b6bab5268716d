// Typed pages over the Store's public reads. See store_pages.hpp.
#include "ledger/store/store_pages.hpp"

#include <algorithm>
#include <utility>

namespace custos::ledger {

namespace {

// The item's state; not_found "no item ..." when it has none.
Result<ItemState> known_item(const Store& store, std::string_view item) {
    auto state = store.item(item);
    if (!state) return tl::unexpected(state.error());
    if (!*state) return make_error(ErrorCode::not_found, "no item " + std::string(item));
    return std::move(**state);
}

}  // namespace

Result<TrailPage> trail_page(const Store& store, std::string_view item, std::uint64_t from_leaf,
                             std::size_t limit) {
    auto state = known_item(store, item);
    if (!state) return tl::unexpected(state.error());
    limit = std::clamp<std::size_t>(limit, 1, page_entries_max);
    auto trail = store.item_trail_from(item, from_leaf, limit + 1);
    if (!trail) return tl::unexpected(trail.error());
    TrailPage page{.item = std::string(item), .state = std::move(*state)};
    if (trail->size() > limit) {
        page.next_leaf = (*trail)[limit - 1].leaf_index + 1;
        trail->resize(limit);
    }
    page.events = std::move(*trail);
    return page;
}

Result<CasePage> case_page(const Store& store, std::string_view case_id, std::string_view after_item,
                           std::size_t limit) {
    const std::size_t page_max = std::clamp<std::size_t>(limit, 1, page_entries_max);
    auto items = store.case_items(case_id, after_item, page_max + 1);
    if (!items) return tl::unexpected(items.error());
    if (items->empty()) {
        auto any = after_item.empty() ? items : store.case_items(case_id, "", 1);
        if (!any) return tl::unexpected(any.error());
        if (any->empty()) return make_error(ErrorCode::not_found, "no case " + std::string(case_id));
    }
    CasePage page{.case_id = std::string(case_id)};
    if (items->size() > page_max) {
        items->resize(page_max);
        page.next_after = items->back();
    }
    for (auto& item : *items) {
        auto state = store.item(item);
        if (!state) return tl::unexpected(state.error());
        if (!*state) continue;
        page.items.push_back(CaseItem{std::move(item), std::move(**state)});
    }
    return page;
}

Result<std::set<std::string>> case_participants(const Store& store, std::string_view case_id) {
    auto items = store.case_items(case_id);
    if (!items) return tl::unexpected(items.error());
    if (items->empty()) return make_error(ErrorCode::not_found, "no case " + std::string(case_id));
    std::set<std::string> agencies;
    for (const auto& item : *items) {
        auto trail = store.item_trail(item);
        if (!trail) return tl::unexpected(trail.error());
        for (const auto& stored : *trail) {
            for (auto& agency : case_participants(stored.envelope.event))
                agencies.insert(std::move(agency));
        }
    }
    return agencies;
}

Result<std::string> item_case(const Store& store, std::string_view item) {
    auto state = known_item(store, item);
    if (!state) return tl::unexpected(state.error());
    return std::move(state->case_id);
}

Result<std::vector<InboxOffer>> pending_offers(const Store& store, std::string_view agency,
                                               std::string_view after_item, std::size_t limit) {
    auto entries = store.pending_offers(agency, after_item, limit);
    if (!entries) return tl::unexpected(entries.error());
    std::vector<InboxOffer> offers;
    for (auto& entry : *entries) {
        auto state = store.item(entry.item);
        if (!state) return tl::unexpected(state.error());
        auto offer = store.event(entry.offer);
        if (!offer) return tl::unexpected(offer.error());
        if (!*state) return make_error(ErrorCode::corruption, "an offer of an unknown item " + entry.item);
        offers.push_back(InboxOffer{std::move(entry.item), std::move(**state), std::move(*offer)});
    }
    return offers;
}

Result<std::vector<SearchHit>> search_hits(const Store& store, const EventSearch& search) {
    auto leaves = store.search_events(search);
    if (!leaves) return tl::unexpected(leaves.error());
    std::vector<SearchHit> hits;
    std::optional<BlockHeader> header;  // Of the last event's block.
    for (std::uint64_t leaf : *leaves) {
        auto stored = store.event_at(leaf);
        if (!stored) return tl::unexpected(stored.error());
        if (!header || header->height != stored->height) {
            auto read = store.header(stored->height);
            if (!read) return tl::unexpected(read.error());
            header = std::move(*read);
        }
        hits.push_back(SearchHit{std::move(*stored), header->time});
    }
    return hits;
}

Result<ItemReads> item_reads(const Store& store, std::string_view item, std::uint64_t from_leaf,
                             std::size_t limit) {
    auto state = known_item(store, item);
    if (!state) return tl::unexpected(state.error());
    auto leaves = store.item_reads(item, from_leaf, limit);
    if (!leaves) return tl::unexpected(leaves.error());
    ItemReads out{.item = std::string(item), .state = std::move(*state)};
    for (std::uint64_t leaf : *leaves) {
        auto stored = store.event_at(leaf);
        if (!stored) return tl::unexpected(stored.error());
        if (!stored->envelope.event.read)
            return make_error(ErrorCode::corruption, "the read index names a leaf that is not a read");
        out.reads.push_back(std::move(*stored));
    }
    return out;
}

Result<std::vector<StoredEvent>> committed_events(const Store& store, std::uint64_t from_leaf,
                                                  std::size_t limit) {
    std::vector<StoredEvent> events;
    for (std::uint64_t leaf = from_leaf; leaf < store.log_size() && events.size() < limit; ++leaf) {
        auto stored = store.event_at(leaf);
        if (!stored) return tl::unexpected(stored.error());
        events.push_back(std::move(*stored));
    }
    return events;
}

Result<std::uint64_t> first_leaf_of(const Store& store, Height from_height) {
    if (from_height.value == 0 || from_height.value > store.height().value + 1) {
        return make_error(ErrorCode::invalid_argument, "from_height: must be from 1 to the next height " +
                                                           std::to_string(store.height().value + 1));
    }
    if (from_height.value == 1) return std::uint64_t{0};
    auto previous = store.header(Height{from_height.value - 1});
    if (!previous) return tl::unexpected(previous.error());
    return previous->log_size;
}

Result<Checkpoint> checkpoint_at(const Store& store, Height height) {
    auto header = store.header(height);
    if (!header) return tl::unexpected(header.error());
    auto certificate = store.certificate(height);
    if (!certificate) return tl::unexpected(certificate.error());
    const BlockHash hash = block_hash(*header);
    return Checkpoint{std::move(*header), hash, std::move(*certificate)};
}

Result<BlockView> block_view(const Store& store, Height height) {
    auto block = store.block_event_ids(height);
    if (!block) return tl::unexpected(block.error());
    auto certificate = store.certificate(height);
    if (!certificate) return tl::unexpected(certificate.error());
    return BlockView{std::move(block->header), std::move(block->ids), std::move(*certificate)};
}

Result<EventInclusionProof> inclusion_proof(const Store& store, const EventId& id,
                                            std::optional<std::uint64_t> size) {
    auto stored = store.event(id);
    if (!stored) return tl::unexpected(stored.error());
    const std::uint64_t tree_size = size.value_or(store.log_size());
    if (tree_size <= stored->leaf_index || tree_size > store.log_size()) {
        return make_error(ErrorCode::invalid_argument,
                          "size: must be above the event's leaf index " + std::to_string(stored->leaf_index) +
                              " and at most the log size " + std::to_string(store.log_size()));
    }
    auto proof = store.inclusion_proof(stored->leaf_index, tree_size);
    if (!proof) return tl::unexpected(proof.error());
    return EventInclusionProof{id, stored->leaf_index, tree_size, std::move(*proof)};
}

Result<LogConsistencyProof> consistency_proof(const Store& store, std::uint64_t from, std::uint64_t to) {
    if (to > store.log_size())
        return make_error(ErrorCode::invalid_argument,
                          "to: beyond the log size " + std::to_string(store.log_size()));
    if (from == 0 || from > to)
        return make_error(ErrorCode::invalid_argument, "from: must be at least 1 and at most to");
    auto proof = store.consistency_proof(from, to);
    if (!proof) return tl::unexpected(proof.error());
    return LogConsistencyProof{from, to, std::move(*proof)};
}

}  // namespace custos::ledger
