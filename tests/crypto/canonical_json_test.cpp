// RFC 8785 canonical JSON and the strict parser, against the RFC's reference test data
// (tests/vectors/jcs) and one case per kind of input the parser must refuse.
#include <doctest/doctest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "crypto/canonical_json.hpp"
#include "vectors_path.hpp"

namespace {

using custos::ErrorCode;
using custos::crypto::canonicalize;
using custos::crypto::format_number;
using custos::crypto::Json;
using custos::crypto::JsonParseOptions;
using custos::crypto::parse_json;
using custos::test::read_vector;

// Parses text that must be refused; returns the error message after checking the code.
std::string refusal(std::string_view text, JsonParseOptions options = {}) {
    auto parsed = parse_json(text, options);
    REQUIRE_MESSAGE(!parsed.has_value(), "accepted: " << std::string(text));
    CHECK(parsed.error().code == ErrorCode::invalid_argument);
    return parsed.error().message;
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

Json parse_ok(std::string_view text) {
    auto parsed = parse_json(text);
    REQUIRE_MESSAGE(parsed.has_value(), parsed.error().message);
    return *parsed;
}

std::string canonical_ok(const Json& value) {
    auto text = canonicalize(value);
    REQUIRE_MESSAGE(text.has_value(), text.error().message);
    return *text;
}

constexpr std::uint64_t two_to_53 = std::uint64_t{1} << 53;

}  // namespace

TEST_CASE("jcs: the six RFC 8785 reference inputs canonicalize byte-exactly to their outputs") {
    for (const char* name : {"arrays", "french", "structures", "unicode", "values", "weird"}) {
        CAPTURE(name);
        const std::string input = read_vector(std::string("jcs/input/") + name + ".json");
        const std::string expected = read_vector(std::string("jcs/output/") + name + ".json");
        const Json value = parse_ok(input);
        CHECK(canonical_ok(value) == expected);
        // The canonical text is itself valid input, and a fixed point.
        const Json reparsed = parse_ok(expected);
        CHECK(reparsed == value);
        CHECK(canonical_ok(reparsed) == expected);
    }
}

TEST_CASE("jcs: every double in numbers.json formats to its ECMAScript text") {
    const Json file = parse_ok(read_vector("jcs/numbers.json"));
    const Json& cases = file.at("cases");
    REQUIRE(cases.is_array());
    REQUIRE(cases.size() >= 19);
    for (const Json& entry : cases) {
        const std::string hex = entry.at("ieee_hex").get<std::string>();
        const std::string expected = entry.at("canonical").get<std::string>();
        CAPTURE(hex);
        REQUIRE(hex.size() == 16);
        std::uint64_t bits = 0;
        const auto result = std::from_chars(hex.data(), hex.data() + hex.size(), bits, 16);
        REQUIRE((result.ec == std::errc{} && result.ptr == hex.data() + hex.size()));
        const double value = std::bit_cast<double>(bits);
        CHECK(format_number(value) == expected);
        if (std::fabs(value) > static_cast<double>(two_to_53) && std::fabs(value) < 1e21) {
            // Written as an integer beyond 2^53: the parser refuses that text (issue 19), so
            // canonicalize refuses the double rather than write text that does not read back.
            CHECK(contains(refusal(expected), "beyond 2^53"));
            CHECK_FALSE(canonicalize(Json(value)).has_value());
            continue;
        }
        CHECK(canonical_ok(Json(value)) == expected);
        // The text reads back as the same double (or 0 for -0, which ECMAScript writes as "0").
        const Json reparsed = parse_ok(expected);
        CHECK(reparsed.get<double>() == (value == 0 ? 0.0 : value));
    }
}

TEST_CASE("format_number follows ECMAScript Number::toString at every layout boundary") {
    CHECK(format_number(0.1 + 0.2) == "0.30000000000000004");
    CHECK(format_number(1e20) == "100000000000000000000");
    CHECK(format_number(1e21) == "1e+21");
    CHECK(format_number(1.5e300) == "1.5e+300");
    CHECK(format_number(123.456) == "123.456");
    CHECK(format_number(1e-6) == "0.000001");
    CHECK(format_number(1.2345e-6) == "0.0000012345");
    CHECK(format_number(1e-7) == "1e-7");
    CHECK(format_number(-1.5e-7) == "-1.5e-7");
    CHECK(format_number(-0.0) == "0");
    CHECK(format_number(9007199254740992.0) == "9007199254740992");
    CHECK(format_number(4.5) == "4.5");
    CHECK(format_number(std::numeric_limits<double>::denorm_min()) == "5e-324");
    CHECK(format_number(-std::numeric_limits<double>::max()) == "-1.7976931348623157e+308");
}

TEST_CASE("canonicalize sorts keys by UTF-16 code units, not by UTF-8 bytes") {
    // U+E000 is EE 80 80 in UTF-8 and U+1F600 is F0 9F 98 80, so byte order puts U+E000 first;
    // in UTF-16 U+1F600 is D83D DE00, which sorts before E000.
    Json value = Json::object();
    value["\xee\x80\x80"] = 1;
    value["\xf0\x9f\x98\x80"] = 2;
    value["\xef\xbf\xbf"] = 3;  // U+FFFF
    value["z"] = 4;
    value["\xc3\xa9"] = 5;  // U+00E9 sorts after 'z' in both orders.
    CHECK(canonical_ok(value) ==
          "{\"z\":4,\"\xc3\xa9\":5,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1,\"\xef\xbf\xbf\":3}");
    // Two supplementary characters under the same high surrogate sort by their low surrogate.
    Json pair = Json::object();
    pair["\xf0\x9f\x98\x81"] = 1;  // U+1F601
    pair["\xf0\x9f\x98\x80"] = 0;  // U+1F600
    pair["\xee\x80\x80"] = 2;
    CHECK(canonical_ok(pair) == "{\"\xf0\x9f\x98\x80\":0,\"\xf0\x9f\x98\x81\":1,\"\xee\x80\x80\":2}");
    // A key that is a prefix of another sorts first.
    CHECK(canonical_ok(parse_ok(R"({"ab":1,"a":2,"":3})")) == R"({"":3,"a":2,"ab":1})");
}

TEST_CASE("canonicalize uses the minimal escapes of RFC 8785 and writes all else as raw UTF-8") {
    std::string all_controls;
    for (int c = 0; c < 0x20; ++c)
        all_controls.push_back(static_cast<char>(c));
    CHECK(canonical_ok(Json(all_controls)) ==
          "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
          "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c"
          "\\u001d\\u001e\\u001f\"");
    CHECK(canonical_ok(Json("\"\\/\x7f")) == "\"\\\"\\\\/\x7f\"");
    // U+2028, U+FEFF and an emoji, written as they are.
    CHECK(canonical_ok(parse_ok(R"("\u2028\uFEFF\ud83d\ude00")")) ==
          "\"\xe2\x80\xa8\xef\xbb\xbf\xf0\x9f\x98\x80\"");
    CHECK(canonical_ok(parse_ok("[ 1 , true,\tfalse,\r\nnull, {} ,[ ] ]")) == "[1,true,false,null,{},[]]");
}

TEST_CASE("string escaping is exact wherever the special byte sits (word-at-a-time scan)") {
    // The scanners read eight bytes at a time; put each kind of byte at every position of a
    // run long enough to cross two words, and compare with a byte-by-byte reading of RFC 8785.
    const auto expected_text = [](const std::string& raw) {
        std::string out = "\"";
        for (char c : raw) {
            const auto byte = static_cast<unsigned char>(c);
            if (c == '"')
                out += "\\\"";
            else if (c == '\\')
                out += "\\\\";
            else if (c == '\n')
                out += "\\n";
            else if (byte == 0x1f)
                out += "\\u001f";
            else
                out.push_back(c);
        }
        return out + "\"";
    };
    const std::string specials[] = {
        "\"", "\\", "\n", "\x1f", "\x7f", " ", "~", "\xc3\xa9", "\xf0\x9f\x98\x80"};
    for (const std::string& special : specials) {
        for (std::size_t position = 0; position < 20; ++position) {
            std::string raw(20, 'a');
            raw.replace(position, 1, special);
            CAPTURE(raw);
            const std::string text = canonical_ok(Json(raw));
            CHECK(text == expected_text(raw));
            CHECK(parse_ok(text).get<std::string>() == raw);
        }
    }
    // A bad byte past the first words is still found, in both directions.
    const std::string late = std::string(19, 'a') + "\xc0\x80";
    CHECK_FALSE(canonicalize(Json(late)).has_value());
    CHECK(contains(refusal("\"" + late + "\""), "offset 20"));
}

TEST_CASE("format_number: 20,000 pseudo-random doubles read back exactly and use the ES layout") {
    std::mt19937_64 random(20261127);  // Fixed seed: the same doubles on every run.
    for (int i = 0; i < 20'000; ++i) {
        const double value = std::bit_cast<double>(random());
        if (!std::isfinite(value)) continue;
        const std::string text = format_number(value);
        CAPTURE(text);
        double back = 0;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), back);
        REQUIRE((result.ec == std::errc{} && result.ptr == text.data() + text.size()));
        CHECK((back == value || (value == 0 && back == 0)));
        // ES writes an exponent exactly when the magnitude is >= 1e21 or < 1e-6.
        const double magnitude = std::fabs(value);
        const bool exponential = magnitude >= 1e21 || (magnitude < 1e-6 && magnitude != 0);
        CHECK((text.find('e') != std::string::npos) == exponential);
        CHECK(text.find("e+0") == std::string::npos);
        CHECK(text.find("e-0") == std::string::npos);
    }
}

