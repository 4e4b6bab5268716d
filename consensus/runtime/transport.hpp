// The authenticated, encrypted transport between validators (docs/FORMAT.md "Peer transport").
//
// One Transport per node. It listens for peers, dials the peers it is told about (reconnecting
// with capped exponential backoff), runs the handshake in handshake.hpp, and then carries opaque
// messages (at most message_bytes_max each) to and from validators in the allow-list. The bytes
// are the caller's: the consensus runtime encodes and decodes them.
//
// Threading: all state lives on one strand of the given io_context. Every public method may be
// called from any thread; it posts to the strand (or runs inline when already on it). Handlers
// run on the strand and are never called after stop() has taken effect. Destroy the Transport
// before its io_context.
//
// Memory: each peer has a send queue bounded in messages and bytes; when a new message does not
// fit, the OLDEST queued messages are dropped (and counted) to make room, because for consensus
// a newer message (a later round, a fresher vote) supersedes an older one, and a peer too slow
// to drain its queue must not hold the node's memory. A peer whose writes stall for the idle
// timeout is dropped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "consensus/runtime/frame.hpp"
#include "crypto/bytes.hpp"
#include "crypto/ed25519.hpp"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace custos::runtime {

// Defaults for TransportOptions, named so configuration and tests can refer to them.
inline constexpr std::size_t send_queue_messages_max_default = 1024;
inline constexpr std::size_t send_queue_bytes_max_default = 32 * 1024 * 1024;
inline constexpr std::uint32_t handshake_timeout_ms_default = 5'000;
inline constexpr std::uint32_t keepalive_interval_ms_default = 2'000;
inline constexpr std::uint32_t idle_timeout_ms_default = 10'000;
inline constexpr std::uint32_t reconnect_backoff_initial_ms_default = 100;
inline constexpr std::uint32_t reconnect_backoff_max_ms_default = 10'000;
// Connections still in their handshake (inbound and outbound) at once; more are refused, so
// strangers cannot tie up sockets and memory.
inline constexpr std::size_t pending_handshakes_max_default = 64;
// Peers one transport dials (the validator set is small).
inline constexpr std::size_t dial_targets_max = 1024;

struct TransportOptions {
    std::string chain_id;  // Bound into every handshake signature; 1..chain_id_bytes_max bytes.
    // Validator keys that may connect (the current validator set). Others are dropped after the
    // handshake. set_validators() replaces it.
    std::vector<crypto::PublicKey> allowed_peers;
    std::size_t send_queue_messages_max = send_queue_messages_max_default;
    std::size_t send_queue_bytes_max = send_queue_bytes_max_default;
    std::uint32_t handshake_timeout_ms = handshake_timeout_ms_default;
    // A ping is sent after this long without sending anything.
    std::uint32_t keepalive_interval_ms = keepalive_interval_ms_default;
    // Nothing received, or a write not finishing, for this long drops the peer.
    std::uint32_t idle_timeout_ms = idle_timeout_ms_default;
    std::uint32_t reconnect_backoff_initial_ms = reconnect_backoff_initial_ms_default;
    std::uint32_t reconnect_backoff_max_ms = reconnect_backoff_max_ms_default;
    std::size_t pending_handshakes_max = pending_handshakes_max_default;
};

// Where to dial a validator, and the key it must prove. `address` is "host:port" or "[v6]:port".
struct PeerAddress {
    std::string address;
    crypto::PublicKey key;
};

// Why a connection ended. Logged as `reason=<name>` and counted in TransportStats::drops.
enum class DropReason : std::uint8_t {
    closed_by_peer,
    io_error,
    connect_failed,
    handshake_timeout,
    bad_hello,           // Wrong length or version, or an unacceptable ephemeral key.
    handshake_failed,    // The auth frame did not decrypt, parse or verify.
    not_allowed,         // A valid key that is not in the allow-list.
    unexpected_key,      // A dialed address answered with another validator's key.
    self_connection,     // We dialed ourselves.
    frame_too_large,     // Announced length over frame_bytes_max; the body is never read.
    frame_too_small,     // Announced length under frame_overhead_bytes.
    decrypt_failed,      // A frame was altered, replayed, reordered or forged.
    protocol_violation,  // An unknown frame type, or an auth frame after the handshake.
    idle_timeout,
    write_stalled,
    duplicate,  // A second connection to the same peer; see "one connection per peer".
    too_many_pending,
    removed_from_set,  // set_validators() no longer lists the peer.
    stopped,
};
inline constexpr std::size_t drop_reason_count = static_cast<std::size_t>(DropReason::stopped) + 1;

