// Route table, path-id checks and dispatch. See routes.hpp; the handlers are in handlers.cpp.
#include "api/routes.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "api/handlers.hpp"
#include "api/query.hpp"

namespace custos::api {

namespace {

namespace http = boost::beast::http;

// Deepest path the API serves (/v1/items/{item}/trail); longer paths are 404 without splitting on.
constexpr std::size_t path_segments_max = 8;

using Handler = ApiResponse (*)(const handlers::Call&);

struct Route {
    std::array<std::string_view, 4> pattern;  // "{}" matches one id segment; "" ends the pattern.
    std::string_view parameter;               // Name of the "{}" segment ("item", "case", ...).
    http::verb method;
    bool open;                              // Served without a request signature.
    std::array<std::string_view, 8> query;  // Accepted query parameters ("" = none).
    Handler handler;
    std::size_t body_bytes_max = request_body_bytes_max;  // Larger bodies: 413.
};

constexpr std::array<Route, 21> routes = {{
    {{"healthz"}, "", http::verb::get, true, {}, handlers::healthz},
    {{"metrics"}, "", http::verb::get, true, {}, handlers::metrics},
    {{"v1", "status"}, "", http::verb::get, false, {}, handlers::status},
    {{"v1", "events"}, "", http::verb::post, false, {"wait"}, handlers::submit_event},
    // No wait=commit on batches: a batch is admitted at once, its events commit over many blocks.
    {{"v1", "batches"}, "", http::verb::post, false, {}, handlers::submit_batch, batch_body_bytes_max},
    {{"v1", "events", "{}"}, "id", http::verb::get, false, {}, handlers::event},
    {{"v1", "items", "{}", "trail"},
     "item",
     http::verb::get,
     false,
     {"cursor", "limit"},
     handlers::item_trail},
    {{"v1", "items", "{}", "bundle"}, "item", http::verb::get, false, {}, handlers::item_bundle},
    {{"v1", "items", "{}", "state-proof"},
     "item",
     http::verb::get,
     false,
     {"from_size"},
     handlers::item_state_proof},
    {{"v1", "items", "{}", "reads"},
     "item",
     http::verb::get,
     false,
     {"cursor", "limit"},
     handlers::item_reads},
    {{"v1", "cases", "{}"}, "case", http::verb::get, false, {"after", "limit"}, handlers::case_items},
    {{"v1", "officers", "{}"}, "key", http::verb::get, false, {}, handlers::officer},
    {{"v1", "agencies", "{}", "offers"},
     "agency",
     http::verb::get,
     false,
     {"after", "limit"},
     handlers::agency_offers},
    {{"v1", "agencies", "{}", "cases"},
     "agency",
     http::verb::get,
     false,
     {"after", "limit"},
     handlers::agency_cases},
    {{"v1", "search"},
     "",
     http::verb::get,
     false,
     {"sha256", "officer", "from", "to", "case", "cursor", "limit"},
     handlers::search},
    {{"v1", "stream"}, "", http::verb::get, false, {"from_height", "case"}, handlers::stream},
    {{"v1", "blocks", "{}"}, "height", http::verb::get, false, {}, handlers::block},
    {{"v1", "checkpoints", "latest"}, "", http::verb::get, true, {}, handlers::checkpoint},
    {{"v1", "checkpoints", "{}"}, "height", http::verb::get, true, {}, handlers::checkpoint},
    {{"v1", "proofs", "inclusion", "{}"}, "id", http::verb::get, true, {"size"}, handlers::inclusion_proof},
    {{"v1", "proofs", "consistency"}, "", http::verb::get, true, {"from", "to"}, handlers::consistency_proof},
}};

constexpr std::size_t route_count = routes.size();

// The server reads every header under the largest route limit (server.cpp), so no route may
// have a larger one.
constexpr bool body_limits_within_any_route() {
    for (const Route& route : routes) {
        if (route.body_bytes_max > request_body_bytes_max_any_route) return false;
    }
    return true;
}
static_assert(body_limits_within_any_route());

struct Match {
    const Route* route = nullptr;
    std::string_view parameter;  // The "{}" segment, if the route has one.
};

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::string_view query_of(std::string_view target) {
    auto mark = target.find('?');
    return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
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

std::size_t pattern_length(const Route& route) {
    std::size_t length = 0;
    while (length < route.pattern.size() && !route.pattern[length].empty())
        ++length;
    return length;
}

bool matches(const Route& route, const std::vector<std::string_view>& segments, Match& match) {
    const std::size_t length = pattern_length(route);
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

// All routes whose path matches (several only if they differ by method). A literal route
// (/v1/checkpoints/latest) wins over a parameter route matching the same path.
std::vector<Match> find_routes(std::string_view target) {
    std::vector<Match> found;
    auto segments = split_path(path_of(target));
    if (!segments) return found;
    for (std::size_t index = 0; index < route_count; ++index) {
        Match match;
        if (matches(routes[index], *segments, match)) found.push_back(match);
    }
    bool literal =
        std::any_of(found.begin(), found.end(), [](const Match& m) { return m.route->parameter.empty(); });
    if (literal) {
        std::erase_if(found, [](const Match& m) { return !m.route->parameter.empty(); });
    }
    return found;
}

std::vector<std::string_view> allowed_query(const Route& route) {
    std::vector<std::string_view> names;
    for (auto name : route.query) {
        if (!name.empty()) names.push_back(name);
    }
    return names;
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

std::string_view method_name(http::verb method) {
    return method == http::verb::post ? "POST" : "GET";
}

// The path segment is never echoed: it is untrusted and may hold anything.
ApiResponse bad_id(std::string_view field) {
    return problem_response(
        Problem{.status = 400,
                .title = "Invalid path id",
                .detail = "the " + std::string(field) + " in the path must match [A-Za-z0-9._:-]{1,128}",
                .field = std::string(field)});
}

// The reads the consultation log records (docs/FORMAT.md 6.7), by their handler.
std::optional<ledger::ReadAction> read_action_of(const Route& route) {
    if (route.handler == handlers::item_trail) return ledger::ReadAction::trail;
    if (route.handler == handlers::item_bundle) return ledger::ReadAction::bundle;
    if (route.handler == handlers::item_state_proof) return ledger::ReadAction::state_proof;
    if (route.handler == handlers::item_reads) return ledger::ReadAction::reads;
    if (route.handler == handlers::case_items) return ledger::ReadAction::case_items;
    if (route.handler == handlers::search) return ledger::ReadAction::search;
    return std::nullopt;
}

bool is_lower_hex64(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// The read record of a served (2xx) or refused (403) signed read for the consultation log:
// what the officer signed, what was read, and what was answered. Other answers (400, 404, 5xx)
// read nothing and are not recorded.
std::optional<PendingRead> read_record_of(const Route& route, std::string_view parameter,
                                          const QueryParams& query, const Authenticated& signer,
                                          unsigned status) {
    const auto action = read_action_of(route);
    if (!action) return std::nullopt;
    const bool served = status >= 200 && status <= 299;
    if (!served && status != 403) return std::nullopt;
    std::string subject(parameter);
    if (*action == ledger::ReadAction::search) {
        auto sha256 = query.find("sha256");
        if (sha256 == query.end()) return std::nullopt;
        subject = lower(sha256->second);
        if (!is_lower_hex64(subject)) return std::nullopt;
    }
    return PendingRead{.read = ledger::ReadRecord{.node = {},
                                                  .officer = signer.officer.key,
                                                  .action = *action,
                                                  .subject = std::move(subject),
                                                  .outcome = served ? ledger::ReadOutcome::served
                                                                    : ledger::ReadOutcome::refused,
                                                  .status = static_cast<std::uint16_t>(status),
                                                  .signature_base = signer.signature_base,
                                                  .signature = signer.signature},
                       .received = ledger::TimeMs{signer.received_s * 1000}};
}

const Match* same_method(const std::vector<Match>& found, http::verb method) {
    auto it =
        std::find_if(found.begin(), found.end(), [&](const Match& m) { return m.route->method == method; });
    return it == found.end() ? nullptr : &*it;
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

std::vector<RouteInfo> route_table() {
    std::vector<RouteInfo> table;
    for (std::size_t index = 0; index < route_count; ++index) {
        const Route& route = routes[index];
        RouteInfo info{.method = std::string(method_name(route.method)), .signed_request = !route.open};
        for (std::size_t i = 0; i < pattern_length(route); ++i) {
            info.path += "/";
            info.path += route.pattern[i] == "{}" ? "{" + std::string(route.parameter) + "}"
                                                  : std::string(route.pattern[i]);
        }
        for (auto name : allowed_query(route))
            info.query.emplace_back(name);
        table.push_back(std::move(info));
    }
    return table;
}

std::size_t request_body_limit(const ApiRequest& request) {
    auto found = find_routes(request.target);
    const Match* match = same_method(found, request.method);
    return match == nullptr ? request_body_bytes_max : match->route->body_bytes_max;
}

std::optional<ApiResponse> check_head(const ApiRequest& request) {
    auto found = find_routes(request.target);
    if (found.empty()) {
        return problem_response(Problem{.status = 404, .title = "Not found", .detail = "no such route"});
    }
    const Match* match = same_method(found, request.method);
    if (match == nullptr) {
        std::string allow;
        for (const auto& candidate : found)
            allow += (allow.empty() ? "" : ", ") + std::string(method_name(candidate.route->method));
        ApiResponse response = problem_response(Problem{
            .status = 405, .title = "Method not allowed", .detail = "this route answers " + allow + " only"});
        response.headers.emplace_back("Allow", allow);
        return response;
    }
    const Route& route = *match->route;
    if (!route.parameter.empty() && !is_valid_path_id(match->parameter)) return bad_id(route.parameter);
    auto allowed = allowed_query(route);
    if (auto query = parse_query(query_of(request.target), allowed); !query) return query.error();
    if (route.method == http::verb::post && media_type(request.content_type) != json_media_type) {
        return problem_response(Problem{.status = 415,
                                        .title = "Unsupported media type",
                                        .detail = "send the event envelope as application/json",
                                        .field = "Content-Type"});
    }
    return std::nullopt;
}

ApiResponse handle_request(NodeService& service, Authenticator& auth, const ApiRequest& request) {
    if (auto refused = check_head(request)) return *refused;
    auto found = find_routes(request.target);
    const Match& match = *same_method(found, request.method);
    auto allowed = allowed_query(*match.route);
    auto query = parse_query(query_of(request.target), allowed);
    std::optional<Authenticated> signer;
    if (!match.route->open) {
        auto authenticated =
            auth.authenticate(service, SignedRequest{.method = std::string(method_name(request.method)),
                                                     .host = request.host,
                                                     .tls = request.tls,
                                                     .target = request.target,
                                                     .body = request.body,
                                                     .content_digest = request.content_digest,
                                                     .signature_input = request.signature_input,
                                                     .signature = request.signature});
        if (!authenticated) return authenticated.error();
        signer = std::move(*authenticated);
    }
    handlers::Call call{.service = service,
                        .request = request,
                        .query = *query,
                        .parameter = match.parameter,
                        .officer = signer ? &signer->officer : nullptr,
                        .signed_request = signer ? &*signer : nullptr};
    ApiResponse response = match.route->handler(call);
    if (!signer) return response;
    auto pending = read_record_of(*match.route, match.parameter, *query, *signer, response.status);
    if (!pending) return response;
    // R33: an evidence read is answered only once it is recorded in the consultation log (the
    // server waits for NodeService::record_read), never a read that leaves no trace: a validator
    // records it in its own pool, an observer has a validator record it.
    response.await_record = std::move(*pending);
    return response;
}

}  // namespace custos::api
