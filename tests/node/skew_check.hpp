// The clock-skew checks shared by tests/node/skew_test.cpp and the chaos loop: block times stay
// within the honest clocks (each block's time within the timeliness bound of the moment an honest
// validator committed it) and only grow.
#pragma once

#include <cstdint>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ledger/time.hpp"
#include "localnet.hpp"

namespace custos::node_test {

inline constexpr std::int64_t skew_ms = 120'000;
// The localnet's clock_skew_max_ms (the timeliness precision) is 5 s; a block's time may also
// lag by the message delay the timeliness rule allows a round. 10 s behind is the margin.
inline constexpr std::int64_t ahead_bound_ms = 5'000;
inline constexpr std::int64_t behind_bound_ms = 10'000;

struct CommittedBlock {
    std::uint64_t height = 0;
    std::int64_t block_time_ms = 0;    // The header's time.
    std::int64_t committed_at_ms = 0;  // The honest node's clock when it logged the commit.
};

// What breaks "block times stay within the honest clocks": a block time more than
// ahead_bound_ms after, or behind_bound_ms before, the moment an honest node committed it, or not
// after the block before. Empty when all hold.
inline std::vector<std::string> time_findings(const std::vector<CommittedBlock>& blocks) {
    std::vector<std::string> findings;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const auto& block = blocks[i];
        const std::string at = "block " + std::to_string(block.height) + ": ";
        if (block.block_time_ms > block.committed_at_ms + ahead_bound_ms)
            findings.push_back(at + "time " + std::to_string(block.block_time_ms - block.committed_at_ms) +
                               " ms ahead of the honest clock");
        if (block.block_time_ms < block.committed_at_ms - behind_bound_ms)
            findings.push_back(at + "time " + std::to_string(block.committed_at_ms - block.block_time_ms) +
                               " ms behind the honest clock");
        if (i > 0 && block.block_time_ms <= blocks[i - 1].block_time_ms)
            findings.push_back(at + "time not after the previous block's");
    }
    return findings;
}

// The commit time of each height from node `index`'s log ("ts=... event=block_committed
// height=N"), with each block's header time from its REST API.
inline std::vector<CommittedBlock> committed_blocks(Localnet& net, std::size_t index) {
    std::map<std::uint64_t, std::int64_t> logged;
    std::istringstream lines(net.log_text(index));
    for (std::string line; std::getline(lines, line);) {
        if (line.find("event=block_committed") == std::string::npos || !line.starts_with("ts=")) continue;
        const auto ts = custos::ledger::parse_time(line.substr(3, line.find(' ') - 3));
        const auto at = line.find(" height=");
        if (!ts || at == std::string::npos) continue;
        logged.emplace(std::stoull(line.substr(at + 8)), ts->value);
    }
    std::vector<CommittedBlock> blocks;
    for (const auto& logged_block : logged) {
        const std::uint64_t height = logged_block.first;  // Not a binding (clang 14, doctest).
        const std::int64_t committed_at = logged_block.second;
        auto block = net.block(index, height);
        REQUIRE_MESSAGE(block.has_value(), "block " << height);
        auto time = custos::ledger::parse_time(block->at("header").at("time").get<std::string>());
        REQUIRE(time.has_value());
        blocks.push_back(CommittedBlock{height, time->value, committed_at});
    }
    return blocks;
}

}  // namespace custos::node_test
