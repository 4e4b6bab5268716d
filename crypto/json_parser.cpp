// The strict RFC 8259 parser behind parse_json() (declared in canonical_json.hpp).
//
// It is hand-written rather than nlohmann::json::parse because nlohmann silently keeps the last
// of duplicate keys and has no nesting limit; both matter for input that will be hashed and
// signed. The parser is iterative (an explicit stack of open containers), so depth is bounded
// by options.depth_max, checked before a container is opened, and never by the C++ stack.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include "crypto/canonical_json.hpp"
#include "crypto/utf8.hpp"

namespace custos::crypto {
namespace {

// Longest key quoted back in an error message; a key can be megabytes long.
constexpr std::size_t error_key_bytes_max = 64;
// Exponents are saturated here while estimating a number's magnitude; any exponent this large
// already puts the value far outside the double range.
constexpr std::int64_t exponent_saturation = 1'000'000'000;

[[nodiscard]] bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

[[nodiscard]] int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

void append_utf8(std::string& out, char32_t code_point) {
    if (code_point < 0x80) {
        out.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
}

// A key as shown in an error message: escaped like JSON, cut at a code point boundary.
[[nodiscard]] std::string display_key(std::string_view key) {
    std::size_t cut = key.size();
    if (cut > error_key_bytes_max) {
        cut = error_key_bytes_max;
        while (cut > 0 && utf8::is_continuation(static_cast<unsigned char>(key[cut])))
            --cut;
    }
    std::string out = "\"";
    for (char c : key.substr(0, cut)) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (byte < 0x20) {
            constexpr std::string_view hex = "0123456789abcdef";
            out += "\\u00";
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0x0F]);
        } else {
            out.push_back(c);
        }
    }
    out += cut < key.size() ? "\"..." : "\"";
    return out;
}

[[nodiscard]] std::string describe_byte(char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x21 && byte < 0x7F) return std::string("'") + c + "'";
    constexpr std::string_view hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[byte >> 4] + hex[byte & 0x0F];
}

class Parser {
public:
    Parser(std::string_view text, JsonParseOptions options) : text_(text), options_(options) {}

    Result<Json> run();

private:
    struct Frame {
        Json* container;
        bool is_object;
    };

    [[nodiscard]] tl::unexpected<Error> fail(std::size_t offset, const std::string& what) const {
        return make_error(ErrorCode::invalid_argument,
                          "json: " + what + " at byte offset " + std::to_string(offset));
    }
    [[nodiscard]] tl::unexpected<Error> truncated() const {
        return fail(text_.size(), "unexpected end of input (truncated)");
    }
    [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }

    void skip_whitespace() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            ++pos_;
        }
    }

    Status open_container(Json*& slot, bool& value_done);
    Status close_or_continue(Json*& slot, bool& finished);
    Result<Json*> begin_member(Frame& frame);
    Status parse_scalar(Json& slot);
    Status parse_string(std::string& out);
    Status parse_escape(std::string& out);
    Result<std::uint32_t> parse_hex4(std::size_t offset) const;
    Status parse_number(Json& slot);
    Status parse_exact_integer(std::size_t start, Json& slot) const;
    Status parse_out_of_range_double(std::size_t start, Json& slot) const;
    Status parse_literal(Json& slot);

    std::string_view text_;
    JsonParseOptions options_;
    std::size_t pos_ = 0;
    std::vector<Frame> stack_;
    std::string key_;  // Reused for every object key, to avoid one allocation per key.
};

Result<Json> Parser::run() {
    if (text_.size() > options_.bytes_max) {
        return make_error(ErrorCode::invalid_argument,
                          "json: input is " + std::to_string(text_.size()) + " bytes, over the limit of " +
                              std::to_string(options_.bytes_max) + " (at byte offset 0)");
    }
    Json root;
    Json* slot = &root;  // Where the next value goes.
    for (;;) {
        skip_whitespace();
        if (at_end()) return truncated();
        bool value_done = true;
        const char c = text_[pos_];
        if (c == '{' || c == '[') {
            if (auto status = open_container(slot, value_done); !status)
                return tl::unexpected(status.error());
        } else {
            if (auto status = parse_scalar(*slot); !status) return tl::unexpected(status.error());
        }
        if (!value_done) continue;  // A non-empty container was opened: parse its first value.
        bool finished = false;
        if (auto status = close_or_continue(slot, finished); !status) return tl::unexpected(status.error());
        if (finished) return root;
    }
}

