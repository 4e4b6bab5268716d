#include "consensus/runtime/mempool.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace custos::runtime {

Mempool::Mempool(const ledger::StateView& committed, const ledger::Genesis& genesis, MempoolLimits limits)
    : genesis_(genesis), limits_(limits), overlay_(committed) {}

Status Mempool::room_for(std::size_t bytes) const {
    if (events_.size() >= limits_.events_max || bytes_ + bytes > limits_.bytes_max) {
        return make_error(ErrorCode::resource_exhausted, "mempool full (" + std::to_string(events_.size()) +
                                                             " events, " + std::to_string(bytes_) +
                                                             " bytes)");
    }
    return {};
}

Result<ledger::EventId> Mempool::admit(PendingEvent&& event, ledger::TimeMs now) {
    if (contains(event.id)) {
        return make_error(ErrorCode::already_exists,
                          "event " + ledger::event_id_hex(event.id) + " is already pending");
    }
    if (auto room = room_for(event.bytes); !room) return tl::unexpected(room.error());
    const bool read = event.envelope.event.kind == ledger::EventKind::read;
    if (read && reads_ >= limits_.reads_max) {
        return make_error(ErrorCode::resource_exhausted,
                          "mempool's share of read records full (" + std::to_string(reads_) + " pending)");
    }
    auto effects = ledger::check_event(overlay_, event.envelope, event.id, now, genesis_);
    if (!effects) {
        // R7 (unique event) against committed state means "already committed": a duplicate.
        if (effects.error().rule == ledger::rule::unique_event) {
            return make_error(ErrorCode::already_exists, effects.error().message());
        }
        return tl::unexpected(effects.error().to_error());
    }
    overlay_.apply(*effects);
    event.effects = std::move(*effects);
    event.seq = next_seq_++;
    bytes_ += event.bytes;
    if (read) ++reads_;
    auto id = event.id;
    events_.push_back(std::move(event));
    index_.emplace(id, std::prev(events_.end()));
    by_leaf_.emplace(events_.back().leaf_hash, std::prev(events_.end()));
    index_items(std::prev(events_.end()));
    return id;
}

void Mempool::index_items(Pending event) {
    for (const auto& state : event->effects.items)
        by_item_[state.item].push_back(event);
}

void Mempool::unindex_items(Pending event) {
    for (const auto& state : event->effects.items) {
        auto found = by_item_.find(state.item);
        if (found == by_item_.end()) continue;
        auto& pending = found->second;
        pending.erase(std::remove(pending.begin(), pending.end(), event), pending.end());
        if (pending.empty()) by_item_.erase(found);
    }
}

Mempool::Pending Mempool::erase(Pending event) {
    bytes_ -= event->bytes;
    if (event->envelope.event.kind == ledger::EventKind::read) --reads_;
    unindex_items(event);
    index_.erase(event->id);
    // Only if it is this event's entry: callers that leave leaf_hash unset share one key.
    if (auto leaf = by_leaf_.find(event->leaf_hash); leaf != by_leaf_.end() && leaf->second == event) {
        by_leaf_.erase(leaf);
    }
    return events_.erase(event);
}

const PendingEvent* Mempool::find(const ledger::EventId& id) const {
    auto found = index_.find(id);
    return found == index_.end() ? nullptr : &*found->second;
}

const PendingEvent* Mempool::find_leaf(const Hash32& leaf) const {
    auto found = by_leaf_.find(leaf);
    return found == by_leaf_.end() ? nullptr : &*found->second;
}

std::vector<ledger::Envelope> Mempool::candidates(std::size_t events_max) const {
    std::vector<ledger::Envelope> out;
    out.reserve(std::min(events_max, events_.size()));
    // Room kept for read records: their share, or what the other events leave.
    const std::size_t read_share = std::max<std::size_t>(1, events_max / mempool_read_share_divisor);
    const std::size_t others = events_.size() - reads_;
    const std::size_t others_max = events_max - std::min({reads_, read_share, events_max});
    for (const auto& event : events_) {
        if (out.size() >= std::min(others, others_max)) break;
        if (event.envelope.event.kind != ledger::EventKind::read) out.push_back(event.envelope);
    }
    for (const auto& event : events_) {
        if (out.size() >= events_max) break;
        if (event.envelope.event.kind == ledger::EventKind::read) out.push_back(event.envelope);
    }
    return out;
}

