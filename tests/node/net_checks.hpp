// Checks over a running Localnet that several multi-process tests share.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include "chaos_check.hpp"
#include "localnet.hpp"

namespace custos::node_test {

// Starts the four validators and waits until each is connected to the three others.
inline void start_validators(Localnet& net) {
    for (std::size_t index = 0; index < validator_count; ++index)
        net.start(index);
    REQUIRE_MESSAGE(net.wait_for(
                        [&] {
                            for (std::size_t index = 0; index < validator_count; ++index) {
                                if (net.metric(index, "custos_peers_connected").value_or(0) < 3) return false;
                            }
                            return true;
                        },
                        30),
                    net.log_tail(0));
}

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

// Seconds until an event sent to `node` is answered 201, within the liveness limit plus a
// second; nullopt if none is.
inline std::optional<double> time_to_commit(Localnet& net, std::size_t node, chaos::History& history) {
    const auto start = std::chrono::steady_clock::now();
    const auto limit_ms = static_cast<std::uint32_t>((custos::chaos::liveness_limit_seconds + 1) * 1000);
    auto [status, body] = net.submit_commit(node, net.next_register_envelope(), limit_ms);
    if (status != 201) return std::nullopt;
    auto json = custos::crypto::parse_json(body);
    REQUIRE(json.has_value());
    history.acknowledged.push_back(
        {(*json)["id"].get<std::string>(), (*json)["height"].get<std::uint64_t>()});
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// What node `index` holds, for the chaos checker: every block hash and event, and its log.
inline chaos::NodeView collect(Localnet& net, std::size_t index) {
    chaos::NodeView view{.name = "node" + std::to_string(index),
                         .hashes = {},
                         .event_heights = {},
                         .log = net.log_text(index)};
    const auto top = net.height(index).value_or(0);
    for (std::uint64_t height = 1; height <= top; ++height) {
        auto block = net.block_events(index, height);
        REQUIRE_MESSAGE(block.has_value(), "block " << height << " of node " << index);
        view.hashes[height] = block->first;
        for (const auto& id : block->second)
            view.event_heights[id].push_back(height);
    }
    return view;
}

}  // namespace custos::node_test