// Opens the container at pos_ in *slot. An empty container is complete at once (value_done);
// otherwise it is pushed and slot points at the place of its first value.
Status Parser::open_container(Json*& slot, bool& value_done) {
    const bool is_object = text_[pos_] == '{';
    if (stack_.size() + 1 > options_.depth_max) {
        return fail(pos_, "nesting deeper than the limit of " + std::to_string(options_.depth_max));
    }
    *slot = is_object ? Json::object() : Json::array();
    ++pos_;
    skip_whitespace();
    if (at_end()) return truncated();
    if (text_[pos_] == (is_object ? '}' : ']')) {
        ++pos_;
        value_done = true;
        return {};
    }
    stack_.push_back(Frame{slot, is_object});
    value_done = false;
    if (!is_object) {
        slot = &slot->get_ref<Json::array_t&>().emplace_back();
        return {};
    }
    auto member = begin_member(stack_.back());
    if (!member) return tl::unexpected(member.error());
    slot = *member;
    return {};
}

// After a complete value: closes every container that ends here, then either finds a ','
// (slot points at the next value's place) or, with no container left, checks that nothing
// but whitespace follows (finished).
Status Parser::close_or_continue(Json*& slot, bool& finished) {
    for (;;) {
        skip_whitespace();
        if (stack_.empty()) {
            if (!at_end()) return fail(pos_, "trailing data after the JSON value");
            finished = true;
            return {};
        }
        if (at_end()) return truncated();
        Frame& frame = stack_.back();
        const char c = text_[pos_];
        if (c == (frame.is_object ? '}' : ']')) {
            ++pos_;
            stack_.pop_back();
            continue;
        }
        if (c != ',') {
            return fail(pos_, std::string("expected ',' or '") + (frame.is_object ? '}' : ']') + "', found " +
                                  describe_byte(c));
        }
        ++pos_;
        if (!frame.is_object) {
            slot = &frame.container->get_ref<Json::array_t&>().emplace_back();
            return {};
        }
        auto member = begin_member(frame);
        if (!member) return tl::unexpected(member.error());
        slot = *member;
        return {};
    }
}

// Parses `"key" :` and inserts the key, refusing a duplicate; returns the member's value slot.
Result<Json*> Parser::begin_member(Frame& frame) {
    skip_whitespace();
    if (at_end()) return truncated();
    if (text_[pos_] != '"') return fail(pos_, "expected a string key, found " + describe_byte(text_[pos_]));
    const std::size_t key_offset = pos_;
    key_.clear();
    if (auto status = parse_string(key_); !status) return tl::unexpected(status.error());
    skip_whitespace();
    if (at_end()) return truncated();
    if (text_[pos_] != ':')
        return fail(pos_, "expected ':' after a key, found " + describe_byte(text_[pos_]));
    ++pos_;
    auto& object = frame.container->get_ref<Json::object_t&>();
    auto [entry, inserted] = object.try_emplace(key_);
    if (!inserted) return fail(key_offset, "duplicate key " + display_key(key_));
    return &entry->second;
}

Status Parser::parse_scalar(Json& slot) {
    const char c = text_[pos_];
    if (c == '"') {
        std::string value;
        if (auto status = parse_string(value); !status) return status;
        slot = std::move(value);
        return {};
    }
    if (c == '-' || is_digit(c)) return parse_number(slot);
    if (c == 't' || c == 'f' || c == 'n') return parse_literal(slot);
    if (c == '+') return fail(pos_, "leading '+' in a number is not allowed");
    if (text_.substr(pos_).starts_with("NaN")) return fail(pos_, "NaN is not allowed");
    if (text_.substr(pos_).starts_with("Infinity")) return fail(pos_, "Infinity is not allowed");
    return fail(pos_, "expected a JSON value, found " + describe_byte(c));
}

Status Parser::parse_string(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;  // The opening quote.
    for (;;) {
        // Copy a run of plain ASCII in one go; stop at anything that needs a closer look.
        const std::size_t run_start = pos_;
        pos_ = utf8::skip_json_plain(text_, pos_);
        out.append(text_.data() + run_start, pos_ - run_start);
        if (at_end())
            return fail(text_.size(), "unexpected end of input in the string opened at offset " +
                                          std::to_string(start) + " (truncated)");
        const auto byte = static_cast<unsigned char>(text_[pos_]);
        if (byte == '"') {
            ++pos_;
            return {};
        }
        if (byte == '\\') {
            if (auto status = parse_escape(out); !status) return status;
            continue;
        }
        if (byte < 0x20)
            return fail(pos_, "unescaped control character " + describe_byte(text_[pos_]) + " in a string");
        const utf8::Decoded decoded = utf8::decode(text_, pos_);
        if (decoded.fault != utf8::Fault::none)
            return fail(pos_, std::string(utf8::fault_name(decoded.fault)));
        out.append(text_.data() + pos_, decoded.length);
        pos_ += decoded.length;
    }
}

