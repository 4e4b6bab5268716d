// A map that keeps at most a fixed number of entries and forgets the least recently used first:
// the Ed25519 key tables (crypto/ed25519_tables.cpp), where the keys that sign all the time
// (validators, busy officers) must stay however many others came and went since they were added,
// and the store's item states (ledger/store/store_impl.hpp), where the items of a busy case stay.
// BoundedFifoMap (common/bounded_fifo_map.hpp) forgets the oldest insertion instead.
#pragma once

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace custos {

template <class Key, class Value, class Hash>
class BoundedLruMap {
public:
    explicit BoundedLruMap(std::size_t entries_max) : entries_max_(entries_max) {}

    // Adds the entry as the most recently used, unless its key is held (which keeps its value and
    // marks it used); past the bound, the least recently used entry goes. Returns whether it was added.
    bool insert(const Key& key, Value value) {
        if (auto held = index_.find(key); held != index_.end()) {
            order_.splice(order_.begin(), order_, held->second);
            return false;
        }
        order_.emplace_front(key, std::move(value));
        index_.emplace(key, order_.begin());
        if (order_.size() > entries_max_) {
            index_.erase(order_.back().first);
            order_.pop_back();
        }
        return true;
    }

    // Adds the entry, or replaces the value its key holds, as the most recently used; past the
    // bound, the least recently used entry goes.
    void insert_or_assign(const Key& key, Value value) {
        if (auto held = index_.find(key); held != index_.end()) {
            held->second->second = std::move(value);
            order_.splice(order_.begin(), order_, held->second);
            return;
        }
        insert(key, std::move(value));
    }

    // The value, marking the entry as the most recently used; nullptr when not held.
    [[nodiscard]] const Value* find(const Key& key) {
        auto held = index_.find(key);
        if (held == index_.end()) return nullptr;
        order_.splice(order_.begin(), order_, held->second);
        return &held->second->second;
    }

    bool erase(const Key& key) {
        auto held = index_.find(key);
        if (held == index_.end()) return false;
        order_.erase(held->second);
        index_.erase(held);
        return true;
    }

    [[nodiscard]] std::size_t count(const Key& key) const { return index_.count(key); }
    [[nodiscard]] std::size_t size() const { return index_.size(); }

private:
    using Order = std::list<std::pair<Key, Value>>;  // Most recently used first.
    std::size_t entries_max_;
    Order order_;
    std::unordered_map<Key, typename Order::iterator, Hash> index_;
};

}  // namespace custos
