#include "consensus/runtime/transport_core.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "consensus/runtime/log.hpp"
#include "crypto/encoding.hpp"

namespace custos::runtime {
namespace {

LogLevel level_for(DropReason reason) {
    switch (reason) {
        case DropReason::closed_by_peer:
        case DropReason::duplicate:
        case DropReason::removed_from_set:
        case DropReason::io_error:
            return LogLevel::info;
        case DropReason::connect_failed:
        case DropReason::stopped:
            return LogLevel::debug;
        default:
            return LogLevel::warn;
    }
}

}  // namespace

void TransportCore::start_accepting(tcp::acceptor acceptor) {
    if (stopped_) return;
    acceptor_ = std::move(acceptor);
    accept_next();
}

void TransportCore::accept_next() {
    acceptor_.async_accept(context_->strand, [self = shared_from_this()](
                                                 const boost::system::error_code& error, tcp::socket socket) {
        if (self->stopped_ || error == asio::error::operation_aborted) return;
        if (error) {
            // Out of descriptors or similar: say so and try again shortly rather than spin.
            log_line(LogLevel::error, "accept_failed").field("error", error.message());
            auto timer =
                std::make_shared<asio::steady_timer>(self->context_->strand, std::chrono::milliseconds(100));
            timer->async_wait([self, timer](const boost::system::error_code&) {
                if (!self->stopped_) self->accept_next();
            });
            return;
        }
        if (self->pending_.size() >= self->context_->options.pending_handshakes_max) {
            boost::system::error_code ignored;
            const tcp::endpoint remote = socket.remote_endpoint(ignored);
            socket.close(ignored);
            self->context_->counters.drops[static_cast<std::size_t>(DropReason::too_many_pending)]++;
            log_line(LogLevel::warn, "peer_dropped")
                .field("addr", remote.address().to_string() + ":" + std::to_string(remote.port()))
                .field("reason", drop_reason_name(DropReason::too_many_pending));
        } else {
            auto connection = std::make_shared<Connection>(self->context_, self, std::move(socket),
                                                           Direction::inbound, std::nullopt);
            self->pending_.insert(connection);
            CUSTOS_ASSERT(self->pending_.size() <= self->context_->options.pending_handshakes_max,
                          "handshakes in flight stay within pending_handshakes_max");
            self->note_pending();
            connection->start_inbound();
        }
        self->accept_next();
    });
}

void TransportCore::set_targets(std::vector<PeerAddress> peers, std::vector<HostPort> host_ports) {
    if (stopped_) return;
    std::set<crypto::PublicKey> wanted;
    for (std::size_t i = 0; i < peers.size(); ++i) {
        const crypto::PublicKey& key = peers[i].key;
        if (key == context_->identity.public_key()) continue;  // A validator list includes us.
        wanted.insert(key);
        auto [it, inserted] = targets_.try_emplace(key);
        it->second.host_port = std::move(host_ports[i]);
        if (inserted) {
            it->second.backoff_ms = context_->options.reconnect_backoff_initial_ms;
            it->second.timer = std::make_unique<asio::steady_timer>(context_->strand);
        }
    }
    for (auto it = targets_.begin(); it != targets_.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        it->second.timer->cancel();  // An attempt in flight finishes; on_closed finds no target.
        it = targets_.erase(it);
    }
    // Both ends of a pair usually dial each other at once, and the connection dialed by the lower
    // key survives (see on_authenticated). Dialing a lower key waits one backoff period, which
    // gives that peer's own dial a head start and mostly spares the duplicate.
    for (const crypto::PublicKey& key : wanted) {
        if (key < context_->identity.public_key()) {
            schedule_dial(key);
        } else {
            dial(key);
        }
    }
}

void TransportCore::dial(const crypto::PublicKey& key) {
    const auto it = targets_.find(key);
    if (stopped_ || it == targets_.end() || active_.contains(key) || it->second.dialing) return;
    if (pending_.size() >= context_->options.pending_handshakes_max) return schedule_dial(key);
    DialTarget& target = it->second;
    auto connection = std::make_shared<Connection>(context_, weak_from_this(), tcp::socket(context_->strand),
                                                   Direction::outbound, key);
    target.dialing = connection;
    pending_.insert(connection);
    CUSTOS_ASSERT(pending_.size() <= context_->options.pending_handshakes_max,
                  "handshakes in flight stay within pending_handshakes_max");
    note_pending();
    context_->counters.dials_started.fetch_add(1, std::memory_order_relaxed);
    connection->start_outbound(target.host_port.host, target.host_port.port);
}

// Waits the target's backoff, with +-25% jitter so peers that lost each other at the same moment
// do not redial in lockstep.
void TransportCore::schedule_dial(const crypto::PublicKey& key) {
    const auto it = targets_.find(key);
    if (stopped_ || it == targets_.end() || active_.contains(key)) return;
    DialTarget& target = it->second;
    if (target.dialing || target.timer_armed) return;
    const std::uint32_t base_ms = target.backoff_ms;
    const std::uint32_t jitter_ms = randombytes_uniform(base_ms / 2 + 1);
    const std::uint32_t delay_ms = base_ms - base_ms / 4 + jitter_ms;
    target.timer_armed = true;
    target.timer->expires_after(std::chrono::milliseconds(delay_ms));
    target.timer->async_wait([self = shared_from_this(), key](const boost::system::error_code& error) {
        const auto found = self->targets_.find(key);
        if (found != self->targets_.end()) found->second.timer_armed = false;
        if (error || self->stopped_) return;
        self->dial(key);
    });
}

// One connection per peer key. When a second one authenticates, both nodes keep the connection
// dialed by the lower of their two keys, so they choose the same one without talking; two
// connections dialed by the same node mean the older one is stale (the peer restarted), so the
// newer one wins. The loser's unsent messages move to the winner.
std::optional<DropReason> TransportCore::on_authenticated(const std::shared_ptr<Connection>& connection) {
    if (stopped_) return DropReason::stopped;
    CUSTOS_ASSERT(connection->authenticated() && !connection->closed(),
                  "a connection is offered once its peer proved its key, while open");
    const crypto::PublicKey key = connection->peer_key();
    if (!allowed_.contains(key)) return DropReason::not_allowed;
    pending_.erase(connection);
    note_pending();
    const auto target = targets_.find(key);
    if (target != targets_.end() && target->second.dialing == connection) {
        target->second.dialing = nullptr;
    }
    const auto existing = active_.find(key);
    if (existing != active_.end()) {
        const std::shared_ptr<Connection> old = existing->second;
        const crypto::PublicKey& lower = std::min(context_->identity.public_key(), key);
        const bool keep_old = dialer_of(*old) != dialer_of(*connection) && dialer_of(*old) == lower;
        if (keep_old) return DropReason::duplicate;
        connection->adopt_queue(*old);
        existing->second = connection;
        old->close(DropReason::duplicate);
        log_line(LogLevel::info, "peer_replaced")
            .field("peer", short_key(key))
            .field("addr", connection->remote_address());
        return std::nullopt;
    }
    active_.emplace(key, connection);
    if (target != targets_.end()) target->second.backoff_ms = context_->options.reconnect_backoff_initial_ms;
    auto& counters = context_->counters;
    counters.peers_connected.fetch_add(1, std::memory_order_relaxed);
    CUSTOS_ASSERT(counters.peers_connected.load(std::memory_order_relaxed) == active_.size(),
                  "one live connection per key, each counted once");
    counters.handshakes_completed.fetch_add(1, std::memory_order_relaxed);
    log_line(LogLevel::info, "peer_up")
        .field("peer", short_key(key))
        .field("addr", connection->remote_address())
        .field("dir", connection->direction() == Direction::outbound ? "out" : "in");
    if (peer_up_handler) peer_up_handler(key);
    return std::nullopt;
}

void TransportCore::on_message(const std::shared_ptr<Connection>& connection, Bytes message) {
    if (stopped_) return;
    context_->counters.messages_received.fetch_add(1, std::memory_order_relaxed);
    if (message_handler) message_handler(connection->peer_key(), std::move(message));
}

void TransportCore::on_closed(const std::shared_ptr<Connection>& connection, DropReason reason) {
    pending_.erase(connection);
    note_pending();
    const crypto::PublicKey key = connection->peer_key();
    // A dial is filed under the key it expected, which differs from peer_key() when another
    // validator answered (unexpected_key).
    const crypto::PublicKey dial_key = connection->expected_key().value_or(key);
    {
        auto line = log_line(level_for(reason), "peer_dropped");
        if (connection->authenticated() || connection->expected_key()) line.field("peer", short_key(key));
        if (dial_key != key) line.field("expected", short_key(dial_key));
        line.field("addr", connection->remote_address()).field("reason", drop_reason_name(reason));
    }
    if (stopped_) return;
    const auto active = active_.find(key);
    if (connection->authenticated() && active != active_.end() && active->second == connection) {
        active_.erase(active);
        context_->counters.peers_connected.fetch_sub(1, std::memory_order_relaxed);
        CUSTOS_ASSERT(context_->counters.peers_connected.load(std::memory_order_relaxed) == active_.size(),
                      "one live connection per key, each counted once");
        if (peer_down_handler) peer_down_handler(key);
        if (stopped_) return;  // The handler may have stopped the transport.
    }
    const auto target = targets_.find(dial_key);
    if (target == targets_.end()) return;
    if (target->second.dialing == connection) {
        // A failed attempt: wait longer before the next one, up to the cap.
        target->second.dialing = nullptr;
        target->second.backoff_ms =
            std::min(target->second.backoff_ms * 2, context_->options.reconnect_backoff_max_ms);
    }
    schedule_dial(dial_key);
}

void TransportCore::set_validators(std::vector<crypto::PublicKey> keys) {
    if (stopped_) return;
    allowed_ = std::set<crypto::PublicKey>(keys.begin(), keys.end());
    std::vector<std::shared_ptr<Connection>> removed;
    for (const auto& [key, connection] : active_) {
        if (!allowed_.contains(key)) removed.push_back(connection);
    }
    for (const auto& connection : removed)
        connection->close(DropReason::removed_from_set);
}

void TransportCore::send(const crypto::PublicKey& peer, const std::shared_ptr<const Bytes>& message) {
    if (stopped_) return;
    const auto it = active_.find(peer);
    if (it == active_.end()) {
        context_->counters.not_connected_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    it->second->enqueue(message);
}

void TransportCore::broadcast(const std::shared_ptr<const Bytes>& message) {
    if (stopped_) return;
    // enqueue() may close a connection and so change active_; iterate over a copy.
    std::vector<std::shared_ptr<Connection>> peers;
    peers.reserve(active_.size());
    for (const auto& entry : active_)
        peers.push_back(entry.second);
    for (const auto& connection : peers)
        connection->enqueue(message);
}

void TransportCore::stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& entry : targets_)
        entry.second.timer->cancel();
    targets_.clear();
    std::vector<std::shared_ptr<Connection>> connections(pending_.begin(), pending_.end());
    for (const auto& entry : active_)
        connections.push_back(entry.second);
    pending_.clear();
    note_pending();
    active_.clear();
    context_->counters.peers_connected.store(0, std::memory_order_relaxed);
    for (const auto& connection : connections)
        connection->close(DropReason::stopped);
    log_line(LogLevel::info, "transport_stopped");
}

}  // namespace custos::runtime