Result<std::uint32_t> Parser::parse_hex4(std::size_t offset) const {
    if (text_.size() - offset < 4) return truncated();
    std::uint32_t unit = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const int value = hex_digit_value(text_[offset + i]);
        if (value < 0) return fail(offset + i, "invalid hex digit in a \\u escape");
        unit = (unit << 4) | static_cast<std::uint32_t>(value);
    }
    return unit;
}

Status Parser::parse_escape(std::string& out) {
    const std::size_t start = pos_;
    if (text_.size() - pos_ < 2) return truncated();
    const char kind = text_[pos_ + 1];
    char simple = 0;
    switch (kind) {
        case '"':
            simple = '"';
            break;
        case '\\':
            simple = '\\';
            break;
        case '/':
            simple = '/';
            break;
        case 'b':
            simple = '\b';
            break;
        case 'f':
            simple = '\f';
            break;
        case 'n':
            simple = '\n';
            break;
        case 'r':
            simple = '\r';
            break;
        case 't':
            simple = '\t';
            break;
        case 'u':
            break;
        default:
            return fail(start, "invalid escape \\" + std::string(1, kind));
    }
    if (simple != 0) {
        out.push_back(simple);
        pos_ += 2;
        return {};
    }
    auto unit = parse_hex4(start + 2);
    if (!unit) return tl::unexpected(unit.error());
    pos_ = start + 6;
    if (*unit >= 0xDC00 && *unit <= 0xDFFF) return fail(start, "lone low surrogate in a \\u escape");
    if (*unit < 0xD800 || *unit > 0xDBFF) {
        append_utf8(out, static_cast<char32_t>(*unit));
        return {};
    }
    // A high surrogate must be followed at once by an escaped low surrogate.
    if (!at_end() && text_[pos_] == '\\') {
        if (text_.size() - pos_ < 2) return truncated();
        if (text_[pos_ + 1] == 'u') {
            auto low = parse_hex4(pos_ + 2);
            if (!low) return tl::unexpected(low.error());
            if (*low >= 0xDC00 && *low <= 0xDFFF) {
                pos_ += 6;
                append_utf8(out, 0x10000 + ((*unit - 0xD800) << 10) + (*low - 0xDC00));
                return {};
            }
        }
    } else if (at_end()) {
        return truncated();
    }
    return fail(start, "high surrogate in a \\u escape not followed by a low surrogate");
}