std::size_t Mempool::remove_and_recheck(const std::vector<ledger::EventId>& ids, ledger::TimeMs now,
                                        const ledger::BlockEffects* committed) {
    // Items the removed (committed) events of this pool touched, with the latest admission order
    // among them; an item whose committed events came out of admission order is `touched` below.
    std::unordered_map<std::string, std::uint64_t> removed_seq;
    std::set<std::string, std::less<>> touched;
    std::unordered_set<ledger::EventId, ledger::EventIdHash> foreign;  // Not from this pool.
    for (const auto& id : ids) {
        auto found = index_.find(id);
        if (found == index_.end()) {
            foreign.insert(id);
            continue;
        }
        const PendingEvent& event = *found->second;
        if (event.effects.read_request) overlay_.erase_read_request(*event.effects.read_request);
        for (const auto& state : event.effects.items) {
            auto [entry, inserted] = removed_seq.try_emplace(state.item, event.seq);
            if (inserted) continue;
            if (event.seq < entry->second) touched.insert(state.item);  // Reordered by the block.
            entry->second = std::max(entry->second, event.seq);
        }
        erase(found->second);
    }
    // Governance changes who may sign what (officers) or what a proposal needs (validators): then
    // every survivor is checked again.
    const bool everything = committed == nullptr || !committed->officers.empty() ||
                            !committed->admin_counts.empty() || !committed->proposals.empty() ||
                            committed->adopted_validators.has_value();
    if (!everything) {
        // An item the block changed is as expected only if every change to it came from this
        // pool's events: an item none of them touched is not, and neither is an item a foreign
        // event touched (the block's item index names the items of each of its events). A block
        // can hold an event whose gossip has not reached this node yet; that must not send every
        // pending event on the block's other items through the rules again.
        for (const auto& state : committed->items) {
            if (!removed_seq.contains(state.item)) touched.insert(state.item);
        }
        auto unindexed = foreign;                   // Foreign events the block's item index does not name.
        for (const auto& entry : committed->reads)  // Read records change no item.
            unindexed.erase(entry.event);
        for (const auto& entry : committed->item_events) {
            if (!foreign.contains(entry.event)) continue;
            touched.insert(entry.item);
            unindexed.erase(entry.event);
        }
        // A foreign event that names no item leaves nothing known to be as expected: every item
        // the block changed is checked again.
        if (!unindexed.empty()) {
            for (const auto& state : committed->items)
                touched.insert(state.item);
        }
    }
    auto touches = [&touched](const ledger::EventEffects& effects) {
        return std::any_of(
            effects.items.begin(), effects.items.end(),
            [&touched](const ledger::ItemState& state) { return touched.contains(state.item); });
    };
    // A survivor admitted before a committed event on one of its items was checked against a
    // state without that event: it (and what follows it on those items) is checked again.
    auto overtaken = [&removed_seq](const PendingEvent& event) {
        return std::any_of(event.effects.items.begin(), event.effects.items.end(),
                           [&](const ledger::ItemState& state) {
                               auto found = removed_seq.find(state.item);
                               return found != removed_seq.end() && event.seq < found->second;
                           });
    };
    std::size_t dropped = 0;
    last_rechecked_ = 0;
    // Checks a survivor again against the overlay as rebuilt up to it; drops it if it fails now.
    auto recheck = [&](Pending& it) {
        ++last_rechecked_;
        for (const auto& state : it->effects.items)  // Later events on these items: re-check too.
            touched.insert(state.item);
        overlay_.erase_event(it->id);  // Its own id must not count as a duplicate (R7).
        auto effects = ledger::check_event(overlay_, it->envelope, it->id, now, genesis_);
        if (effects) {
            overlay_.apply(*effects);
            const bool same_items = std::equal(
                effects->items.begin(), effects->items.end(), it->effects.items.begin(),
                it->effects.items.end(),
                [](const ledger::ItemState& a, const ledger::ItemState& b) { return a.item == b.item; });
            if (!same_items) unindex_items(it);
            it->effects = std::move(*effects);
            if (!same_items) index_items(it);
            ++it;
            return;
        }
        it = erase(it);
        ++dropped;
    };
    if (everything) {
        // The committed state moved in ways the items do not show: rebuild the whole overlay,
        // checking every survivor again in admission order.
        overlay_.clear();
        for (auto it = events_.begin(); it != events_.end();)
            recheck(it);
        return dropped;
    }
    // Only the overlay entries of the items the commit affected are rebuilt (the others still
    // hold the state after their last pending event): the removed events' items and the items the
    // block changed, closed over survivors that touch several items (a derive touches two), so a
    // rebuilt entry never mixes states from before and after a survivor. This keeps a commit's
    // cost proportional to the block and the pending events on its items, not to the pool.
    std::set<std::string, std::less<>> affected(touched.begin(), touched.end());
    for (const auto& entry : removed_seq)
        affected.insert(entry.first);
    // Closed over survivors that touch several items, through the per-item index.
    std::vector<std::string> frontier(affected.begin(), affected.end());
    while (!frontier.empty()) {
        auto found = by_item_.find(frontier.back());
        frontier.pop_back();
        if (found == by_item_.end()) continue;
        for (const Pending& event : found->second) {
            if (event->effects.items.size() < 2) continue;
            for (const auto& state : event->effects.items)
                if (affected.insert(state.item).second) frontier.push_back(state.item);
        }
    }
    for (const auto& item : affected)
        overlay_.erase_item(item);
    for (const auto& id : ids)
        overlay_.erase_event(id);
    // The survivors on affected items, in admission order.
    std::vector<Pending> visit;
    for (const auto& item : affected) {
        auto found = by_item_.find(item);
        if (found != by_item_.end()) visit.insert(visit.end(), found->second.begin(), found->second.end());
    }
    std::sort(visit.begin(), visit.end(), [](const Pending& a, const Pending& b) { return a->seq < b->seq; });
    visit.erase(std::unique(visit.begin(), visit.end()), visit.end());
    for (Pending it : visit) {
        if (!touches(it->effects) && !overtaken(*it)) {
            overlay_.apply(it->effects);
            continue;
        }
        const ledger::EventId id = it->id;
        const std::size_t before = dropped;
        recheck(it);
        if (dropped != before) overlay_.erase_event(id);
    }
    return dropped;
}

}  // namespace custos::runtime