TEST_CASE("parse_json keeps integers up to 2^53 exact and makes every other number a double") {
    CHECK(parse_ok("123").is_number_unsigned());
    CHECK(parse_ok("-5").get<std::int64_t>() == -5);
    CHECK(parse_ok("-5").is_number_integer());
    CHECK(parse_ok("-0").get<std::int64_t>() == 0);
    CHECK(parse_ok("9007199254740992").get<std::uint64_t>() == two_to_53);
    CHECK(parse_ok("-9007199254740992").get<std::int64_t>() == -static_cast<std::int64_t>(two_to_53));
    CHECK(parse_ok("[9007199254740991]")[0].get<std::uint64_t>() == two_to_53 - 1);
    CHECK(parse_ok("1.0").is_number_float());
    CHECK(parse_ok("1e20").is_number_float());  // An exponent makes a double, as in ECMAScript.
    CHECK(parse_ok("1e2").get<double>() == 100.0);
    CHECK(parse_ok("2.5E-3").get<double>() == 0.0025);
    // Underflow rounds to zero, as ECMAScript's JSON.parse does; only overflow is refused.
    CHECK(parse_ok("1e-400").get<double>() == 0.0);
    CHECK(std::signbit(parse_ok("-1e-400").get<double>()));
    CHECK(parse_ok("0.0000001e-400").get<double>() == 0.0);
    CHECK(parse_ok("1.7976931348623157e308").get<double>() == std::numeric_limits<double>::max());
}

