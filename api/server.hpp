// The REST server: Boost.Beast HTTP/1.1 over one io_context thread it owns. Every request is
// served by api::handle_request() (routes.hpp) over an api::NodeService.
//
// Hard edges enforced here, before any route code runs:
// - header block over request_header_bytes_max -> 431; a declared Content-Length over
//   request_body_bytes_max -> 413 without reading the body (a chunked body over it -> 413 too);
//   Content-Length together with chunked -> 400; other malformed HTTP -> 400. Each closes the
//   connection.
// - a deadline for the header and one for the body: a client that dribbles bytes is cut off.
// - a cap on open connections in total and per client address; over it, the socket is closed at
//   once (no work is done for it).
//
// Threading: NodeService calls come from the server's own thread (see api/service.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/service.hpp"
#include "common/result.hpp"

namespace custos::api {

struct ServerOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: the OS picks one (tests); see Server::port().
    std::size_t connections_max = 1024;
    std::size_t connections_per_address_max = 256;
    std::uint32_t header_timeout_ms = 10000;
    std::uint32_t body_timeout_ms = 10000;
    // Time a keep-alive connection may sit idle between requests (the next header's deadline).
    std::uint32_t idle_timeout_ms = 30000;
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
    // Stops accepting, closes every connection and joins the server thread. Idempotent.
    void stop();

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Parses "host:port" (as in the node config's rest_listen). invalid_argument if malformed.
[[nodiscard]] Result<ServerOptions> server_options_from_address(std::string_view address);

}  // namespace custos::api
