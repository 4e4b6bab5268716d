#include "consensus/runtime/mempool.hpp"

namespace custos::runtime {

Result<std::optional<ledger::ItemState>> OverlayState::item(std::string_view item_id) const {
    auto found = items_.find(item_id);
    if (found != items_.end()) return std::optional<ledger::ItemState>{found->second};
    return base_->item(item_id);
}

Result<bool> OverlayState::has_event(const ledger::EventId& id) const {
    if (events_.count(id) != 0) return true;
    return base_->has_event(id);
}

void OverlayState::add(const ledger::EventEffects& effects) {
    events_.insert(effects.id);
    for (const auto& state : effects.items)
        items_.insert_or_assign(state.item, state);
}

void OverlayState::clear() {
    items_.clear();
    events_.clear();
}

Mempool::Mempool(const ledger::StateView& committed, const ledger::Genesis& genesis, MempoolLimits limits)
    : genesis_(genesis), limits_(limits), overlay_(committed) {}

Result<ledger::EventId> Mempool::admit(PendingEvent event, ledger::TimeMs now) {
    if (contains(event.id)) {
        return make_error(ErrorCode::already_exists,
                          "event " + ledger::event_id_hex(event.id) + " is already pending");
    }
    if (events_.size() >= limits_.events_max || bytes_ + event.bytes > limits_.bytes_max) {
        return make_error(ErrorCode::resource_exhausted, "mempool full (" + std::to_string(events_.size()) +
                                                             " events, " + std::to_string(bytes_) +
                                                             " bytes)");
    }
    auto effects = ledger::check_event(overlay_, event.envelope, event.id, now, genesis_);
    if (!effects) {
        // R7 (unique event) against committed state means "already committed": a duplicate.
        if (effects.error().rule == ledger::rule::unique_event) {
            return make_error(ErrorCode::already_exists, effects.error().message());
        }
        return tl::unexpected(effects.error().to_error());
    }
    overlay_.add(*effects);
    bytes_ += event.bytes;
    auto id = event.id;
    events_.push_back(std::move(event));
    index_.emplace(id, std::prev(events_.end()));
    return id;
}

const PendingEvent* Mempool::find(const ledger::EventId& id) const {
    auto found = index_.find(id);
    return found == index_.end() ? nullptr : &*found->second;
}

std::vector<ledger::Envelope> Mempool::candidates(std::size_t events_max) const {
    std::vector<ledger::Envelope> out;
    out.reserve(std::min(events_max, events_.size()));
    for (const auto& event : events_) {
        if (out.size() >= events_max) break;
        out.push_back(event.envelope);
    }
    return out;
}

std::size_t Mempool::remove_and_recheck(const std::vector<ledger::EventId>& ids, ledger::TimeMs now) {
    for (const auto& id : ids) {
        auto found = index_.find(id);
        if (found == index_.end()) continue;
        bytes_ -= found->second->bytes;
        events_.erase(found->second);
        index_.erase(found);
    }
    // The committed state moved: rebuild the overlay from the survivors, in admission order.
    overlay_.clear();
    std::size_t dropped = 0;
    for (auto it = events_.begin(); it != events_.end();) {
        auto effects = ledger::check_event(overlay_, it->envelope, it->id, now, genesis_);
        if (effects) {
            overlay_.add(*effects);
            ++it;
            continue;
        }
        bytes_ -= it->bytes;
        index_.erase(it->id);
        it = events_.erase(it);
        ++dropped;
    }
    return dropped;
}

}  // namespace custos::runtime