TEST_CASE("parse_json refuses every integer beyond 2^53 in magnitude, whatever its size (issue 19)") {
    // Before, 2^53 + 1 .. 2^64 - 1 were kept (and refused by canonicalize) but 2^64 and above became
    // doubles and rounded: 18446744073709551616 canonicalized as 18446744073709552000.
    const char* refused[] = {
        "9007199254740993",
        "-9007199254740993",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "100000000000000000000000000000",
        "{\"power\":18446744073709551616}",
        "[1,18446744073709552000]",
    };
    for (const char* text : refused) {
        INFO(text);
        auto parsed = parse_json(text);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ErrorCode::invalid_argument);
        CHECK(contains(parsed.error().message, "beyond 2^53"));
    }
    auto long_one = parse_json(std::string(5000, '7'));
    REQUIRE_FALSE(long_one.has_value());
    CHECK(contains(long_one.error().message, "(5000 digits)"));  // Quoted shortened, not whole.
    CHECK(long_one.error().message.size() < 200);
    // A double ECMAScript would write as such an integer is refused by canonicalize, so canonical
    // text always reads back; with an exponent (1e21 and up) it is written as a double.
    CHECK(parse_ok("1e20").is_number_float());
    CHECK_FALSE(canonicalize(parse_ok("1e20")).has_value());
    CHECK(canonical_ok(parse_ok("1e21")) == "1e+21");
    CHECK(canonical_ok(parse_ok("9007199254740992.0")) == "9007199254740992");
}

