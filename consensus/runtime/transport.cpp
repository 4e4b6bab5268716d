#include "consensus/runtime/transport.hpp"

#include <algorithm>

#include <boost/asio/dispatch.hpp>

#include "common/assert.hpp"
#include "consensus/runtime/log.hpp"
#include "consensus/runtime/transport_core.hpp"

namespace custos::runtime {
namespace {

// "host:port" or "[v6]:port"; the port is 0..65535.
Result<HostPort> split_host_port(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return make_error(ErrorCode::invalid_argument, "address must be host:port: " + std::string(text));
    }
    std::string_view host = text.substr(0, colon);
    const std::string_view port = text.substr(colon + 1);
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') {
            return make_error(ErrorCode::invalid_argument, "bad IPv6 address: " + std::string(text));
        }
        host = host.substr(1, host.size() - 2);
    }
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoul(std::string(port)) > 65535) {
        return make_error(ErrorCode::invalid_argument, "bad port in address: " + std::string(text));
    }
    return HostPort{std::string(host), std::string(port)};
}

// Keeps the doubling backoff far from overflowing 32 bits.
constexpr std::uint32_t reconnect_backoff_cap_ms = 3'600'000;

Status validate_options(const TransportOptions& options) {
    if (options.chain_id.empty() || options.chain_id.size() > chain_id_bytes_max) {
        return make_error(ErrorCode::invalid_argument, "chain id must be 1..128 bytes");
    }
    if (options.send_queue_messages_max == 0 || options.send_queue_bytes_max == 0 ||
        options.pending_handshakes_max == 0) {
        return make_error(ErrorCode::invalid_argument, "queue and pending limits must be positive");
    }
    if (options.handshake_timeout_ms == 0 || options.keepalive_interval_ms == 0 ||
        options.idle_timeout_ms <= options.keepalive_interval_ms) {
        return make_error(ErrorCode::invalid_argument,
                          "timeouts must be positive and the idle timeout above the keepalive interval");
    }
    if (options.reconnect_backoff_initial_ms == 0 ||
        options.reconnect_backoff_max_ms < options.reconnect_backoff_initial_ms ||
        options.reconnect_backoff_max_ms > reconnect_backoff_cap_ms) {
        return make_error(ErrorCode::invalid_argument,
                          "reconnect backoff must be positive and capped above start");
    }
    return {};
}

}  // namespace

std::string_view drop_reason_name(DropReason reason) {
    switch (reason) {
        case DropReason::closed_by_peer:
            return "closed_by_peer";
        case DropReason::io_error:
            return "io_error";
        case DropReason::connect_failed:
            return "connect_failed";
        case DropReason::handshake_timeout:
            return "handshake_timeout";
        case DropReason::bad_hello:
            return "bad_hello";
        case DropReason::handshake_failed:
            return "handshake_failed";
        case DropReason::not_allowed:
            return "not_allowed";
        case DropReason::unexpected_key:
            return "unexpected_key";
        case DropReason::self_connection:
            return "self_connection";
        case DropReason::frame_too_large:
            return "frame_too_large";
        case DropReason::frame_too_small:
            return "frame_too_small";
        case DropReason::decrypt_failed:
            return "decrypt_failed";
        case DropReason::protocol_violation:
            return "protocol_violation";
        case DropReason::idle_timeout:
            return "idle_timeout";
        case DropReason::write_stalled:
            return "write_stalled";
        case DropReason::duplicate:
            return "duplicate";
        case DropReason::too_many_pending:
            return "too_many_pending";
        case DropReason::removed_from_set:
            return "removed_from_set";
        case DropReason::stopped:
            return "stopped";
    }
    return "unknown";
}

Result<std::unique_ptr<Transport>> Transport::create(asio::io_context& io, const crypto::SecretKey& identity,
                                                     TransportOptions options) {
    if (Status valid = validate_options(options); !valid) return tl::unexpected(valid.error());
    CUSTOS_ASSERT(sodium_init() >= 0, "libsodium failed to initialise");
    Result<crypto::SecretKey> copy = crypto::SecretKey::from_seed(identity.seed());
    CUSTOS_ASSERT(copy.has_value(), "a secret key's own seed re-derives it");
    const std::size_t message_size_max = std::min(message_bytes_max, options.send_queue_bytes_max);
    auto context =
        std::make_shared<TransportContext>(asio::make_strand(io), std::move(*copy), std::move(options));
    auto core = std::make_shared<TransportCore>(std::move(context));
    std::unique_ptr<Transport> transport(new Transport(std::move(core), identity.public_key()));
    transport->message_size_max_ = message_size_max;
    return transport;
}

