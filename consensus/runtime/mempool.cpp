#include "consensus/runtime/mempool.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "common/assert.hpp"

namespace custos::runtime {

MempoolLimits mempool_limits(std::size_t events_max, std::size_t bytes_max) {
    return {.events_max = events_max,
            .bytes_max = bytes_max,
            .reads_max = events_max / mempool_read_share_divisor};
}

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
    check_bounds();
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

ItemSet unexpected_items(const ledger::BlockEffects& committed, const CommittedFromPool& from_pool) {
    // An item the block changed is as expected only if every change to it came from this pool's
    // events: an item none of them touched is not, and neither is an item a foreign event touched
    // (the block's item index names the items of each of its events). A block can hold an event
    // whose gossip has not reached this node yet; that must not send every pending event on the
    // block's other items through the rules again.
    ItemSet unexpected;
    for (const auto& state : committed.items) {
        if (!from_pool.removed_seq.contains(state.item)) unexpected.insert(state.item);
    }
    auto unindexed = from_pool.foreign;        // Foreign events the block's item index does not name.
    for (const auto& entry : committed.reads)  // Read records change no item.
        unindexed.erase(entry.event);
    for (const auto& entry : committed.item_events) {
        if (!from_pool.foreign.contains(entry.event)) continue;
        unexpected.insert(entry.item);
        unindexed.erase(entry.event);
    }
    // A foreign event that names no item leaves nothing known to be as expected: every item the
    // block changed is checked again.
    if (!unindexed.empty()) {
        for (const auto& state : committed.items)
            unexpected.insert(state.item);
    }
    return unexpected;
}

std::size_t Mempool::remove_and_recheck(const std::vector<ledger::EventId>& ids, ledger::TimeMs now,
                                        const ledger::BlockEffects* committed) {
    CommittedFromPool from_pool = remove_committed(ids);
    last_rechecked_ = 0;
    std::size_t dropped = 0;
    // Governance changes who may sign what (officers) or what a proposal needs (validators): then
    // every survivor is checked again.
    const bool everything = committed == nullptr || !committed->officers.empty() ||
                            !committed->admin_counts.empty() || !committed->proposals.empty() ||
                            committed->adopted_validators.has_value();
    if (everything) {
        dropped = recheck_all(now);
    } else {
        from_pool.touched.merge(unexpected_items(*committed, from_pool));
        dropped = recheck_affected(ids, now, from_pool);
    }
    check_bounds();
    return dropped;
}

CommittedFromPool Mempool::remove_committed(const std::vector<ledger::EventId>& ids) {
    CommittedFromPool from_pool;
    for (const auto& id : ids) {
        auto found = index_.find(id);
        if (found == index_.end()) {
            from_pool.foreign.insert(id);
            continue;
        }
        const PendingEvent& event = *found->second;
        if (event.effects.read_request) overlay_.erase_read_request(*event.effects.read_request);
        for (const auto& state : event.effects.items) {
            auto [entry, inserted] = from_pool.removed_seq.try_emplace(state.item, event.seq);
            if (inserted) continue;
            // Reordered by the block: the events pending after the earlier one were admitted
            // against a state without the later one.
            if (event.seq < entry->second) from_pool.touched.insert(state.item);
            entry->second = std::max(entry->second, event.seq);
        }
        erase(found->second);
    }
    return from_pool;
}

bool Mempool::recheck(Pending& event, ledger::TimeMs now, ItemSet& touched) {
    ++last_rechecked_;
    for (const auto& state : event->effects.items)  // Later events on these items: re-check too.
        touched.insert(state.item);
    overlay_.erase_event(event->id);  // Its own id must not count as a duplicate (R7).
    auto effects = ledger::check_event(overlay_, event->envelope, event->id, now, genesis_);
    if (!effects) {
        dropped_.push_back(PoolDrop{{event->id, std::move(effects.error())}, event->envelope});
        event = erase(event);
        return true;
    }
    overlay_.apply(*effects);
    const bool same_items =
        std::equal(effects->items.begin(), effects->items.end(), event->effects.items.begin(),
                   event->effects.items.end(),
                   [](const ledger::ItemState& a, const ledger::ItemState& b) { return a.item == b.item; });
    if (!same_items) unindex_items(event);
    event->effects = std::move(*effects);
    if (!same_items) index_items(event);
    ++event;
    return false;
}

std::size_t Mempool::recheck_all(ledger::TimeMs now) {
    // The committed state moved in ways the items do not show: the whole overlay is rebuilt,
    // every survivor checked again in admission order.
    overlay_.clear();
    ItemSet touched;  // Everything is checked anyway.
    std::size_t dropped = 0;
    for (auto event = events_.begin(); event != events_.end();) {
        if (recheck(event, now, touched)) ++dropped;
    }
    return dropped;
}

ItemSet Mempool::affected_items(const CommittedFromPool& from_pool) const {
    ItemSet affected(from_pool.touched.begin(), from_pool.touched.end());
    for (const auto& entry : from_pool.removed_seq)
        affected.insert(entry.first);
    // Closed over survivors that touch several items (a derive touches two), through the
    // per-item index, so a rebuilt entry never mixes states from before and after a survivor.
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
    return affected;
}

std::size_t Mempool::recheck_affected(const std::vector<ledger::EventId>& ids, ledger::TimeMs now,
                                      CommittedFromPool& from_pool) {
    // Only the overlay entries of the items the commit affected are rebuilt (the others still
    // hold the state after their last pending event). This keeps a commit's cost proportional to
    // the block and the pending events on its items, not to the pool.
    const ItemSet affected = affected_items(from_pool);
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
    ItemSet& touched = from_pool.touched;
    const auto touches = [&touched](const PendingEvent& event) {
        return std::any_of(
            event.effects.items.begin(), event.effects.items.end(),
            [&touched](const ledger::ItemState& state) { return touched.contains(state.item); });
    };
    // A survivor admitted before a committed event on one of its items was checked against a
    // state without that event: it (and what follows it on those items) is checked again.
    const auto overtaken = [&from_pool](const PendingEvent& event) {
        return std::any_of(event.effects.items.begin(), event.effects.items.end(),
                           [&](const ledger::ItemState& state) {
                               auto found = from_pool.removed_seq.find(state.item);
                               return found != from_pool.removed_seq.end() && event.seq < found->second;
                           });
    };
    std::size_t dropped = 0;
    for (Pending event : visit) {
        if (!touches(*event) && !overtaken(*event)) {
            overlay_.apply(event->effects);  // As admitted: nothing it depends on moved.
            continue;
        }
        const ledger::EventId id = event->id;
        if (recheck(event, now, touched)) {
            overlay_.erase_event(id);
            ++dropped;
        }
    }
    return dropped;
}

void Mempool::check_bounds() const {
    CUSTOS_ASSERT(events_.size() <= limits_.events_max, "the pool holds at most events_max events");
    CUSTOS_ASSERT(bytes_ <= limits_.bytes_max, "the pool holds at most bytes_max bytes");
    CUSTOS_ASSERT(reads_ <= limits_.reads_max && reads_ <= events_.size(),
                  "the pool holds at most reads_max read records, each one of its events");
    CUSTOS_ASSERT(index_.size() == events_.size(), "every pending event is indexed by id, once");
}

}  // namespace custos::runtime
