// The mempool: signed events admitted but not yet in a committed block.
//
// Admission runs the ledger's rule engine (ledger::check_event) against the committed state
// overlaid with the effects of the events already pending, so a chain of events on one item
// (register, then seal, then offer) can wait in the pool together. Duplicates (pending) are
// refused with already_exists. The pool is bounded in events and bytes and answers
// resource_exhausted when full rather than growing.
//
// The caller verifies each envelope's signature (rule R2) before admit(): the node does that
// once per event and remembers it, so neither admission nor block application verifies twice.
//
// Not thread-safe: the node touches it from its one thread only.
#pragma once

#include <cstddef>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "ledger/blocks/block.hpp"
#include "ledger/events/event.hpp"
#include "ledger/genesis.hpp"
#include "ledger/rules/rules.hpp"
#include "ledger/state/state.hpp"

namespace custos::runtime {

// Ten full blocks at the default block_events_max: a few seconds of backlog at the rate a network
// commits. A larger pool does not commit more under overload, it commits less: while it fills,
// every offered event is checked (signature and rules) at the offered rate, and consensus gets
// what CPU is left (measured at 3,500 events/s offered against about 3,000 committable: a
// 100,000-event pool committed 1,600-2,600/s as it grew, a 10,000-event one 2,800-3,400/s, its
// excess refused with 503 before any check; docs/OPERATIONS.md, "Where the time goes").
inline constexpr std::size_t mempool_events_max_default = 10'000;
inline constexpr std::size_t mempool_bytes_max_default = 256 * 1024 * 1024;

// Read records (the consultation log, kind "read") may fill at most this share of the pool's
// events, and of each block's candidates: a flood of signed reads never keeps custody events
// out of the pool or out of a block (docs/OPERATIONS.md, "The consultation log").
inline constexpr std::size_t mempool_read_share_divisor = 4;

struct MempoolLimits {
    std::size_t events_max = mempool_events_max_default;
    std::size_t bytes_max = mempool_bytes_max_default;
    // Pending read records at most (events_max / mempool_read_share_divisor by default).
    std::size_t reads_max = mempool_events_max_default / mempool_read_share_divisor;
};
// The bounds of a pool of `events_max` events and `bytes_max` canonical bytes (a node's config),
// its read records' share taken from that pool, not the default one: events_max /
// mempool_read_share_divisor (a pool of fewer than four events takes no read record).
[[nodiscard]] MempoolLimits mempool_limits(std::size_t events_max, std::size_t bytes_max);

// Hash-table hash of a leaf hash (the keyed hash of event ids, as flooding-resistant).
struct LeafHashHash {
    std::size_t operator()(const Hash32& leaf) const noexcept { return ledger::EventIdHash{}({leaf}); }
};

// An admitted event the pool let go uncommitted: which, the rule it failed, and its envelope (for
// the node's record of drops, whose readers the API checks as for a pending event).
struct PoolDrop {
    ledger::DroppedEvent event;
    ledger::Envelope envelope;
};

struct PendingEvent {
    ledger::Envelope envelope;
    ledger::EventId id;
    std::size_t bytes = 0;  // Canonical envelope size.
    Hash32 leaf_hash;       // RFC 9162 leaf hash of the canonical envelope: names it exactly.
    // The canonical envelope text admission computed (empty if the caller did not keep it): a
    // compact proposal rebuilt from the pool reuses it instead of canonicalizing again.
    std::string canonical_envelope;
    ledger::EventEffects effects;  // What admission computed; reused by remove_and_recheck.
    std::uint64_t seq = 0;         // Admission order (set by Mempool::admit).
};

using ItemSet = std::set<std::string, std::less<>>;

// What removing committed events from the pool found (the first phase of
// Mempool::remove_and_recheck).
struct CommittedFromPool {
    // The items the pool's own removed events touched, each with the latest admission order
    // (PendingEvent::seq) among them.
    std::unordered_map<std::string, std::uint64_t> removed_seq;
    // Items whose pending events are checked again: so far those whose removed events the block
    // put in another order than the pool admitted them.
    ItemSet touched;
    // The removed events the pool did not hold (another node's, or not gossiped here yet).
    std::unordered_set<ledger::EventId, ledger::EventIdHash> foreign;
};

// The items a block (`committed`, governance-free) changed in a way the pool did not expect: an
// item none of the pool's removed events touched, an item a foreign event touched, and, when a
// foreign event names no item (and is no read record), every item the block changed. The
// pending events on the others were admitted against exactly the state the block leaves.
[[nodiscard]] ItemSet unexpected_items(const ledger::BlockEffects& committed,
                                       const CommittedFromPool& from_pool);

class Mempool {
public:
    Mempool(const ledger::StateView& committed, const ledger::Genesis& genesis, MempoolLimits limits = {});

    // Admits an envelope whose signature the caller has verified. `now` is the ledger time the
    // rules use (the node's clock). `event` is moved from only when admitted: on a refusal the
    // caller still holds it.
    [[nodiscard]] Result<ledger::EventId> admit(PendingEvent&& event, ledger::TimeMs now);