TEST_CASE("parse_json accepts every escape of RFC 8259, including \\u0000 and upper-case hex") {
    const Json value = parse_ok(R"("\"\\\/\b\f\n\r\t\u0000\u00E9\u00e9")");
    CHECK(value.get<std::string>() == std::string("\"\\/\b\f\n\r\t\0\xc3\xa9\xc3\xa9", 13));
}

TEST_CASE("canonicalize refuses integers beyond 2^53, non-finite numbers and invalid UTF-8") {
    CHECK(canonical_ok(Json(two_to_53)) == "9007199254740992");
    CHECK(canonical_ok(Json(-static_cast<std::int64_t>(two_to_53))) == "-9007199254740992");
    const Json refused[] = {
        Json(two_to_53 + 1),
        Json(-static_cast<std::int64_t>(two_to_53) - 1),
        Json(std::numeric_limits<std::int64_t>::min()),
        Json(std::numeric_limits<double>::quiet_NaN()),
        Json(std::numeric_limits<double>::infinity()),
        Json(-std::numeric_limits<double>::infinity()),
        Json("ok\xc0\x80"),
        Json::array({1, Json("\xed\xa0\x80")}),
        Json::object({{"\xff", 1}}),
        Json::object({{"\xf0\x9f\x98\x80", 1}, {"\xee\x80", 2}}),  // Keys that take the UTF-16 sort path.
    };
    for (const Json& value : refused) {
        auto text = canonicalize(value);
        CHECK_FALSE(text.has_value());
        if (!text) CHECK(text.error().code == ErrorCode::invalid_argument);
    }
    auto big = canonicalize(Json(two_to_53 + 1));
    REQUIRE_FALSE(big.has_value());
    CHECK(contains(big.error().message, "9007199254740993"));
    auto bad = canonicalize(Json("ab\xed\xa0\x80"));
    REQUIRE_FALSE(bad.has_value());
    CHECK(contains(bad.error().message, "surrogate"));
    CHECK(contains(bad.error().message, "byte 2"));
}

TEST_CASE("canonicalize refuses a value nested deeper than json_depth_max") {
    Json deep = Json::array();
    for (std::size_t i = 1; i < custos::limits::json_depth_max; ++i)
        deep = Json::array({deep});
    CHECK(canonicalize(deep).has_value());
    const Json deeper = Json::array({deep});
    auto text = canonicalize(deeper);
    REQUIRE_FALSE(text.has_value());
    CHECK(contains(text.error().message, "nesting"));
}

TEST_CASE("round trip: parse(canonicalize(x)) == x") {
    const Json values[] = {
        Json::object({{"event", {{"type", "transfer.offer"}, {"height", 42}, {"ratio", 0.25}}},
                      {"sig", "AAAA"},
                      {"list", Json::array({-1, 1e-7, 1e21, 123456789.125, nullptr, false})}}),
        Json("\x01\xe2\x82\xac\xf0\x9f\x98\x82"),
        Json(-0.0),
        Json(two_to_53),
        Json::array(),
        Json::object(),
    };
    for (const Json& value : values) {
        const std::string text = canonical_ok(value);
        CAPTURE(text);
        const Json reparsed = parse_ok(text);
        CHECK(reparsed == value);
        CHECK(canonical_ok(reparsed) == text);
    }
}

TEST_CASE("refused: duplicate keys, naming the key and its offset") {
    std::string message = refusal(R"({"a":1,"b":2,"a":3})");
    CHECK(contains(message, "duplicate key \"a\""));
    CHECK(contains(message, "offset 13"));
    message = refusal(R"({"outer":{"k\u00e9y":1, "kéy":2}})");
    CHECK(contains(message, "duplicate key \"kéy\""));
    CHECK(contains(message, "offset 24"));
    // Escaped and raw spellings of one key are the same key.
    CHECK(contains(refusal(R"({"\u0041":1,"A":2})"), "duplicate key \"A\""));
    // Control characters in the key are shown escaped, and a long key is cut short.
    CHECK(contains(refusal(R"({"a\nb":1,"a\nb":2})"), "duplicate key \"a\\u000ab\" at byte offset 10"));
    const std::string long_key = std::string(100, 'k');
    message = refusal("{\"" + long_key + "\":1,\"" + long_key + "\":2}");
    CHECK(contains(message, "duplicate key \"" + std::string(64, 'k') + "\"..."));
    CHECK_FALSE(contains(message, std::string(65, 'k')));
}

