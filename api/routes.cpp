// Route table, path-id checks and problem documents (RFC 9457). See routes.hpp.
#include "api/routes.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "crypto/canonical_json.hpp"
#include "ledger/event.hpp"

namespace custos::api {

namespace {

namespace http = boost::beast::http;
using crypto::Json;

constexpr std::string_view problem_type_prefix = "urn:custos:problem:";
constexpr std::string_view json_type = "application/json";
constexpr std::string_view problem_json_type = "application/problem+json";
constexpr std::string_view metrics_type = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view text_type = "text/plain; charset=utf-8";
// Deepest path the API serves (/v1/items/{item}/trail); longer paths are 404 without splitting on.
constexpr std::size_t path_segments_max = 8;

enum class RouteId {
    healthz,
    metrics,
    status,
    submit_event,
    event,
    item_trail,
    case_items,
    block,
    checkpoint
};

struct Route {
    RouteId id;
    std::array<std::string_view, 4> pattern;  // "{}" matches one id segment; "" ends the pattern.
    http::verb method;
    std::string_view allow;
};

constexpr std::array<Route, 9> routes = {{
    {RouteId::healthz, {"healthz"}, http::verb::get, "GET"},
    {RouteId::metrics, {"metrics"}, http::verb::get, "GET"},
    {RouteId::status, {"v1", "status"}, http::verb::get, "GET"},
    {RouteId::submit_event, {"v1", "events"}, http::verb::post, "POST"},
    {RouteId::event, {"v1", "events", "{}"}, http::verb::get, "GET"},
    {RouteId::item_trail, {"v1", "items", "{}", "trail"}, http::verb::get, "GET"},
    {RouteId::case_items, {"v1", "cases", "{}"}, http::verb::get, "GET"},
    {RouteId::block, {"v1", "blocks", "{}"}, http::verb::get, "GET"},
    {RouteId::checkpoint, {"v1", "checkpoints", "{}"}, http::verb::get, "GET"},
}};

struct Match {
    const Route* route = nullptr;
    std::string_view parameter;  // The "{}" segment, if the route has one.
};

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// Splits "/a/b/c" into its segments; nullopt for a path that is not absolute or too deep.
std::optional<std::vector<std::string_view>> split_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    std::vector<std::string_view> segments;
    path.remove_prefix(1);
    while (true) {
        if (segments.size() == path_segments_max) return std::nullopt;
        auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

bool matches(const Route& route, const std::vector<std::string_view>& segments, Match& match) {
    std::size_t length = 0;
    while (length < route.pattern.size() && !route.pattern[length].empty())
        ++length;
    if (segments.size() != length) return false;
    Match found{&route, {}};
    for (std::size_t i = 0; i < length; ++i) {
        if (route.pattern[i] == "{}") {
            if (segments[i].empty()) return false;
            found.parameter = segments[i];
        } else if (route.pattern[i] != segments[i]) {
            return false;
        }
    }
    match = found;
    return true;
}

// All routes whose path matches (several only if they differ by method).
std::vector<Match> find_routes(std::string_view target) {
    std::vector<Match> found;
    auto segments = split_path(path_of(target));
    if (!segments) return found;
    for (const auto& route : routes) {
        Match match;
        if (matches(route, *segments, match)) found.push_back(match);
    }
    return found;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// The media type of a Content-Type value, without parameters, lowercased and trimmed.
std::string media_type(std::string_view content_type) {
    std::string_view type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
        type.remove_prefix(1);
    return lower(type);
}

ApiResponse json_response(unsigned status, const Json& body) {
    return ApiResponse{.status = status, .content_type = std::string(json_type), .body = body.dump()};
}

std::string slug_of(unsigned status) {
    switch (status) {
        case 400:
            return "bad-request";
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
        default:
            return "internal";
    }
}

// The path segment is never echoed: it is untrusted and may hold anything.
Problem bad_id(std::string_view collection) {
    std::string field = collection == "items"    ? "item"
                        : collection == "cases"  ? "case"
                        : collection == "events" ? "id"
                                                 : "height";
    return Problem{.status = 400,
                   .title = "Invalid path id",
                   .detail = "the " + field + " in the path must match [A-Za-z0-9._:-]{1,128}",
                   .field = field};
}

std::optional<std::uint64_t> parse_height(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0) return std::nullopt;
    return value;
}

Json checkpoint_json(const CheckpointView& checkpoint) {
    return Json{{"height", checkpoint.height.value},
                {"log_size", checkpoint.log_size},
                {"log_root", checkpoint.log_root_base64},
                {"block_hash", checkpoint.block_hash_hex},
                {"note", checkpoint.note}};
}

Json status_json(const NodeStatus& status) {
    Json validators = Json::array();
    for (const auto& validator : status.validators) {
        validators.push_back({{"name", validator.name},
                              {"agency", validator.agency},
                              {"power", validator.power},
                              {"connected", validator.connected}});
    }
    return Json{{"chain_id", status.chain_id},
                {"genesis_hash", status.genesis_hash_hex},
                {"node", status.node_name},
                {"height", status.height.value},
                {"log_size", status.log_size},
                {"validators", validators},
                {"mempool", {{"events", status.mempool_events}, {"bytes", status.mempool_bytes}}},
                {"syncing", status.syncing}};
}

ApiResponse submit_event(NodeService& service, const ApiRequest& request) {
    // The strict, depth-limited parse runs here, at the edge, so a hostile document (nested 100,000
    // deep, duplicate keys, bad UTF-8) is refused before any other code sees it.
    crypto::JsonParseOptions options{.bytes_max = request_body_bytes_max};
    auto parsed = crypto::parse_json(request.body, options);
    if (!parsed) {
        return problem_response(Problem{
            .status = 400, .title = "Malformed JSON", .detail = parsed.error().message, .field = "body"});
    }
    if (!parsed->is_object()) {
        return problem_response(Problem{.status = 400,
                                        .title = "Malformed envelope",
                                        .detail = "the body must be a JSON object",
                                        .field = "body"});
    }
    // TODO(#6): verify the RFC 9421 request signature (officer key, role, nonce) before this
    // call; until then a write is authenticated only by the event's own signature (rule R2).
    auto id = service.submit_event(request.body);
    if (!id) return error_response(id.error());
    std::string hex = ledger::event_id_hex(*id);
    ApiResponse response = json_response(202, Json{{"id", hex}, {"status", "pending"}});
    response.headers.emplace_back("Location", "/v1/events/" + hex);
    return response;
}

ApiResponse checkpoint(NodeService& service, const ApiRequest& request, std::string_view parameter) {
    Result<CheckpointView> found = make_error(ErrorCode::internal, "unset");
    if (parameter == "latest") {
        found = service.latest_checkpoint();
    } else {
        auto height = parse_height(parameter);
        if (!height) {
            return problem_response(Problem{.status = 400,
                                            .title = "Invalid height",
                                            .detail = "height must be 'latest' or a decimal number >= 1",
                                            .field = "height"});
        }
        found = service.checkpoint_at(ledger::Height{*height});
    }
    if (!found) return error_response(found.error());
    // The signed note as text/plain for tools that verify notes as they are; JSON otherwise.
    if (request.accept.find("text/plain") != std::string::npos) {
        return ApiResponse{.status = 200, .content_type = std::string(text_type), .body = found->note};
    }
    return json_response(200, checkpoint_json(*found));
}

ApiResponse json_or_error(Result<Json> result) {
    if (!result) return error_response(result.error());
    return json_response(200, *result);
}

}  // namespace

bool is_valid_path_id(std::string_view segment) {
    if (segment.empty() || segment.size() > path_id_bytes_max) return false;
    if (segment == "." || segment == "..") return false;
    return std::all_of(segment.begin(), segment.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '_' || c == ':' || c == '-';
    });
}

ApiResponse problem_response(const Problem& problem) {
    Json body{{"type", std::string(problem_type_prefix) + slug_of(problem.status)},
              {"title", problem.title},
              {"status", problem.status},
              {"detail", problem.detail}};
    if (!problem.field.empty()) body["field"] = problem.field;
    if (!problem.rule.empty()) body["rule"] = problem.rule;
    // Error details may quote untrusted input; replace invalid UTF-8 rather than throw.
    return ApiResponse{.status = problem.status,
                       .content_type = std::string(problem_json_type),
                       .body = body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

ApiResponse error_response(const Error& error) {
    Problem problem{.detail = error.message};
    // Messages of the ledger's rules read "R<n> <field>: <reason>".
    const std::string& message = error.message;
    if (message.size() > 1 && message[0] == 'R' && std::isdigit(static_cast<unsigned char>(message[1]))) {
        auto space = message.find(' ');
        auto colon = message.find(':');
        if (space != std::string::npos) problem.rule = message.substr(0, space);
        if (space != std::string::npos && colon != std::string::npos && colon > space + 1) {
            problem.field = message.substr(space + 1, colon - space - 1);
        }
    }
    switch (error.code) {
        case ErrorCode::invalid_argument:
            problem.status = 400, problem.title = "Invalid event";
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

std::optional<ApiResponse> check_head(const ApiRequest& request) {
    auto found = find_routes(request.target);
    if (found.empty()) {
        return problem_response(Problem{.status = 404, .title = "Not found", .detail = "no such route"});
    }
    auto same_method = std::find_if(found.begin(), found.end(), [&](const Match& match) {
        return match.route->method == request.method;
    });
    if (same_method == found.end()) {
        std::string allow;
        for (const auto& match : found)
            allow += (allow.empty() ? "" : ", ") + std::string(match.route->allow);
        ApiResponse response = problem_response(Problem{
            .status = 405, .title = "Method not allowed", .detail = "this route answers " + allow + " only"});
        response.headers.emplace_back("Allow", allow);
        return response;
    }
    const Route& route = *same_method->route;
    if (route.pattern[2] == "{}" && !is_valid_path_id(same_method->parameter)) {
        return problem_response(bad_id(route.pattern[1]));
    }
    if (route.method == http::verb::post && media_type(request.content_type) != json_type) {
        return problem_response(Problem{.status = 415,
                                        .title = "Unsupported media type",
                                        .detail = "send the event envelope as application/json",
                                        .field = "Content-Type"});
    }
    return std::nullopt;
}

ApiResponse handle_request(NodeService& service, const ApiRequest& request) {
    if (auto refused = check_head(request)) return *refused;
    auto found = find_routes(request.target);
    auto match = *std::find_if(found.begin(), found.end(), [&](const Match& candidate) {
        return candidate.route->method == request.method;
    });
    switch (match.route->id) {
        case RouteId::healthz: {
            bool healthy = service.healthy();
            return ApiResponse{.status = healthy ? 200u : 503u,
                               .content_type = std::string(text_type),
                               .body = healthy ? "ok\n" : "unhealthy\n"};
        }
        case RouteId::metrics:
            return ApiResponse{
                .status = 200, .content_type = std::string(metrics_type), .body = service.metrics_text()};
        case RouteId::status:
            return json_response(200, status_json(service.status()));
        case RouteId::submit_event:
            return submit_event(service, request);
        case RouteId::event: {
            auto id = ledger::event_id_from_hex(match.parameter);
            if (!id) {
                return problem_response(Problem{.status = 400,
                                                .title = "Invalid event id",
                                                .detail = "an event id is 64 lowercase hex characters",
                                                .field = "events"});
            }
            return json_or_error(service.event_by_id(*id));
        }
        case RouteId::item_trail:
            return json_or_error(service.item_trail(match.parameter));
        case RouteId::case_items:
            return json_or_error(service.case_items(match.parameter));
        case RouteId::block: {
            auto height = parse_height(match.parameter);
            if (!height) {
                return problem_response(Problem{.status = 400,
                                                .title = "Invalid height",
                                                .detail = "height must be a decimal number >= 1",
                                                .field = "height"});
            }
            return json_or_error(service.block_by_height(ledger::Height{*height}));
        }
        case RouteId::checkpoint:
            return checkpoint(service, request, match.parameter);
    }
    return problem_response(Problem{.status = 500, .title = "Internal error", .detail = "unrouted"});
}

}  // namespace custos::api
