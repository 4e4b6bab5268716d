// Strict query parsing. See query.hpp.
#include "api/query.hpp"

#include <algorithm>
#include <charconv>

#include "common/assert.hpp"

namespace custos::api {

namespace {

ApiResponse bad_parameter(std::string name, std::string detail) {
    return problem_response(Problem{.status = 400,
                                    .title = "Invalid query parameter",
                                    .detail = std::move(detail),
                                    .field = std::move(name)});
}

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

tl::expected<QueryParams, ApiResponse> parse_query(std::string_view query,
                                                   std::span<const std::string_view> allowed) {
    QueryParams params;
    if (query.empty()) return params;
    if (query.size() > query_bytes_max) {
        return tl::unexpected(bad_parameter(
            "query", "the query is over the limit of " + std::to_string(query_bytes_max) + " bytes"));
    }
    while (true) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto equals = pair.find('=');
        std::string_view name = pair.substr(0, equals);
        std::string_view value =
            equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
        // The name is echoed in the problem only when it is a plain word.
        if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) {
            return tl::unexpected(bad_parameter("query", "a query parameter name must be [A-Za-z0-9_-]+"));
        }
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
            return tl::unexpected(bad_parameter(
                std::string(name), "unknown query parameter '" + std::string(name) + "' for this route"));
        }
        if (params.contains(name)) {
            return tl::unexpected(bad_parameter(std::string(name), "query parameter given more than once"));
        }
        if (value.find('%') != std::string_view::npos) {
            return tl::unexpected(bad_parameter(std::string(name), "percent-encoding is not accepted here"));
        }
        params.emplace(std::string(name), std::string(value));
        CUSTOS_ASSERT(params.size() <= allowed.size(), "more query parameters than the route allows");
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return params;
}

tl::expected<std::uint64_t, ApiResponse> parse_integer_parameter(std::string_view name, std::string_view text,
                                                                 std::uint64_t minimum) {
    const std::string range = "[" + std::to_string(minimum) + ", 18446744073709551615]";
    bool digits =
        !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || (text.size() > 1 && text.front() == '0')) {
        return tl::unexpected(
            bad_parameter(std::string(name), std::string(name) +
                                                 " must be a decimal integer (no sign, fraction "
                                                 "or exponent) in " +
                                                 range));
    }
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < minimum) {
        return tl::unexpected(
            bad_parameter(std::string(name), std::string(name) + " is out of range " + range));
    }
    CUSTOS_ASSERT(value >= minimum, "an integer parameter below its minimum");
    return value;
}

}  // namespace custos::api
