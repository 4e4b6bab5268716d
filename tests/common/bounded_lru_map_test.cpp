// common/bounded_lru_map.hpp (common/ has no test binary of its own; crypto and the store use it).
#include "common/bounded_lru_map.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

namespace {

using LruMap = custos::BoundedLruMap<int, std::string, std::hash<int>>;

}  // namespace

TEST_CASE("bounded lru map: past the bound the least recently used goes, not the oldest insertion") {
    LruMap map(3);
    CHECK(map.insert(1, "one"));
    CHECK(map.insert(2, "two"));
    CHECK(map.insert(3, "three"));
    REQUIRE(map.find(1) != nullptr);  // 1 is now the most recently used: order 1, 3, 2.
    CHECK(map.insert(4, "four"));     // Evicts 2, the least recently used (a FIFO would evict 1).
    CHECK(map.find(2) == nullptr);
    REQUIRE(map.find(1) != nullptr);
    CHECK(*map.find(1) == "one");
    CHECK(map.size() == 3);
}

TEST_CASE("bounded lru map: inserting a held key keeps its value and marks it used") {
    LruMap map(2);
    map.insert(1, "one");
    map.insert(2, "two");
    CHECK_FALSE(map.insert(1, "uno"));  // Held: the value stays, 1 becomes the most recently used.
    map.insert(3, "three");             // Evicts 2.
    CHECK(map.count(2) == 0);
    REQUIRE(map.find(1) != nullptr);
    CHECK(*map.find(1) == "one");
}

TEST_CASE("bounded lru map: an erased key is gone and its slot is free") {
    LruMap map(2);
    map.insert(1, "one");
    map.insert(2, "two");
    CHECK(map.erase(1));
    CHECK_FALSE(map.erase(1));
    CHECK(map.size() == 1);
    map.insert(3, "three");  // Fits without evicting 2.
    CHECK(map.count(2) == 1);
    CHECK(map.count(3) == 1);
}

TEST_CASE("bounded lru map: insert_or_assign replaces a held key's value and marks it used") {
    LruMap map(2);
    map.insert(1, "one");
    map.insert(2, "two");
    map.insert_or_assign(1, "uno");    // Held: the value is replaced, 1 becomes the most recently used.
    map.insert_or_assign(3, "three");  // New: evicts 2, the least recently used.
    CHECK(map.count(2) == 0);
    CHECK(map.size() == 2);
    REQUIRE(map.find(1) != nullptr);
    CHECK(*map.find(1) == "uno");
    REQUIRE(map.find(3) != nullptr);
    CHECK(*map.find(3) == "three");
}
