// common/bounded_fifo_map.hpp (common/ has no test binary of its own; crypto is its first user).
#include "common/bounded_fifo_map.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <string>

namespace {

using FifoMap = custos::BoundedFifoMap<int, std::string, std::hash<int>>;

}  // namespace

TEST_CASE(
    "bounded fifo map: past the bound the oldest insertion goes; a held key keeps its value and place") {
    FifoMap map(3);
    CHECK(map.insert(1, "one"));
    CHECK(map.insert(2, "two"));
    CHECK(map.insert(3, "three"));
    CHECK_FALSE(map.insert(1, "uno"));  // Held: neither replaced nor moved to the back.
    REQUIRE(map.find(1) != nullptr);
    CHECK(*map.find(1) == "one");
    CHECK(map.insert(4, "four"));  // Evicts 1, the oldest insertion.
    CHECK(map.find(1) == nullptr);
    CHECK(map.size() == 3);
    CHECK(map.count(2) == 1);
}

TEST_CASE("bounded fifo map: an erased key leaves the order too, so a re-inserted key is the newest") {
    FifoMap map(3);
    map.insert(1, "one");
    map.insert(2, "two");
    map.insert(3, "three");
    CHECK(map.erase(1));
    CHECK_FALSE(map.erase(1));
    CHECK(map.size() == 2);
    map.insert(1, "again");  // Order now 2, 3, 1.
    map.insert(4, "four");   // Evicts 2, not the re-inserted 1.
    CHECK(map.find(2) == nullptr);
    REQUIRE(map.find(1) != nullptr);
    CHECK(*map.find(1) == "again");
    CHECK(map.size() == 3);
}
