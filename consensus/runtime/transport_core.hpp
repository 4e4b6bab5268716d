// The transport's state behind the Transport facade: the listener, the dial targets with their
// backoff, and the map from validator key to its one live connection. Internal; every member
// function runs on the transport's strand.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "consensus/runtime/connection.hpp"
#include "consensus/runtime/transport.hpp"

namespace custos::runtime {

struct HostPort {
    std::string host;
    std::string port;
};

// The transport's state. Every member function runs on the strand.
class TransportCore final : public ConnectionOwner, public std::enable_shared_from_this<TransportCore> {
public:
    explicit TransportCore(std::shared_ptr<TransportContext> context)
        : context_(std::move(context)), acceptor_(context_->strand) {
        allowed_.insert(context_->options.allowed_peers.begin(), context_->options.allowed_peers.end());
    }

    const std::shared_ptr<TransportContext>& context() const { return context_; }

    Transport::MessageHandler message_handler;
    Transport::PeerHandler peer_up_handler;
    Transport::PeerHandler peer_down_handler;

    void start_accepting(tcp::acceptor acceptor);
    void set_targets(std::vector<PeerAddress> peers, std::vector<HostPort> host_ports);
    void set_validators(std::vector<crypto::PublicKey> keys);
    void send(const crypto::PublicKey& peer, const std::shared_ptr<const Bytes>& message);
    void broadcast(const std::shared_ptr<const Bytes>& message);
    void stop();

    std::optional<DropReason> on_authenticated(const std::shared_ptr<Connection>& connection) override;
    void on_message(const std::shared_ptr<Connection>& connection, Bytes message) override;
    void on_closed(const std::shared_ptr<Connection>& connection, DropReason reason) override;

private:
    struct DialTarget {
        HostPort host_port;
        std::uint32_t backoff_ms = 0;
        std::unique_ptr<asio::steady_timer> timer;
        bool timer_armed = false;
        std::shared_ptr<Connection> dialing;  // The outbound attempt in its handshake, if any.
    };

    void accept_next();
    void note_pending() {
        context_->counters.pending_handshakes.store(pending_.size(), std::memory_order_relaxed);
    }
    void dial(const crypto::PublicKey& key);
    void schedule_dial(const crypto::PublicKey& key);
    // The key of the node that dialed this connection.
    const crypto::PublicKey& dialer_of(const Connection& connection) const {
        return connection.direction() == Direction::outbound ? context_->identity.public_key()
                                                             : connection.peer_key();
    }

    std::shared_ptr<TransportContext> context_;
    tcp::acceptor acceptor_;
    std::set<crypto::PublicKey> allowed_;
    std::map<crypto::PublicKey, std::shared_ptr<Connection>> active_;
    std::set<std::shared_ptr<Connection>> pending_;
    std::map<crypto::PublicKey, DialTarget> targets_;
    bool stopped_ = false;
};

}  // namespace custos::runtime
