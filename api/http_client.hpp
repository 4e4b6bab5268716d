// A small blocking HTTP/1.1 client (Boost.Beast) with one deadline per request: what the CLI
// (custos localnet run's demo, later custos submit/trail) and the tests use to speak to a node.
// One connection per request; no TLS, no redirects.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace custos::api {

// Largest response body the client reads (a long trail or block is far below it).
inline constexpr std::size_t client_response_bytes_max = 64 * 1024 * 1024;

struct ClientRequest {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string method = "GET";
    std::string target = "/";
    std::string content_type;  // Sent only when not empty.
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Extra headers, sent as given.
    std::uint32_t timeout_ms = 5000;
};

struct ClientResponse {
    unsigned status = 0;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    // The first header of that name (case-insensitive), or empty.
    [[nodiscard]] std::string header(std::string_view name) const;
};

// io_error / unavailable if the node cannot be reached or does not answer within the deadline;
// invalid_argument for a bad method. Any HTTP status is a success here.
[[nodiscard]] Result<ClientResponse> http_request(const ClientRequest& request);

// Splits "http://host:port/path" into host, port and path ("/" when absent). Only http://.
struct ParsedUrl {
    std::string host;
    std::uint16_t port = 80;
    std::string target = "/";
};
[[nodiscard]] Result<ParsedUrl> parse_url(std::string_view url);

}  // namespace custos::api
