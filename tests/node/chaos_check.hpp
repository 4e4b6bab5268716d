// The chaos harness's property checker (issue 20): what every scenario must leave true, checked
// over what the harness observed of real nodes. Pure: a negative control feeds it a history with
// one property broken on purpose and expects exactly that finding.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace custos::chaos {

// What one node holds after a scenario.
struct NodeView {
    std::string name;
    std::map<std::uint64_t, std::string> hashes;                      // height -> block hash
    std::map<std::string, std::vector<std::uint64_t>> event_heights;  // event id -> heights holding it
    std::string log;                                                  // the node's whole log
};

struct Acknowledged {
    std::string id;
    std::uint64_t height = 0;  // As the 201 answer gave it.
};

struct History {
    std::vector<NodeView> nodes;             // Honest nodes only.
    std::vector<Acknowledged> acknowledged;  // Every event answered 201 (committed).
    // Seconds from healing the last fault to the next commit, nullopt if none came.
    std::optional<double> recovery_seconds;
    // Validators the scenario made faulty on purpose (a twin's key): their equivocations are the
    // evidence expected, not an honest double-sign.
    std::vector<std::string> byzantine;
};

struct Finding {
    std::string property;  // agreement | acknowledged_lost | duplicated | double_sign | liveness
    std::string detail;
};

inline constexpr double liveness_limit_seconds = 10.0;

// Agreement (one block hash per height on every honest node), nothing acknowledged lost (each
// 201 event in every node's ledger exactly once, at the height answered), nothing duplicated (no
// event twice in a ledger, whether or not its answer arrived), no honest double-sign (no node
// recorded an equivocation by a validator outside History::byzantine), liveness (a commit within
// liveness_limit_seconds of healing). Certificates and everything else in each store are checked by the
// audit, run beside this.
[[nodiscard]] std::vector<Finding> check(const History& history);

[[nodiscard]] bool has(const std::vector<Finding>& findings, const std::string& property);

}  // namespace custos::chaos
