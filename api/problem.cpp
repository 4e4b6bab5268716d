// Problem documents (RFC 9457) and the error -> status table. See problem.hpp.
#include "api/problem.hpp"

#include <cctype>

namespace custos::api {

namespace {

using crypto::Json;

constexpr std::string_view problem_type_prefix = "urn:custos:problem:";
constexpr std::string_view problem_json_type = "application/problem+json";
// Longest field name taken from an error message; longer text is not a field name.
constexpr std::size_t field_bytes_max = 64;

std::string slug_of(unsigned status) {
    switch (status) {
        case 400:
            return "bad-request";
        case 401:
            return "unauthorized";
        case 403:
            return "forbidden";
        case 404:
            return "not-found";
        case 405:
            return "method-not-allowed";
        case 409:
            return "conflict";
        case 413:
            return "content-too-large";
        case 415:
            return "unsupported-media-type";
        case 431:
            return "request-header-fields-too-large";
        case 503:
            return "unavailable";
        case 504:
            return "commit-timeout";
        default:
            return "internal";
    }
}

bool is_field_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '[' ||
           c == ']';
}

// Splits "R<n> <field>: <reason>" or "<field>: <reason>" into rule and field.
void name_rule_and_field(const std::string& message, Problem& problem) {
    std::size_t field_start = 0;
    if (message.size() > 1 && message[0] == 'R' && std::isdigit(static_cast<unsigned char>(message[1]))) {
        auto space = message.find(' ');
        if (space == std::string::npos) return;
        problem.rule = message.substr(0, space);
        field_start = space + 1;
    }
    auto colon = message.find(':', field_start);
    if (colon == std::string::npos || colon == field_start || colon - field_start > field_bytes_max) return;
    std::string field = message.substr(field_start, colon - field_start);
    for (char c : field) {
        if (!is_field_char(c)) return;
    }
    problem.field = field;
}

}  // namespace

std::string json_text(const Json& body) {
    return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ApiResponse json_response(unsigned status, const Json& body) {
    return ApiResponse{
        .status = status, .content_type = std::string(json_media_type), .body = json_text(body)};
}

ApiResponse problem_response(const Problem& problem) {
    Json body{{"type", std::string(problem_type_prefix) + slug_of(problem.status)},
              {"title", problem.title},
              {"status", problem.status},
              {"detail", problem.detail}};
    if (!problem.field.empty()) body["field"] = problem.field;
    if (!problem.rule.empty()) body["rule"] = problem.rule;
    if (!problem.id.empty()) body["id"] = problem.id;
    // Error details may quote untrusted input; replace invalid UTF-8 rather than throw.
    return ApiResponse{.status = problem.status,
                       .content_type = std::string(problem_json_type),
                       .body = body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

ApiResponse read_not_recorded_response(std::string_view reason) {
    ApiResponse response = problem_response(Problem{
        .status = 503,
        .title = "Read not recorded",
        .detail = "every evidence read is recorded in the consultation log before it is served (by "
                  "this node if it is a validator, else by a validator that lists this observer), "
                  "and this one was not (" +
                  std::string(reason) + "), so it is not served; retry, or send the request to another node",
        .rule = "R33"});
    response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
    return response;
}

ApiResponse error_response(const Error& error) {
    Problem problem{.detail = error.message};
    name_rule_and_field(error.message, problem);
    switch (error.code) {
        case ErrorCode::invalid_argument:
            problem.status = 400, problem.title = "Invalid request";
            break;
        case ErrorCode::verification_failed:
            problem.status = 400, problem.title = "Signature does not verify";
            break;
        case ErrorCode::rule_violation:
            problem.status = 409, problem.title = "Custody rule violated";
            break;
        case ErrorCode::already_exists:
            problem.status = 409, problem.title = "Already exists";
            break;
        case ErrorCode::not_found:
            problem.status = 404, problem.title = "Not found";
            break;
        case ErrorCode::permission_denied:
            problem.status = 403, problem.title = "Forbidden";
            break;
        case ErrorCode::resource_exhausted:
        case ErrorCode::unavailable: {
            problem.status = 503;
            problem.title = error.code == ErrorCode::resource_exhausted ? "Mempool full" : "Node unavailable";
            ApiResponse response = problem_response(problem);
            response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
            return response;
        }
        default:
            // Internal messages may describe the node's inside; the node logs them, the client
            // learns only that it failed.
            problem =
                Problem{.status = 500, .title = "Internal error", .detail = "the node failed to serve this"};
            break;
    }
    return problem_response(problem);
}

}  // namespace custos::api
