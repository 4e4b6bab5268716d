#include "chaos_check.hpp"

#include <algorithm>

namespace custos::chaos {

namespace {

void check_agreement(const History& history, std::vector<Finding>& out) {
    std::map<std::uint64_t, std::pair<std::string, std::string>> first;  // height -> (hash, node)
    for (const auto& node : history.nodes) {
        for (const auto& [height, hash] : node.hashes) {
            auto [seen, inserted] = first.emplace(height, std::pair{hash, node.name});
            if (!inserted && seen->second.first != hash) {
                out.push_back({"agreement", "height " + std::to_string(height) + ": " + seen->second.second +
                                                " has " + seen->second.first + ", " + node.name + " has " +
                                                hash});
            }
        }
    }
}

void check_events(const History& history, std::vector<Finding>& out) {
    for (const auto& node : history.nodes) {
        for (const auto& [id, heights] : node.event_heights) {
            if (heights.size() > 1) {
                out.push_back({"duplicated", node.name + " holds event " + id + " " +
                                                 std::to_string(heights.size()) + " times"});
            }
        }
        const std::uint64_t top = node.hashes.empty() ? 0 : node.hashes.rbegin()->first;
        for (const auto& ack : history.acknowledged) {
            if (ack.height > top) continue;  // A node not yet there is the liveness check's.
            auto found = node.event_heights.find(ack.id);
            if (found == node.event_heights.end() || found->second.empty()) {
                out.push_back({"acknowledged_lost", node.name + " lacks event " + ack.id +
                                                        " acknowledged at height " +
                                                        std::to_string(ack.height)});
            } else if (found->second.front() != ack.height) {
                out.push_back({"acknowledged_lost", node.name + " holds event " + ack.id + " at height " +
                                                        std::to_string(found->second.front()) +
                                                        ", acknowledged at " + std::to_string(ack.height)});
            }
        }
    }
}

}  // namespace

std::vector<Finding> check(const History& history) {
    std::vector<Finding> out;
    check_agreement(history, out);
    check_events(history, out);
    const std::string marker = "event=equivocation validator=";
    for (const auto& node : history.nodes) {
        for (auto at = node.log.find(marker); at != std::string::npos; at = node.log.find(marker, at + 1)) {
            const auto start = at + marker.size();
            const auto name = node.log.substr(start, node.log.find_first_of(" \n", start) - start);
            if (std::find(history.byzantine.begin(), history.byzantine.end(), name) !=
                history.byzantine.end())
                continue;
            out.push_back({"double_sign", node.name + " recorded an equivocation by " + name});
            break;
        }
    }
    if (!history.recovery_seconds || *history.recovery_seconds > liveness_limit_seconds) {
        out.push_back({"liveness",
                       history.recovery_seconds
                           ? "first commit " + std::to_string(*history.recovery_seconds) + " s after healing"
                           : "no commit after healing"});
    }
    return out;
}

bool has(const std::vector<Finding>& findings, const std::string& property) {
    return std::any_of(findings.begin(), findings.end(),
                       [&](const Finding& f) { return f.property == property; });
}

}  // namespace custos::chaos
