// When a proposer builds the block its core asked for (consensus::ProposalRequest): at once when
// the pool holds a full block; otherwise after a wait, so that a stream of submissions fills
// blocks instead of committing one event per height. With events pending the wait is a short
// batching window (proposal_batch_ms); with none (the core asks for a heartbeat block only once
// heartbeat_interval_ms passed, consensus/README.md) it is the idle wait, up to timeout_commit,
// so that an event arriving meanwhile still makes it a block with events. An admission cuts
// either wait short: a full block is built at once, and the first event of an idle wait opens
// the batching window. Pure: the node arms the timer for each wait and builds the block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "consensus/core.hpp"

namespace custos::runtime {

// How long the proposer waits for more events before proposing a block that is not full.
inline constexpr std::int64_t proposal_batch_ms = 25;

class ProposalBatch {
public:
    struct Pool {
        std::uint64_t pending = 0;           // Events in the pool.
        std::uint64_t block_events_max = 0;  // A full block (genesis).
    };

    // The core asks for a proposal: nullopt to build it now (a full block is pending), else how
    // long to wait for more events, `idle_wait_ms` at most; the request waits here meanwhile.
    [[nodiscard]] std::optional<std::int64_t> on_request(const consensus::ProposalRequest& request, Pool pool,
                                                         std::int64_t idle_wait_ms);

    enum class Admitted : std::uint8_t {
        keep_waiting,  // Nothing waits, or the batching window is open already.
        build_now,     // A full block is pending: take() the request and build it.
        open_window,   // The first event of an idle wait: wait proposal_batch_ms from now.
    };
    // An event was admitted; the pool now holds `pool.pending`.
    [[nodiscard]] Admitted on_admit(Pool pool);

    // The waiting request, now to be built (its wait is over); nullopt when none waits.
    [[nodiscard]] std::optional<consensus::ProposalRequest> take();
    // The core that asked is gone (a new validator set): its request is void.
    void drop() { waiting_.reset(); }
    [[nodiscard]] const std::optional<consensus::ProposalRequest>& waiting() const { return waiting_; }

private:
    std::optional<consensus::ProposalRequest> waiting_;
    bool batching_ = false;  // The current wait is the short batching window.
};

}  // namespace custos::runtime
