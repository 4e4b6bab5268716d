// Checks over a running Localnet that several multi-process tests share.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "localnet.hpp"

namespace custos::node_test {

// Waits until every listed node has at least `size` events committed.
inline bool all_reach(Localnet& net, const std::vector<std::size_t>& nodes, std::uint64_t size, int seconds) {
    return net.wait_for(
        [&] {
            for (auto index : nodes) {
                auto have = net.log_size(index);
                if (!have || *have < size) return false;
            }
            return true;
        },
        seconds);
}

// Every block up to the lowest height of `nodes` has one hash on all of them.
inline void check_identical_blocks(Localnet& net, const std::vector<std::size_t>& nodes) {
    std::uint64_t top = UINT64_MAX;
    for (auto index : nodes)
        top = std::min(top, net.height(index).value_or(0));
    REQUIRE(top > 0);
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto first = net.block_hash(nodes[0], height);
        REQUIRE(first.has_value());
        for (auto index : nodes)
            CHECK_MESSAGE(net.block_hash(index, height) == first,
                          "block " << height << " differs on node " << index);
    }
}

}  // namespace custos::node_test
