#include "consensus/runtime/sync_tracker.hpp"

#include <algorithm>

namespace custos::runtime {

std::optional<std::uint64_t> SyncTracker::height_of(const crypto::PublicKey& peer) const {
    auto found = heights_.find(peer);
    if (found == heights_.end()) return std::nullopt;
    return found->second;
}

std::uint64_t SyncTracker::best_height() const {
    std::uint64_t best = 0;
    for (const auto& [key, height] : heights_)
        best = std::max(best, height);
    return best;
}

bool SyncTracker::behind(std::uint64_t mine, const ledger::ValidatorSet& validators) const {
    std::uint64_t ahead = 0;
    for (const auto& [key, height] : heights_) {
        if (height > mine + 1) {
            if (const auto* validator = validators.find(key)) ahead += validator->power;
        }
    }
    return ahead * 3 > validators.total_power();
}

std::optional<SyncTracker::Request> SyncTracker::next_request(
    std::uint64_t mine, std::int64_t now_ms,
    const std::function<bool(const crypto::PublicKey&)>& is_observer) {
    std::optional<crypto::PublicKey> best;
    std::uint64_t best_height = mine;
    for (const auto& [key, height] : heights_) {
        if (height > best_height && up_.contains(key) && !is_observer(key)) {
            best = key;
            best_height = height;
        }
    }
    if (!best) return std::nullopt;
    if (best_height == mine + 1) {
        if (one_behind_height_ != mine || one_behind_since_ms_ == 0) {
            one_behind_height_ = mine;
            one_behind_since_ms_ = now_ms;
        }
        if (now_ms - one_behind_since_ms_ < sync_one_behind_grace_ms) return std::nullopt;
    }
    if (now_ms - last_request_ms_ < sync_request_interval_ms) return std::nullopt;
    last_request_ms_ = now_ms;
    return Request{*best, best_height};
}

}  // namespace custos::runtime