Status Parser::parse_number(Json& slot) {
    const std::size_t start = pos_;
    const bool negative = text_[pos_] == '-';
    if (negative) ++pos_;
    if (at_end()) return truncated();
    if (text_.substr(pos_).starts_with("Infinity")) return fail(start, "-Infinity is not allowed");
    if (text_[pos_] == '0') {
        ++pos_;
        if (!at_end() && is_digit(text_[pos_])) return fail(start, "leading zero in a number");
    } else if (is_digit(text_[pos_])) {
        while (!at_end() && is_digit(text_[pos_]))
            ++pos_;
    } else {
        return fail(pos_, "expected a digit, found " + describe_byte(text_[pos_]));
    }
    bool is_integer = true;
    if (!at_end() && text_[pos_] == '.') {
        ++pos_;
        if (at_end()) return truncated();
        if (!is_digit(text_[pos_])) return fail(pos_, "expected a digit after '.'");
        while (!at_end() && is_digit(text_[pos_]))
            ++pos_;
        is_integer = false;
    }
    if (!at_end() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
        ++pos_;
        if (!at_end() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
        if (at_end()) return truncated();
        if (!is_digit(text_[pos_])) return fail(pos_, "expected a digit in the exponent");
        while (!at_end() && is_digit(text_[pos_]))
            ++pos_;
        is_integer = false;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (is_integer) return parse_exact_integer(start, slot);
    double value = 0;
    const auto result = std::from_chars(first, last, value);
    if (result.ec == std::errc::result_out_of_range) return parse_out_of_range_double(start, slot);
    if (result.ec != std::errc{} || result.ptr != last) return fail(start, "malformed number");
    slot = value;
    return {};
}

// An integer (no fraction, no exponent) is kept exact, and only within +-2^53: beyond, a double
// would round it (18446744073709551616 would read as 18446744073709552000), so two different texts
// would canonicalize to the same bytes. Refused whatever its size, as canonicalize() refuses it.
Status Parser::parse_exact_integer(std::size_t start, Json& slot) const {
    const std::string_view token = text_.substr(start, pos_ - start);
    const bool negative = token.front() == '-';
    const std::string_view digits = token.substr(negative ? 1 : 0);
    std::uint64_t magnitude = 0;
    // 2^53 has 16 digits: a longer integer (no leading zeros) is beyond it, and is not parsed.
    const bool fits =
        digits.size() <= 16 &&
        std::from_chars(digits.data(), digits.data() + digits.size(), magnitude).ec == std::errc{};
    if (!fits || magnitude > exact_integer_max) {
        constexpr std::size_t shown_max = 40;
        const std::string shown = token.size() <= shown_max
                                      ? std::string(token)
                                      : std::string(token.substr(0, shown_max)) + "... (" +
                                            std::to_string(digits.size()) + " digits)";
        return fail(start, "integer " + shown + " is beyond 2^53 in magnitude (no exact double); refused");
    }
    if (negative) {
        slot = -static_cast<std::int64_t>(magnitude);
    } else {
        slot = magnitude;
    }
    return {};
}

// std::from_chars reports both overflow and underflow as out of range. Overflow (the value
// would round to infinity) is refused; underflow rounds to zero, as ECMAScript's JSON.parse
// does. The two are told apart by the decimal exponent of the first significant digit.
Status Parser::parse_out_of_range_double(std::size_t start, Json& slot) const {
    const std::string_view token = text_.substr(start, pos_ - start);
    const bool negative = token.front() == '-';
    std::int64_t integer_digits = 0;  // Digits from the first non-zero one up to the '.'.
    std::int64_t fraction_zeros = 0;  // Zeros after the '.' before the first non-zero digit.
    bool seen_significant = false;
    bool in_fraction = false;
    std::size_t i = negative ? 1 : 0;
    for (; i < token.size() && token[i] != 'e' && token[i] != 'E'; ++i) {
        const bool zero = token[i] == '0';
        if (token[i] == '.') {
            in_fraction = true;
        } else if (!in_fraction) {
            if (seen_significant || !zero) ++integer_digits;
            seen_significant = seen_significant || !zero;
        } else if (!seen_significant) {
            seen_significant = !zero;
            if (zero) ++fraction_zeros;
        }
    }
    // Decimal exponent of the first non-zero digit, before the written exponent is added.
    std::int64_t magnitude = integer_digits > 0 ? integer_digits - 1 : -(fraction_zeros + 1);
    std::int64_t exponent = 0;
    bool exponent_negative = false;
    for (++i; i < token.size(); ++i) {
        if (token[i] == '-') exponent_negative = true;
        if (!is_digit(token[i])) continue;
        exponent = std::min(exponent * 10 + (token[i] - '0'), exponent_saturation);
    }
    magnitude += exponent_negative ? -exponent : exponent;
    if (seen_significant && magnitude > 0) return fail(start, "number overflows a double (to infinity)");
    slot = negative ? -0.0 : 0.0;
    return {};
}

Status Parser::parse_literal(Json& slot) {
    const std::string_view rest = text_.substr(pos_);
    const std::string_view word = rest.front() == 't' ? "true" : rest.front() == 'f' ? "false" : "null";
    if (!rest.starts_with(word)) {
        if (word.starts_with(rest)) return truncated();  // The input ends inside the word.
        return fail(pos_, "invalid literal (expected " + std::string(word) + ")");
    }
    pos_ += word.size();
    if (word == "true")
        slot = true;
    else if (word == "false")
        slot = false;
    else
        slot = nullptr;
    return {};
}

}  // namespace

Result<Json> parse_json(std::string_view text, JsonParseOptions options) {
    try {
        Parser parser(text, options);
        return parser.run();
    } catch (const std::bad_alloc&) {
        return make_error(ErrorCode::resource_exhausted, "json: out of memory while parsing");
    }
}

}  // namespace custos::crypto