Transport::Transport(std::shared_ptr<TransportCore> core, const crypto::PublicKey& local_key)
    : core_(std::move(core)), local_key_(local_key) {}

Transport::~Transport() {
    stop();
}

void Transport::on_message(MessageHandler handler) {
    asio::dispatch(core_->context()->strand, [core = core_, handler = std::move(handler)]() mutable {
        core->message_handler = std::move(handler);
    });
}

void Transport::on_peer_up(PeerHandler handler) {
    asio::dispatch(core_->context()->strand, [core = core_, handler = std::move(handler)]() mutable {
        core->peer_up_handler = std::move(handler);
    });
}

void Transport::on_peer_down(PeerHandler handler) {
    asio::dispatch(core_->context()->strand, [core = core_, handler = std::move(handler)]() mutable {
        core->peer_down_handler = std::move(handler);
    });
}

// Binds here, on the caller's thread, so the caller learns the port (or the error) at once; the
// acceptor then moves onto the strand.
Result<std::uint16_t> Transport::listen(std::string_view host_port) {
    const Result<HostPort> parsed = split_host_port(host_port);
    if (!parsed) return tl::unexpected(parsed.error());
    boost::system::error_code error;
    const auto address = asio::ip::make_address(parsed->host, error);
    if (error)
        return make_error(ErrorCode::invalid_argument, "listen address must be an IP: " + parsed->host);
    const tcp::endpoint endpoint(address, static_cast<std::uint16_t>(std::stoul(parsed->port)));
    tcp::acceptor acceptor(core_->context()->strand);
    if (acceptor.open(endpoint.protocol(), error) ||
        acceptor.set_option(asio::socket_base::reuse_address(true), error) ||
        acceptor.bind(endpoint, error) || acceptor.listen(asio::socket_base::max_listen_connections, error)) {
        return make_error(ErrorCode::io_error,
                          "cannot listen on " + std::string(host_port) + ": " + error.message());
    }
    const std::uint16_t port = acceptor.local_endpoint(error).port();
    if (error) return make_error(ErrorCode::io_error, "cannot read bound port: " + error.message());
    log_line(LogLevel::info, "transport_listening").field("addr", parsed->host + ":" + std::to_string(port));
    asio::dispatch(core_->context()->strand, [core = core_, acceptor = std::move(acceptor)]() mutable {
        core->start_accepting(std::move(acceptor));
    });
    return port;
}

Status Transport::connect_to(std::vector<PeerAddress> peers) {
    if (peers.size() > dial_targets_max)
        return make_error(ErrorCode::invalid_argument, "too many peers to dial");
    std::vector<HostPort> host_ports;
    host_ports.reserve(peers.size());
    for (const PeerAddress& peer : peers) {
        Result<HostPort> parsed = split_host_port(peer.address);
        if (!parsed) return tl::unexpected(parsed.error());
        host_ports.push_back(std::move(*parsed));
    }
    asio::dispatch(core_->context()->strand,
                   [core = core_, peers = std::move(peers), host_ports = std::move(host_ports)]() mutable {
                       core->set_targets(std::move(peers), std::move(host_ports));
                   });
    return {};
}

void Transport::set_validators(std::vector<crypto::PublicKey> keys) {
    asio::dispatch(core_->context()->strand, [core = core_, keys = std::move(keys)]() mutable {
        core->set_validators(std::move(keys));
    });
}

Status Transport::send(const crypto::PublicKey& peer, Bytes message) {
    if (message.size() > message_size_max_) {
        return make_error(ErrorCode::invalid_argument, "message larger than the transport's limit");
    }
    auto shared = std::make_shared<const Bytes>(std::move(message));
    asio::dispatch(core_->context()->strand,
                   [core = core_, peer, shared = std::move(shared)] { core->send(peer, shared); });
    return {};
}

Status Transport::broadcast(Bytes message) {
    if (message.size() > message_size_max_) {
        return make_error(ErrorCode::invalid_argument, "message larger than the transport's limit");
    }
    auto shared = std::make_shared<const Bytes>(std::move(message));
    asio::dispatch(core_->context()->strand,
                   [core = core_, shared = std::move(shared)] { core->broadcast(shared); });
    return {};
}

void Transport::stop() {
    asio::dispatch(core_->context()->strand, [core = core_] { core->stop(); });
}

TransportStats Transport::stats() const {
    return core_->context()->counters.snapshot();
}

}  // namespace custos::runtime