    // resource_exhausted ("mempool full") when an event of `bytes` would pass a limit.
    [[nodiscard]] Status room_for(std::size_t bytes) const;
    // Whether `events` more events of `bytes` in all would each find room (room_for), admitted in turn.
    [[nodiscard]] bool has_room_for_all(std::size_t events, std::size_t bytes) const {
        return events_.size() + events <= limits_.events_max && bytes_ + bytes <= limits_.bytes_max;
    }
    [[nodiscard]] const MempoolLimits& limits() const { return limits_; }
    [[nodiscard]] bool contains(const ledger::EventId& id) const { return index_.count(id) != 0; }
    [[nodiscard]] const PendingEvent* find(const ledger::EventId& id) const;
    // The pending envelope whose leaf hash is `leaf` (a compact proposal names events so).
    [[nodiscard]] const PendingEvent* find_leaf(const Hash32& leaf) const;
    // Pending envelopes, at most `events_max`: the other events in admission order, then read
    // records in admission order, these at most a share of `events_max`
    // (mempool_read_share_divisor, at least one) unless the other events leave more room.
    [[nodiscard]] std::vector<ledger::Envelope> candidates(std::size_t events_max) const;

    // After a block commits (or the proposer dropped events): removes `ids`, then re-checks the
    // rest in order against the new committed state and drops those that no longer pass.
    // With `committed` (the block's effects, governance-free), only events on items the block
    // changed (or on items of an event re-checked before them) are re-checked; the others keep
    // the effects admission computed, since nothing they depend on moved. An item the block
    // changed only with this pool's own oldest pending events on it, in admission order, counts
    // as unchanged too: the events pending after them were admitted against exactly that state.
    // An event of the block this pool did not hold makes only its own items changed.
    // This keeps a commit's cost proportional to what the block changed unexpectedly, not to the
    // pool. Events that went stale for another reason (their time window) are dropped when a
    // proposer's build_block refuses them.
    // Returns how many were dropped by the re-check; take_dropped() says which, and why.
    std::size_t remove_and_recheck(const std::vector<ledger::EventId>& ids, ledger::TimeMs now,
                                   const ledger::BlockEffects* committed = nullptr);

    // Visits the pending events in admission order while `visit(event)` returns true.
    template <typename Visit>
    void for_each(Visit&& visit) const {
        for (const auto& event : events_) {
            if (!visit(event)) return;
        }
    }
    [[nodiscard]] std::size_t size() const { return events_.size(); }
    [[nodiscard]] std::size_t reads() const { return reads_; }
    [[nodiscard]] std::size_t bytes() const { return bytes_; }
    [[nodiscard]] bool empty() const { return events_.empty(); }
    // Events the last remove_and_recheck ran through the rules again.
    [[nodiscard]] std::size_t last_rechecked() const { return last_rechecked_; }
    // The events re-checks dropped since the last call (ids, the rule each failed, envelopes), in
    // the order they were dropped; the node logs each (event_dropped). Moved out: a second call
    // returns only later drops.
    [[nodiscard]] std::vector<PoolDrop> take_dropped() { return std::exchange(dropped_, {}); }

private:
    using Pending = std::list<PendingEvent>::iterator;
    void index_items(Pending event);
    void unindex_items(Pending event);
    // Removes `event` from the pool and its indexes (not from the overlay).
    Pending erase(Pending event);
    // remove_and_recheck's phases: remove `ids`, noting what they touched; then check again
    // either every survivor (the whole overlay rebuilt) or only those on the affected items.
    CommittedFromPool remove_committed(const std::vector<ledger::EventId>& ids);
    std::size_t recheck_all(ledger::TimeMs now);
    std::size_t recheck_affected(const std::vector<ledger::EventId>& ids, ledger::TimeMs now,
                                 CommittedFromPool& from_pool);
    // The items whose overlay entries are rebuilt: the touched and the removed ones, closed over
    // survivors that touch several items.
    [[nodiscard]] ItemSet affected_items(const CommittedFromPool& from_pool) const;
    // Checks `event` again against the overlay as rebuilt up to it, adding its items to
    // `touched` (the events after it on them are checked too). Returns whether it no longer
    // passes: then it is dropped and `event` points to the next one; else it moves on itself.
    bool recheck(Pending& event, ledger::TimeMs now, ItemSet& touched);
    // The pool's bounds and indexes agree (asserted after every admission and removal).
    void check_bounds() const;

    const ledger::Genesis& genesis_;
    MempoolLimits limits_;
    std::list<PendingEvent> events_;
    std::unordered_map<ledger::EventId, Pending, ledger::EventIdHash> index_;
    std::unordered_map<Hash32, Pending, LeafHashHash> by_leaf_;
    // The pending events on each item (of their admission effects), so that a commit visits only
    // the events on the items it affected, never the whole pool.
    std::unordered_map<std::string, std::vector<Pending>> by_item_;
    // The committed state seen through the pending events' effects.
    ledger::OverlayState overlay_;
    std::size_t bytes_ = 0;
    std::size_t reads_ = 0;  // Pending read records.
    std::uint64_t next_seq_ = 0;
    std::size_t last_rechecked_ = 0;
    std::vector<PoolDrop> dropped_;  // Since the last take_dropped().
};

}  // namespace custos::runtime
