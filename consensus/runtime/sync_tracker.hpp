// The peers this node is connected to and the committed heights they report (wire 0x03), and
// what block sync and the voting gate decide from them: whether this node is behind, and whom to
// ask for blocks, when. Pure: no Asio, no clock (the caller passes the time), no store (the caller
// passes its height); the node sends the status and sync messages (node_net.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "crypto/ed25519.hpp"
#include "ledger/types.hpp"

namespace custos::runtime {

inline constexpr std::int64_t status_interval_ms = 500;
inline constexpr std::int64_t sync_request_interval_ms = 300;
// A node one block behind a peer is usually only waiting for that block's precommits: it asks for
// the block (a peer reads and sends it whole) only if it is still behind after this long.
inline constexpr std::int64_t sync_one_behind_grace_ms = 1000;

// Committed heights by peer key, of connected peers only.
using PeerHeights = std::map<crypto::PublicKey, std::uint64_t>;

class SyncTracker {
public:
    // A peer proved its key (transport's peer up).
    void peer_up(const crypto::PublicKey& peer) { up_.insert(peer); }
    // Its connection closed: its height is forgotten too (only connected peers count).
    void peer_down(const crypto::PublicKey& peer) {
        up_.erase(peer);
        heights_.erase(peer);
    }
    // A status from `peer`; ignored unless it is connected.
    void status(const crypto::PublicKey& peer, std::uint64_t height) {
        if (up_.contains(peer)) heights_[peer] = height;
    }

    [[nodiscard]] bool connected(const crypto::PublicKey& peer) const { return up_.contains(peer); }
    [[nodiscard]] std::size_t connected_count() const { return up_.size(); }
    [[nodiscard]] const PeerHeights& heights() const { return heights_; }
    [[nodiscard]] std::optional<std::uint64_t> height_of(const crypto::PublicKey& peer) const;
    // The highest height a connected peer reported (0 when none did).
    [[nodiscard]] std::uint64_t best_height() const;

    // Whether this node, at committed height `mine`, is behind: connected members of
    // `validators` holding more than 1/3 of its power (so at least one honest one) report a
    // height more than one block above. One peer alone cannot stop this node voting by claiming
    // a height it does not have.
    [[nodiscard]] bool behind(std::uint64_t mine, const ledger::ValidatorSet& validators) const;

    struct Request {
        crypto::PublicKey peer;
        std::uint64_t peer_height = 0;
    };
    // Whom to ask for the blocks after `mine` at `now_ms`, if anyone: the connected peer with the
    // highest height above `mine`, never one `is_observer` names (an observer's height is only
    // its word, and one claiming a height it lacks would draw every request). A peer only one
    // block ahead is asked only once that has lasted sync_one_behind_grace_ms, and requests are
    // sync_request_interval_ms apart. A request returned counts as sent.
    [[nodiscard]] std::optional<Request> next_request(
        std::uint64_t mine, std::int64_t now_ms,
        const std::function<bool(const crypto::PublicKey&)>& is_observer);

private:
    std::set<crypto::PublicKey> up_;
    PeerHeights heights_;
    std::int64_t last_request_ms_ = 0;
    // Since when a peer has been exactly one block ahead of `one_behind_height_` (ours then).
    std::uint64_t one_behind_height_ = 0;
    std::int64_t one_behind_since_ms_ = 0;
};

}  // namespace custos::runtime
