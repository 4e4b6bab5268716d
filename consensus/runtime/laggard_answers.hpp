// The commits this node owes peers behind it (NodeImpl::answer_laggard): a peer that prevotes at
// a height this node has committed is usually only a moment behind, so its answer (the commit, a
// whole block) waits laggard_answer_delay_ms and goes only if the peer's status still does not
// show that height committed. One answer waits per (peer, height) at a time, so however many
// prevotes a laggard sends, it is sent the block at most once per delay; and at most
// laggard_answers_per_peer_max answers wait per peer, so a validator that signs prevotes at many
// old heights holds neither unbounded timers nor a burst of blocks from this node (an honest
// laggard prevotes at one height at a time). Pure: the node arms the timer, reads the peer's
// reported height and sends.
#pragma once

#include <cstdint>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include "common/assert.hpp"
#include "crypto/ed25519.hpp"

namespace custos::runtime {

// Two: the height an honest laggard prevotes at, and the next while the first answer still waits.
inline constexpr std::size_t laggard_answers_per_peer_max = 2;

class LaggardAnswers {
public:
    // `peer` is behind at `height`: whether to start waiting to answer it (false while an answer
    // for the same peer and height waits already, or laggard_answers_per_peer_max for the peer).
    [[nodiscard]] bool wait(const crypto::PublicKey& peer, std::uint64_t height) {
        const auto first = waiting_.lower_bound({peer, 0});
        const auto end = waiting_.upper_bound({peer, UINT64_MAX});
        if (static_cast<std::size_t>(std::distance(first, end)) >= laggard_answers_per_peer_max) return false;
        return waiting_.emplace(peer, height).second;
    }
    // The wait for (peer, height) is over (its timer fired, or was cancelled): whether the commit
    // still goes, given the height the peer reports now (nullopt when none, or disconnected): only
    // while that is below `height`.
    [[nodiscard]] bool over(const crypto::PublicKey& peer, std::uint64_t height,
                            std::optional<std::uint64_t> reported) {
        const bool waited = waiting_.erase({peer, height}) == 1;
        CUSTOS_ASSERT(waited, "a laggard answer ends once, after it began to wait");
        return !reported || *reported < height;
    }
    [[nodiscard]] std::size_t size() const { return waiting_.size(); }

private:
    std::set<std::pair<crypto::PublicKey, std::uint64_t>> waiting_;
};

}  // namespace custos::runtime
