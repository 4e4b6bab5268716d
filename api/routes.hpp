// The REST routes as a pure function of a request: no sockets here, so the server's session code
// stays about bytes and deadlines, and every status decision is in one place.
//
// Two steps, because some requests are refused before their body is read:
//   check_head()     after the header: unknown path (404), wrong method (405 + Allow), bad id
//                    segment (400), wrong content type (415).
//   handle_request() after the body: calls the NodeService and renders its answer or error.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/http/verb.hpp>

#include "api/service.hpp"
#include "common/result.hpp"

namespace custos::api {

// Largest request body the API reads (an event envelope is far smaller); a larger declared
// Content-Length is refused from the header with 413.
inline constexpr std::size_t request_body_bytes_max = 64 * 1024;
// Largest request header block; larger is refused with 431.
inline constexpr std::size_t request_header_bytes_max = 8 * 1024;
// Path ids (items, cases, events) match [A-Za-z0-9._:-]{1,path_id_bytes_max}.
inline constexpr std::size_t path_id_bytes_max = 128;
// Seconds a client is told to wait when the mempool is full or the node is not ready.
inline constexpr int retry_after_seconds = 1;

struct ApiRequest {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;        // As received: path and optional query.
    std::string content_type;  // Content-Type header, empty if absent.
    std::string accept;        // Accept header, empty if absent.
    std::string body;
};

struct ApiResponse {
    unsigned status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // Extra headers (Allow, ...).
};

// [A-Za-z0-9._:-]{1,128}, and not "." or "..".
[[nodiscard]] bool is_valid_path_id(std::string_view segment);

// An RFC 9457 problem document (application/problem+json). `field` and `rule`, when not empty,
// are added as extension members so a client can point at what was wrong.
struct Problem {
    unsigned status = 500;
    std::string title;
    std::string detail;
    std::string field;
    std::string rule;
};
[[nodiscard]] ApiResponse problem_response(const Problem& problem);

// Maps a NodeService error to its problem (status table in api/service.hpp). The message's
// leading "R<n> <field>:" is split into rule and field.
[[nodiscard]] ApiResponse error_response(const Error& error);

// The refusal to send once the header is known, or nullopt to go on and read the body.
[[nodiscard]] std::optional<ApiResponse> check_head(const ApiRequest& request);

// Serves a request whose head passed check_head() and whose body has been read.
[[nodiscard]] ApiResponse handle_request(NodeService& service, const ApiRequest& request);

}  // namespace custos::api
