#include "consensus/proposer.hpp"

#include "common/assert.hpp"

namespace custos::consensus {

ProposerRotation::ProposerRotation(std::vector<std::uint64_t> powers) : powers_(std::move(powers)) {
    CUSTOS_ASSERT(!powers_.empty(), "a validator set is never empty");
    for (auto power : powers_) {
        CUSTOS_ASSERT(power > 0 && power < (std::uint64_t{1} << 40), "voting power is positive and bounded");
        total_ += static_cast<std::int64_t>(power);
    }
}

void ProposerRotation::advance(Cursor& cursor) const {
    std::size_t best = 0;
    for (std::size_t index = 0; index < powers_.size(); ++index) {
        cursor.priorities[index] += static_cast<std::int64_t>(powers_[index]);
        if (cursor.priorities[index] > cursor.priorities[best]) best = index;
    }
    cursor.priorities[best] -= total_;
    cursor.last = best;
    ++cursor.position;
}

void ProposerRotation::walk(Cursor& cursor, std::uint64_t target) const {
    if (cursor.priorities.empty() || target < cursor.position) {
        cursor = Cursor{std::vector<std::int64_t>(powers_.size(), 0), 0, 0};
    }
    while (cursor.position < target)
        advance(cursor);
}

std::size_t ProposerRotation::proposer(ledger::Height height, ledger::Round round) {
    CUSTOS_ASSERT(height.value >= 1, "heights start at 1");
    // The sequence repeats every total_ steps, so only the position within one period matters.
    // Step k (1-based) chooses the proposer of height - 1 + round = k - 1.
    const std::uint64_t period = static_cast<std::uint64_t>(total_);
    const std::uint64_t start = (height.value - 1) % period;
    if (base_.priorities.empty() || base_.position != start) walk(base_, start);
    const std::uint64_t steps = round.value % period + 1;
    if (round_.priorities.empty() || round_.position < start || round_.position > start + steps)
        round_ = base_;
    walk(round_, start + steps);
    return round_.last;
}

}  // namespace custos::consensus