[[nodiscard]] std::string_view drop_reason_name(DropReason reason);

// A snapshot of the counters; readable from any thread.
struct TransportStats {
    std::uint64_t peers_connected = 0;       // Authenticated peers now.
    std::uint64_t pending_handshakes = 0;    // Connections in their handshake now.
    std::uint64_t handshakes_completed = 0;  // Peers accepted after the handshake, in total.
    std::uint64_t dials_started = 0;
    std::uint64_t messages_sent = 0;  // Message frames fully written to a socket.
    std::uint64_t messages_received = 0;
    std::uint64_t queued_messages = 0;         // Across all peers' send queues now.
    std::uint64_t queued_bytes = 0;            // Payload bytes across all peers' send queues now.
    std::uint64_t queue_bytes_peak = 0;        // Most payload bytes one peer's queue ever held.
    std::uint64_t queue_messages_peak = 0;     // Most messages one peer's queue ever held.
    std::uint64_t queue_dropped_messages = 0;  // Oldest messages dropped to make room.
    std::uint64_t not_connected_dropped = 0;   // send() to a peer that was not connected.
    std::array<std::uint64_t, drop_reason_count> drops{};

    [[nodiscard]] std::uint64_t drops_for(DropReason reason) const {
        return drops[static_cast<std::size_t>(reason)];
    }
};

class TransportCore;

class Transport {
public:
    using MessageHandler = std::function<void(const crypto::PublicKey& peer, Bytes message)>;
    using PeerHandler = std::function<void(const crypto::PublicKey& peer)>;

    // Refuses options that cannot work (empty or long chain id, zero limits, idle timeout not
    // above the keepalive interval). The identity key is copied into guarded memory.
    [[nodiscard]] static Result<std::unique_ptr<Transport>> create(boost::asio::io_context& io,
                                                                   const crypto::SecretKey& identity,
                                                                   TransportOptions options);
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;
    ~Transport();  // Calls stop().

    // Set the handlers before listen() and connect_to(); they run on the transport's strand.
    void on_message(MessageHandler handler);
    void on_peer_up(PeerHandler handler);
    void on_peer_down(PeerHandler handler);

    // Binds "host:port" (port 0 picks a free one) and starts accepting; returns the bound port.
    // At most once per Transport.
    [[nodiscard]] Result<std::uint16_t> listen(std::string_view host_port);
    // Replaces the set of peers to keep dialed. Peers already connected stay connected; new ones
    // are dialed at once. Refuses a malformed address or more than dial_targets_max peers.
    [[nodiscard]] Status connect_to(std::vector<PeerAddress> peers);
    // Replaces the allow-list and drops connected peers no longer in it.
    void set_validators(std::vector<crypto::PublicKey> keys);

    // Queues a message for one peer. Refuses (invalid_argument) a message larger than
    // message_bytes_max or the send queue's byte limit; a peer that is not connected is counted
    // in not_connected_dropped (delivery is best effort; consensus retransmits what matters).
    [[nodiscard]] Status send(const crypto::PublicKey& peer, Bytes message);
    // Queues a message for every connected peer; the bytes are shared, not copied per peer.
    [[nodiscard]] Status broadcast(Bytes message);

    // Closes the listener and every connection and cancels all timers; no handler runs after it
    // has taken effect on the strand. Idempotent.
    void stop();

    [[nodiscard]] TransportStats stats() const;
    [[nodiscard]] const crypto::PublicKey& local_key() const { return local_key_; }

private:
    Transport(std::shared_ptr<TransportCore> core, const crypto::PublicKey& local_key);
    std::shared_ptr<TransportCore> core_;
    crypto::PublicKey local_key_;
    std::size_t message_size_max_ = 0;
};

}  // namespace custos::runtime
