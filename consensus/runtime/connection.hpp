// One TCP connection to a peer: the asynchronous handshake, then the read loop, the bounded send
// queue, and keepalive. Internal to the transport; everything here runs on the transport's strand.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "consensus/runtime/frame.hpp"
#include "consensus/runtime/handshake.hpp"
#include "consensus/runtime/transport.hpp"

namespace custos::runtime {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
using SteadyClock = std::chrono::steady_clock;

// Counters shared by the core and its connections; atomics so stats() works from any thread.
struct TransportCounters {
    std::atomic<std::uint64_t> peers_connected{0};
    std::atomic<std::uint64_t> pending_handshakes{0};
    std::atomic<std::uint64_t> handshakes_completed{0};
    std::atomic<std::uint64_t> dials_started{0};
    std::atomic<std::uint64_t> messages_sent{0};
    std::atomic<std::uint64_t> messages_received{0};
    std::atomic<std::uint64_t> queued_messages{0};
    std::atomic<std::uint64_t> queued_bytes{0};
    std::atomic<std::uint64_t> queue_bytes_peak{0};
    std::atomic<std::uint64_t> queue_messages_peak{0};
    std::atomic<std::uint64_t> queue_dropped_messages{0};
    std::atomic<std::uint64_t> not_connected_dropped{0};
    std::array<std::atomic<std::uint64_t>, drop_reason_count> drops{};

    [[nodiscard]] TransportStats snapshot() const;
};

// What every connection of one transport shares. Immutable after construction except counters.
struct TransportContext {
    TransportContext(Strand strand_in, crypto::SecretKey identity_in, TransportOptions options_in)
        : strand(std::move(strand_in)), identity(std::move(identity_in)), options(std::move(options_in)) {}

    Strand strand;
    crypto::SecretKey identity;
    TransportOptions options;
    TransportCounters counters;
};

// Queued frames are sealed into one socket write up to this many bytes.
inline constexpr std::size_t write_batch_bytes_max = 256 * 1024;

enum class Direction : std::uint8_t { inbound, outbound };

class Connection;

// The transport core, as its connections see it.
class ConnectionOwner {
public:
    virtual ~ConnectionOwner() = default;
    // The peer proved its key; returns why to refuse it, or nothing to accept it.
    virtual std::optional<DropReason> on_authenticated(const std::shared_ptr<Connection>& connection) = 0;
    virtual void on_message(const std::shared_ptr<Connection>& connection, Bytes message) = 0;
    // Called exactly once per connection, whatever ended it.
    virtual void on_closed(const std::shared_ptr<Connection>& connection, DropReason reason) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    // `expected_key` is set for outbound connections: the key the dialed address must prove.
    Connection(std::shared_ptr<TransportContext> context, std::weak_ptr<ConnectionOwner> owner,
               tcp::socket socket, Direction direction, std::optional<crypto::PublicKey> expected_key);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // Inbound: the socket is connected; run the handshake.
    void start_inbound();
    // Outbound: resolve and connect to host:port, then run the handshake. One deadline covers all.
    void start_outbound(const std::string& host, const std::string& port);

    // Queues a message (authenticated connections only), dropping the oldest to make room.
    void enqueue(std::shared_ptr<const Bytes> message);
    // Takes over the unsent messages of a connection this one replaces.
    void adopt_queue(Connection& other);
    // Idempotent; tells the owner once.
    void close(DropReason reason);

    [[nodiscard]] Direction direction() const { return direction_; }
    [[nodiscard]] bool authenticated() const { return authenticated_; }
    [[nodiscard]] bool closed() const { return closed_; }
    // The proven key once authenticated; for outbound connections before that, the expected one.
    [[nodiscard]] const crypto::PublicKey& peer_key() const { return peer_key_; }
    [[nodiscard]] const std::optional<crypto::PublicKey>& expected_key() const { return expected_key_; }
    [[nodiscard]] const std::string& remote_address() const { return remote_address_; }

private:
    struct QueuedFrame {
        FrameType type = FrameType::message;
        std::shared_ptr<const Bytes> payload;  // Null for a ping.
    };

    void start_handshake();
    void on_hello_read();
    void read_frame_header();
    void on_frame_header();
    void on_frame_body();
    void on_auth_frame(const Frame& frame);
    void accept_peer(const crypto::PublicKey& key);
    void pump_writes();
    void start_write(std::uint64_t messages);
    void arm_keepalive();
    void on_keepalive_tick();
    void push_frame(QueuedFrame frame);
    void drop_queue();
    void on_connected();  // Socket options, and the remote address for the logs.
    [[nodiscard]] bool io_failed(const boost::system::error_code& error);

    std::shared_ptr<TransportContext> context_;
    std::weak_ptr<ConnectionOwner> owner_;
    tcp::socket socket_;
    tcp::resolver resolver_;
    asio::steady_timer deadline_;   // Handshake deadline.
    asio::steady_timer keepalive_;  // Keepalive and idle checks once authenticated.
    Direction direction_;
    std::optional<crypto::PublicKey> expected_key_;
    crypto::PublicKey peer_key_;
    std::string remote_address_;

    // Handshake state; the ephemeral secret is dropped once the session keys exist.
    std::optional<EphemeralKeyPair> ephemeral_;
    Hello own_hello_;
    HelloBytes hello_out_{};
    HelloBytes hello_in_{};
    Hash32 transcript_;
    std::optional<FrameSealer> sealer_;
    std::optional<FrameOpener> opener_;

    std::array<std::uint8_t, frame_length_prefix_bytes> header_{};
    Bytes body_;
    Bytes write_buffer_;
    std::deque<QueuedFrame> queue_;
    std::size_t queue_bytes_ = 0;
    bool writing_ = false;
    bool authenticated_ = false;
    bool closed_ = false;
    SteadyClock::time_point last_received_;
    SteadyClock::time_point last_sent_;
    SteadyClock::time_point write_started_;
};

}  // namespace custos::runtime
