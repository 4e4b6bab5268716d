// Canonical JSON, RFC 8785 (JCS), and the strict parser every untrusted JSON goes through.
//
// The parser refuses duplicate keys, invalid UTF-8, lone surrogates, NaN/Infinity, nesting
// deeper than a limit and input larger than a limit, with an error naming what and where
// (byte offset). nlohmann's own dump() is not RFC 8785 (key order and number text differ):
// everything hashed or signed goes through canonicalize().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/limits.hpp"
#include "common/result.hpp"

namespace custos::crypto {

using Json = nlohmann::json;

struct JsonParseOptions {
    std::size_t bytes_max = limits::json_bytes_max;
    std::size_t depth_max = limits::json_depth_max;
};

// Integers above 2^53 in magnitude have no exact double, so an ECMAScript verifier would read a
// different number than the one signed: the parser and canonicalize() refuse them, never round.
inline constexpr std::uint64_t exact_integer_max = std::uint64_t{1} << 53;

// Parses one JSON text (RFC 8259) strictly. An integer without fraction or exponent is kept as an
// integer, and refused beyond +-2^53 whatever its size; every other number is a double.
[[nodiscard]] Result<Json> parse_json(std::string_view text, JsonParseOptions options = {});

// RFC 8785 canonical form: object keys sorted by UTF-16 code units, no whitespace, ECMAScript
// number text, minimal string escapes. Fails on a non-finite number, an integer whose magnitude
// is above 2^53 (it has no exact double), a double that ECMAScript writes as such an integer
// (above 2^53 and below 1e21: the text would not read back), or a string that is not valid UTF-8.
[[nodiscard]] Result<std::string> canonicalize(const Json& value);

// ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3).
[[nodiscard]] std::string format_number(double value);

}  // namespace custos::crypto