TEST_CASE("refused: invalid UTF-8 of every kind, with its offset") {
    struct Case {
        std::string text;
        std::string_view fault;
        std::string_view offset;
    };
    const Case cases[] = {
        {"\"ab\xc0\x80\"", "overlong", "offset 3"},
        {"\"\xe0\x80\x80\"", "overlong", "offset 1"},
        {"\"\xf0\x80\x80\x80\"", "overlong", "offset 1"},
        {"\"\xed\xa0\x80\"", "surrogate", "offset 1"},
        {"\"\xed\xbf\xbf\"", "surrogate", "offset 1"},
        {"\"\xf4\x90\x80\x80\"", "above U+10FFFF", "offset 1"},
        {"\"\xf5\x80\x80\x80\"", "above U+10FFFF", "offset 1"},
        {"\"\xe2\x82\"", "truncated", "offset 1"},
        {"[\"x\xe2\x82", "truncated", "offset 3"},
        {"\"\x80\"", "unexpected continuation", "offset 1"},
        {"{\"\xff\":1}", "invalid UTF-8", "offset 2"},
    };
    for (const Case& entry : cases) {
        const std::string message = refusal(entry.text);
        CAPTURE(message);
        CHECK(contains(message, "invalid UTF-8"));
        CHECK(contains(message, entry.fault));
        CHECK(contains(message, entry.offset));
    }
    // The largest code point and the last before the surrogates are fine.
    CHECK(parse_ok("\"\xf4\x8f\xbf\xbf\xed\x9f\xbf\"").get<std::string>() == "\xf4\x8f\xbf\xbf\xed\x9f\xbf");
}

TEST_CASE("refused: lone and mis-ordered \\u surrogates") {
    CHECK(contains(refusal(R"("\uD800")"), "high surrogate"));
    CHECK(contains(refusal(R"("ab\uD800x")"), "offset 3"));
    CHECK(contains(refusal(R"("\uDC00")"), "lone low surrogate"));
    CHECK(contains(refusal(R"("\uDC00\uD800")"), "lone low surrogate in a \\u escape at byte offset 1"));
    CHECK(contains(refusal(R"("\uD800\uD800")"), "not followed by a low surrogate at byte offset 1"));
    CHECK(contains(refusal(R"("\uD800\u0041")"), "not followed by a low surrogate"));
    CHECK(contains(refusal(R"("\uD800\n")"), "not followed by a low surrogate"));
    CHECK(contains(refusal(R"("\u12G4")"), "invalid hex digit in a \\u escape at byte offset 5"));
    CHECK(contains(refusal(R"("\x")"), "invalid escape \\x at byte offset 1"));
}

TEST_CASE("refused: NaN, Infinity, leading zeros, leading '+' and malformed numbers") {
    CHECK(contains(refusal("NaN"), "NaN is not allowed at byte offset 0"));
    CHECK(contains(refusal("[Infinity]"), "Infinity is not allowed at byte offset 1"));
    CHECK(contains(refusal("[1,-Infinity]"), "-Infinity is not allowed at byte offset 3"));
    CHECK(contains(refusal("01"), "leading zero in a number at byte offset 0"));
    CHECK(contains(refusal("[-012]"), "leading zero in a number at byte offset 1"));
    CHECK(contains(refusal("+1"), "leading '+' in a number is not allowed at byte offset 0"));
    CHECK(contains(refusal("1.]"), "expected a digit after '.' at byte offset 2"));
    CHECK(contains(refusal("[.5]"), "offset 1"));
    CHECK(contains(refusal("1e+x"), "expected a digit in the exponent at byte offset 3"));
    CHECK(contains(refusal("-x"), "expected a digit"));
    CHECK(contains(refusal("0x10"), "offset 1"));
}

TEST_CASE("refused: numbers that overflow a double to infinity") {
    CHECK(contains(refusal("1e309"), "overflows a double (to infinity) at byte offset 0"));
    CHECK(contains(refusal("[0, -1.8e308]"), "overflows a double (to infinity) at byte offset 4"));
    CHECK(contains(refusal("1" + std::string(400, '0')), "beyond 2^53"));  // An integer: see issue 19.
    CHECK(contains(refusal("1" + std::string(400, '0') + ".0"), "overflows"));
    CHECK(contains(refusal("0.00001e99999999999999999999"), "overflows"));
}

