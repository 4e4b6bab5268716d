// The REST routes as a pure function of a request: no sockets here, so the server's session code
// stays about bytes and deadlines, and every status decision is in one place.
//
// Two steps, because some requests are refused before their body is read:
//   check_head()     after the header: unknown path (404), wrong method (405 + Allow), bad id
//                    segment (400), bad query (400 naming the parameter), wrong content type (415).
//   handle_request() after the body: authentication (401), roles (403), body parsing (400), the
//                    NodeService call and its answer or error.
// The route table is exported (route_table()) so a test can compare it with docs/openapi.yaml.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "api/auth.hpp"
#include "api/problem.hpp"
#include "api/service.hpp"
#include "common/result.hpp"

namespace custos::api {

// Largest request body a route reads unless it says otherwise (an event envelope is far
// smaller); a larger declared Content-Length is refused from the header with 413.
inline constexpr std::size_t request_body_bytes_max = 64 * 1024;
// POST /v1/batches: its own body limit, and the most envelopes one batch may carry.
inline constexpr std::size_t batch_body_bytes_max = 4 * 1024 * 1024;
inline constexpr std::size_t batch_events_max = 1000;
// The largest body limit of any route: what the server allows while it reads a header, before it
// knows the route (it then holds the body to the route's own limit, request_body_limit()).
inline constexpr std::size_t request_body_bytes_max_any_route = batch_body_bytes_max;
// Large bodies (routes with a limit above request_body_bytes_max) read at once by one server,
// reserved from the header's declared length (or the route's limit when chunked): a request that
// would pass it gets 503 with Retry-After.
inline constexpr std::size_t large_bodies_bytes_max = 64 * 1024 * 1024;
// Largest request header block; larger is refused with 431.
inline constexpr std::size_t request_header_bytes_max = 8 * 1024;
// Path ids (items, cases, events) match [A-Za-z0-9._:-]{1,path_id_bytes_max}.
inline constexpr std::size_t path_id_bytes_max = 128;

struct ApiRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;        // As received: path and optional query.
    std::string content_type;  // Content-Type header, empty if absent.
    std::string accept;        // Accept header, empty if absent.
    std::string host;          // Host header (part of the signed @target-uri).
    bool tls = false;          // Came over TLS: the signed @target-uri starts with https://.
    std::string content_digest;
    std::string signature_input;
    std::string signature;
    std::string last_event_id;  // Last-Event-ID (GET /v1/stream), empty if absent.
    std::string body;
};

// [A-Za-z0-9._:-]{1,128}, and not "." or "..".
[[nodiscard]] bool is_valid_path_id(std::string_view segment);

// One row of the route table, as docs/openapi.yaml names it.
struct RouteInfo {
    std::string path;    // e.g. "/v1/items/{item}/trail"
    std::string method;  // "GET" or "POST"
    bool signed_request = true;
    std::vector<std::string> query;  // Query parameters the route accepts.
};
[[nodiscard]] std::vector<RouteInfo> route_table();

// The body limit of the route a request names (method and path): request_body_bytes_max unless
// the route sets its own; request_body_bytes_max for a request no route serves.
[[nodiscard]] std::size_t request_body_limit(const ApiRequest& request);

// The refusal to send once the header is known, or nullopt to go on and read the body.
[[nodiscard]] std::optional<ApiResponse> check_head(const ApiRequest& request);

// Serves a request whose head passed check_head() and whose body has been read.
[[nodiscard]] ApiResponse handle_request(NodeService& service, Authenticator& auth,
                                         const ApiRequest& request);

// POST /v1/events?wait=commit: the 201 answer once `id` is committed (height, leaf index and the
// certified checkpoint of its block), or nullopt while it is not (yet) committed.
[[nodiscard]] std::optional<ApiResponse> committed_response(NodeService& service, const ledger::EventId& id);
// The 504 answer when the wait ran out: the outcome is unknown, the client polls the event.
[[nodiscard]] ApiResponse commit_timeout_response(const ledger::EventId& id, std::uint32_t waited_ms);

}  // namespace custos::api
