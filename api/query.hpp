// Strict query strings: only the parameters a route declares, each at most once, values of
// their declared syntax. Anything else is 400 naming the parameter, so a typo ("?wiat=commit")
// is not silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/problem.hpp"

namespace custos::api {

// Longest query string the API reads (its parameters are a few short integers).
inline constexpr std::size_t query_bytes_max = 256;

using QueryParams = std::map<std::string, std::string, std::less<>>;

// Splits "a=1&b=2" (no '?') into parameters allowed by `allowed`. 400 problems: unknown,
// repeated or empty parameter, '%'-encoding, overlong query.
[[nodiscard]] tl::expected<QueryParams, ApiResponse> parse_query(std::string_view query,
                                                                 std::span<const std::string_view> allowed);

// A decimal integer in [minimum, 2^64-1]: digits only (no sign, no fraction, no exponent, no
// leading zero). 400 naming `name` otherwise ("not an integer" / "out of range").
[[nodiscard]] tl::expected<std::uint64_t, ApiResponse> parse_integer_parameter(std::string_view name,
                                                                               std::string_view text,
                                                                               std::uint64_t minimum);

}  // namespace custos::api
