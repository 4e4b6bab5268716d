// Weighted round-robin proposer selection with CometBFT's proposer-priority rule: every step,
// each validator's priority grows by its power, the highest priority proposes (ties go to the
// earlier validator in canonical order) and its priority drops by the total power.
//
// Unlike CometBFT, the schedule is memoryless: the proposer of (height, round) is step number
// (height - 1 + round) of the sequence that starts from all-zero priorities. Starting from zero,
// the sequence repeats every total-power steps (each validator proposes exactly `power` times per
// period), so priorities stay within [-total, total] and no re-centering is needed; a restarted
// node needs no stored priorities to agree on the proposer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ledger/types.hpp"

namespace custos::consensus {

class ProposerRotation {
public:
    explicit ProposerRotation(std::vector<std::uint64_t> powers);

    // Index (in the validator set) of the proposer of (height, round); height >= 1.
    [[nodiscard]] std::size_t proposer(ledger::Height height, ledger::Round round);

private:
    // A point in the sequence: the priorities after `position` steps from all-zero.
    struct Cursor {
        std::vector<std::int64_t> priorities;
        std::uint64_t position = 0;
        std::size_t last = 0;  // Proposer chosen by the latest step.
    };
    void advance(Cursor& cursor) const;  // One step of the priority rule.
    void walk(Cursor& cursor, std::uint64_t target) const;

    std::vector<std::uint64_t> powers_;
    std::int64_t total_ = 0;
    // `base_` sits at the start of the latest height asked about, `round_` walks the rounds from
    // there: moving to the next height or round costs one step, and a far-away query is paid
    // once, not per message.
    Cursor base_;
    Cursor round_;
};

}  // namespace custos::consensus
