// The REST server: Boost.Beast HTTP/1.1 over an io_context run by `ServerOptions::threads`
// threads it owns (each connection on its own strand). Every request is
// served by api::handle_request() (routes.hpp) over an api::NodeService.
//
// Hard edges enforced here, before any route code runs:
// - header block over request_header_bytes_max -> 431; a declared Content-Length over the
//   route's body limit (request_body_limit(): request_body_bytes_max, batch_body_bytes_max for
//   POST /v1/batches) -> 413 without reading the body (a chunked body over it -> 413 too);
//   Content-Length together with chunked -> 400; other malformed HTTP -> 400. Each closes the
//   connection.
// - large bodies (a route limit above request_body_bytes_max) reserve their declared length (or
//   the route's limit when chunked) from large_bodies_bytes_max, shared by the server, until the
//   request is handled; a request that does not fit -> 503 with Retry-After, before its body.
// - a deadline for the whole header and one for the whole body (not per byte): a client that
//   dribbles a byte every few seconds is cut off when the deadline passes.
// - a cap on open connections in total and per client address. When a new connection would pass
//   a cap, the connection that has waited longest for its next request header (idle keep-alive
//   or dribbling) under that cap is closed to make room; only when every connection under the cap
//   is busy (body being read, request being served) is the new one closed at once. So a client
//   holding many idle sockets cannot lock out a fresh request, and busy work is never dropped.
// - POST /v1/events?wait=commit waits with an asio timer polling the service, never blocking the
//   thread; after commit_wait_ms it answers 504 with the event id.
// - an evidence read (ApiResponse::await_record) is sent only once the node says a validator
//   recorded it (NodeService::record_read: this node itself, or for an observer a validator that
//   lists it; it calls back from the node's thread and the answer hops to the session's strand),
//   or answered 503 after read_record_wait_ms: the thread never blocks on it.
// - GET /v1/stream (api/stream.hpp) is served by a timer on the session's strand that looks for
//   new commits every stream_poll_ms (a cheap height read; the events only when it moved) and a
//   write loop of its own. At most streams_max streams at once and streams_per_key_max per key
//   (503 with Retry-After past either). What waits to be written is bounded by
//   stream_buffer_bytes_max (events are read from the store only when they fit): a client whose
//   buffer stays full for stream_slow_ms gets a final `slow_reader` event and is disconnected; a
//   write that makes no progress for stream_write_timeout_ms closes the connection. A comment
//   line every stream_heartbeat_ms keeps an idle stream open.
//
// Threading: NodeService calls come from the server's threads, several at once when threads > 1
// (see api/service.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.hpp"
#include "api/service.hpp"
#include "common/result.hpp"

namespace custos::api {

struct ServerTls;  // api/tls.hpp

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: the OS picks one (tests); see Server::port().
    // Threads serving requests: two lets one request's Ed25519 check run while another is parsed
    // or answered (the node's 2-core target machine).
    std::size_t threads = 2;
    std::size_t connections_max = 1024;
    std::size_t connections_per_address_max = 256;
    std::uint32_t header_timeout_ms = 10000;
    std::uint32_t body_timeout_ms = 10000;
    // Time a keep-alive connection may sit idle between requests (the next header's deadline).
    std::uint32_t idle_timeout_ms = 30000;
    // POST /v1/events?wait=commit: how long to wait for the commit, and how often to look.
    std::uint32_t commit_wait_ms = 10000;
    std::uint32_t commit_poll_ms = 50;
    // Request signatures: the clock their window is checked against (system clock when empty) and
    // the most nonces remembered at once (over it: 503, see api/auth.hpp).
    Clock clock;
    std::size_t replay_entries_max = replay_entries_default;
    std::size_t replay_entries_per_key_max = replay_entries_per_key_default;
    // The authorities a signed request may name in its @target-uri (api/auth.hpp); empty: any,
    // for tests. custos-node sets them from its config ("rest_public_names").
    std::vector<std::string> public_names;
    // HTTPS (api/tls.hpp load_server_tls): every connection starts with a TLS 1.2+ handshake
    // under the header deadline. Null: plain HTTP (custos-node allows it on loopback only, unless
    // its config says otherwise).
    std::shared_ptr<ServerTls> tls;
    // GET /v1/stream (see above).
    std::size_t streams_max = 64;
    std::size_t streams_per_key_max = 4;
    std::size_t stream_buffer_bytes_max = 1024 * 1024;
    std::uint32_t stream_poll_ms = 200;
    std::uint32_t stream_heartbeat_ms = 15000;
    std::uint32_t stream_write_timeout_ms = 30000;
    std::uint32_t stream_slow_ms = 10000;
    // An evidence read (NodeService::record_read): how long the answer waits for a validator to
    // record it before the server answers 503 instead (a bound over the node's own,
    // runtime::read_relay_wait_ms for an observer, in case the node never calls back).
    std::uint32_t read_record_wait_ms = 6000;
};

class Server {
public:
    // Binds, listens and starts the server thread. invalid_argument for a bad host, io_error if
    // the address cannot be bound. `service` must outlive the server.
    [[nodiscard]] static Result<std::unique_ptr<Server>> start(NodeService& service, ServerOptions options);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    // Stops (see stop()).
    ~Server();

    // The bound port (useful when options.port was 0).
    [[nodiscard]] std::uint16_t port() const;
    // Stops accepting, closes every connection and joins the server threads. Idempotent.
    void stop();

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Parses "host:port" (as in the node config's rest_listen). invalid_argument if malformed.
[[nodiscard]] Result<ServerOptions> server_options_from_address(std::string_view address);

}  // namespace custos::api
