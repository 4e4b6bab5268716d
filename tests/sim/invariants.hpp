// The simulator's safety invariants, checked after every step. Each check is a plain function of
// what the simulator observed, so a test can feed it a broken history and see it fail.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/result.hpp"
#include "consensus/core.hpp"
#include "ledger/types.hpp"

namespace custos::sim {

enum class Invariant {
    agreement,
    validity,
    certificate,
    double_sign,
    heights_grow,
    restart_consistent,
    quiet,
    liveness
};
[[nodiscard]] std::string_view invariant_name(Invariant invariant);

struct Violation {
    Invariant invariant;
    std::string detail;
};

class InvariantChecker {
public:
    InvariantChecker(std::string chain_id, ledger::ValidatorSet validators, std::vector<bool> honest);

    // A node decided. `applied` is the ledger's verdict on the block (validity).
    // `in_force` is the validator set in force at the decided height (default: the genesis set).
    void on_decision(std::size_t node, const consensus::Decision& decision, const Status& applied,
                     const ledger::ValidatorSet* in_force = nullptr);
    // Validator name of each node, when nodes are not the genesis set in order (set changes).
    void set_node_names(std::vector<std::string> names) { names_ = std::move(names); }
    // A node sent a signed proposal or vote (honest nodes only are held to "never twice").
    void on_signed(std::size_t node, const consensus::SignedMessage& message);
    // A node's current height after a step or a restart.
    void on_height(std::size_t node, ledger::Height height);
    // Quiet when idle: from now on a decided block without events must be at least `interval_ms`
    // after the block before it (`genesis_before` stands for the block before height 1).
    void set_heartbeat(std::int64_t interval_ms, ledger::TimeMs genesis_before) {
        heartbeat_ms_ = interval_ms;
        times_[0] = genesis_before;
    }
    // Decided heights whose block holds no event.
    [[nodiscard]] std::uint64_t empty_blocks() const { return empty_blocks_; }

    [[nodiscard]] const std::optional<Violation>& violation() const { return violation_; }
    [[nodiscard]] const std::map<std::uint64_t, ledger::BlockHash>& decided() const { return decided_; }

private:
    void fail(Invariant invariant, std::string detail);
    void check_quiet(const std::string& where, const consensus::Block& block);

    std::string chain_id_;
    ledger::ValidatorSet validators_;
    std::vector<bool> honest_;
    std::vector<std::string> names_;  // By node index.
    std::optional<Violation> violation_;
    std::map<std::uint64_t, ledger::BlockHash> decided_;  // The one global list of decisions.
    std::vector<std::map<std::uint64_t, ledger::BlockHash>> node_decided_;  // Survives restarts.
    std::vector<std::uint64_t> node_height_;
    std::int64_t heartbeat_ms_ = 0;
    std::map<std::uint64_t, ledger::TimeMs> times_;  // Block time by decided height (0: before height 1).
    std::uint64_t empty_blocks_ = 0;
    std::map<std::tuple<std::string, std::uint64_t, std::uint32_t, int>, std::string> signed_;
};

}  // namespace custos::sim