TEST_CASE("refused: control characters in strings") {
    CHECK(contains(refusal("\"a\x01"
                           "b\""),
                   "unescaped control character byte 0x01 in a string at byte offset 2"));
    CHECK(contains(refusal("\"tab\there\""), "control character byte 0x09"));
    CHECK(contains(refusal("{\"a\nb\":1}"), "at byte offset 3"));
    CHECK(contains(refusal(std::string("\"\0\"", 3)), "byte 0x00"));
}

TEST_CASE("refused: trailing data after the value") {
    CHECK(contains(refusal("1 2"), "trailing data after the JSON value at byte offset 2"));
    CHECK(contains(refusal("{} x"), "trailing data after the JSON value at byte offset 3"));
    CHECK(contains(refusal("[]]"), "offset 2"));
    CHECK(contains(refusal("truex"), "offset 4"));
    CHECK(contains(refusal("\xef\xbb\xbf{}"), "offset 0"));  // A byte order mark is not JSON.
    CHECK(contains(refusal("{}\v"), "offset 2"));            // Nor is whitespace beyond RFC 8259's four.
}

TEST_CASE("refused: truncated input, at the offset where it ends") {
    const char* texts[] = {"",    "   ", "[",       "{\"a\":", "{\"a\"", "{",  "\"abc",
                           "tru", "[1,", "\"\\u12", "\"\\",    "-",      "1.", "1e"};
    for (const char* text : texts) {
        const std::string message = refusal(text);
        CAPTURE(message);
        CHECK(contains(message, "end of input"));
        CHECK(contains(message, "offset " + std::to_string(std::string_view(text).size())));
    }
    CHECK(contains(refusal(R"({"a":1,)"), "end of input"));
}

TEST_CASE("refused: structure errors name the token found") {
    CHECK(contains(refusal("[1 2]"), "expected ',' or ']', found '2' at byte offset 3"));
    CHECK(contains(refusal(R"({"a" 1})"), "expected ':' after a key, found '1' at byte offset 5"));
    CHECK(contains(refusal("{1:2}"), "expected a string key, found '1' at byte offset 1"));
    CHECK(contains(refusal("[1,]"), "expected a JSON value, found ']' at byte offset 3"));
    CHECK(contains(refusal(R"({"a":1,})"), "expected a string key, found '}' at byte offset 7"));
    CHECK(contains(refusal("nul1"), "invalid literal (expected null) at byte offset 0"));
}

TEST_CASE("refused: nesting deeper than depth_max, checked before descending") {
    const std::size_t depth_max = custos::limits::json_depth_max;
    const std::string at_limit = std::string(depth_max, '[') + std::string(depth_max, ']');
    CHECK(parse_json(at_limit).has_value());
    const std::string over = std::string(depth_max + 1, '[') + std::string(depth_max + 1, ']');
    CHECK(contains(refusal(over), "nesting deeper than the limit of " + std::to_string(depth_max) +
                                      " at byte offset " + std::to_string(depth_max)));
    std::string objects;
    for (std::size_t i = 0; i <= depth_max; ++i)
        objects += "{\"k\":";
    CHECK(contains(refusal(objects), "nesting deeper"));
    // 100,000 open brackets: refused at the limit, never a stack overflow.
    CHECK(contains(refusal(std::string(100'000, '[')), "nesting deeper"));
    CHECK(contains(refusal("[[[1]]]", JsonParseOptions{.depth_max = 2}), "offset 2"));
    CHECK(parse_json("[[1]]", JsonParseOptions{.depth_max = 2}).has_value());
}

TEST_CASE("refused: input over bytes_max, before parsing") {
    const JsonParseOptions options{.bytes_max = 10};
    CHECK(parse_json("[12345678]", options).has_value());  // Exactly 10 bytes.
    // 11 bytes that would be valid JSON are refused on size alone.
    const std::string message = refusal("[123456789]", options);
    CHECK(contains(message, "input is 11 bytes, over the limit of 10"));
    // The default limit is json_bytes_max.
    const std::string huge = "\"" + std::string(custos::limits::json_bytes_max, 'a') + "\"";
    CHECK(contains(refusal(huge), "over the limit of " + std::to_string(custos::limits::json_bytes_max)));
}
