// Whether this validator takes part in voting now (docs/OPERATIONS.md). It does not while
//   - its signing state is older than what its key is known to have signed (check_signing_state
//     sets the height it stays silent through),
//   - statuses from peers that with it hold more than 2/3 of the power have not arrived yet, after
//     a start or a new validator set: it does not know where the others are (without them no
//     height can be decided anyway); once heard, this stays open until the next core,
//   - it is behind (SyncTracker::behind).
// Pure: it reads the store's height, the core's set and the peers from a View the node fills.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "consensus/runtime/sync_tracker.hpp"
#include "crypto/ed25519.hpp"
#include "ledger/types.hpp"

namespace custos::runtime {

class VotingGate {
public:
    struct View {
        std::uint64_t height = 0;                // The store's committed height.
        const ledger::ValidatorSet& validators;  // The core's.
        const crypto::PublicKey& self;
        const SyncTracker& peers;
    };

    // Why this node should not vote now ("signing_state_behind", "waiting_for_peers", "behind"),
    // or empty when it should.
    [[nodiscard]] std::string_view pause_reason(const View& view);

    enum class Change : std::uint8_t {
        none,
        reason_changed,  // Still paused, for another reason than last said.
        paused,
        resumed,
    };
    struct Update {
        Change change = Change::none;
        std::string_view reason;  // Why paused; empty when voting.
    };
    // What changes for a core that votes now or not (`voting`): paused and resumed call for a
    // SetVoting input, a changed reason only for a log line. The reason is remembered.
    [[nodiscard]] Update update(const View& view, bool voting);

    // A new core (the node's start, or a new validator set): the gate waits for the statuses of
    // the new set's members again. Returns whether the core starts voting (paused_for() says why
    // not).
    [[nodiscard]] bool restart(const View& view);
    // Why voting is paused, as last said; empty while voting.
    [[nodiscard]] const std::string& paused_for() const { return pause_reason_; }

    // No signing at heights up to `height`: the signing state is older than what this key is
    // known to have signed (check_signing_state).
    void silence_through(std::uint64_t height) { silent_through_ = height; }
    [[nodiscard]] std::uint64_t silent_through() const { return silent_through_; }

private:
    bool heard_quorum_ = false;
    std::string pause_reason_;
    std::uint64_t silent_through_ = 0;  // 0: none.
};

}  // namespace custos::runtime
