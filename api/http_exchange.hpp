// The HTTP/1.1 side of a request that does not need a socket: turning a parsed Beast request into
// an ApiRequest, the answers to a request that does not parse, the response as the server writes
// it, and one request served from bytes held in memory (serve_request_bytes), which goes through
// the same steps in the same order as a server session. The server (server.cpp) uses these
// pieces; the fuzz target of the request path (fuzz/api_request.cpp) and tests use the whole.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/auth.hpp"
#include "api/problem.hpp"
#include "api/routes.hpp"
#include "api/service.hpp"

namespace custos::api {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The fields a route reads, from a parsed request (header only, or header and body).
[[nodiscard]] ApiRequest request_from_message(const HttpRequest& message);

// The status for an HTTP parse error (431 header too large, 413 body too large, else 400), or
// nullopt when the peer just went away or timed out (no answer is sent then).
[[nodiscard]] std::optional<unsigned> status_for_parse_error(const boost::beast::error_code& error);
// The problem answer for such a status; `body_limit` is the limit of the request's route.
[[nodiscard]] ApiResponse parse_error_response(unsigned status, std::size_t body_limit);

// `answer` as the HTTP/1.1 response the server writes (Content-Type, Cache-Control: no-store,
// the answer's headers, Content-Length).
void fill_response(HttpResponse& response, ApiResponse answer, bool keep_alive);

// Serves one request whose bytes are all in `bytes`, as a server session would: the header under
// request_header_bytes_max (431), the declared length under the route's limit (413), check_head(),
// the body, handle_request(); POST /v1/events?wait=commit answers at once (201 when committed,
// else the 504 of a wait that ran out). The bytes end as a peer that closes its side there: no
// bytes at all get no answer (nullopt), a request cut short gets 400, as the server answers a
// socket closed within a request. Bytes after the request are ignored.
// The server's connection caps and large-body budget are not modelled.
[[nodiscard]] std::optional<ApiResponse> serve_request_bytes(NodeService& service, Authenticator& auth,
                                                             std::string_view bytes);

}  // namespace custos::api
