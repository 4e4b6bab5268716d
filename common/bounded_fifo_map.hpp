// A map that keeps at most a fixed number of entries and forgets the oldest inserted first: the
// node's caches keyed by leaf hash (verified signatures, envelopes kept aside) and the Ed25519
// key tables (crypto/ed25519_tables.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <unordered_map>
#include <utility>

namespace custos {

template <class Key, class Value, class Hash>
class BoundedFifoMap {
public:
    explicit BoundedFifoMap(std::size_t entries_max) : entries_max_(entries_max) {}

    // Adds the entry unless its key is held (which keeps its value and its place); past the
    // bound, the oldest entry goes. Returns whether it was added.
    bool insert(const Key& key, Value value) {
        if (!map_.emplace(key, std::move(value)).second) return false;
        order_.push_back(key);
        if (order_.size() > entries_max_) {
            map_.erase(order_.front());
            order_.pop_front();
        }
        return true;
    }

    // Removes the entry, if held. Linear in the number of entries (its place in the order is
    // searched): for rare removals, not a hot path.
    bool erase(const Key& key) {
        if (map_.erase(key) == 0) return false;
        order_.erase(std::find(order_.begin(), order_.end(), key));
        return true;
    }

    [[nodiscard]] const Value* find(const Key& key) const {
        const auto found = map_.find(key);
        return found == map_.end() ? nullptr : &found->second;
    }
    [[nodiscard]] std::size_t count(const Key& key) const { return map_.count(key); }
    [[nodiscard]] std::size_t size() const { return map_.size(); }
    void reserve(std::size_t entries) { map_.reserve(entries); }

private:
    std::size_t entries_max_;
    std::unordered_map<Key, Value, Hash> map_;
    std::deque<Key> order_;  // Oldest first.
};

}  // namespace custos
