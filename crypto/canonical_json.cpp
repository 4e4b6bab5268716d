// RFC 8785 (JCS) canonical JSON text, and ECMAScript number formatting.
//
// This is on the hot path (every event is canonicalized to be hashed and verified), so it
// writes into one growing buffer, sorts object keys only when UTF-16 order can differ from
// the byte order nlohmann's std::map already gives, and never allocates per key otherwise.
// The strict parser lives in json_parser.cpp.
#include "crypto/canonical_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <vector>

#include "common/assert.hpp"
#include "crypto/utf8.hpp"

namespace custos::crypto {
namespace {

// A value deeper than the parser's limit could not be read back, so it is not canonicalized.
constexpr std::size_t canonical_depth_max = limits::json_depth_max;
// UTF-8 lead bytes of supplementary characters (U+10000 and up). Only these become surrogate
// pairs in UTF-16, so only a key holding one can sort differently from its UTF-8 bytes.
constexpr unsigned char utf16_order_risk_byte = 0xF0;

// Holds a typical custody event (~500 bytes) in one allocation; larger values grow it.
constexpr std::size_t output_capacity_initial = 1024;
// Longest ECMAScript number text, e.g. "-0.0000012345678901234567" (25 bytes).
constexpr std::size_t number_text_bytes_max = 32;

constexpr std::string_view lower_hex_digits = "0123456789abcdef";

[[nodiscard]] tl::unexpected<Error> refuse(const std::string& what) {
    return make_error(ErrorCode::invalid_argument, "canonical json: " + what);
}

// The first UTF-16 code unit of a code point: itself in the BMP, else its high surrogate.
[[nodiscard]] constexpr char32_t first_utf16_unit(char32_t code_point) {
    return code_point < 0x10000 ? code_point : 0xD800 + ((code_point - 0x10000) >> 10);
}

// Compares two well-formed UTF-8 strings as sequences of UTF-16 code units (RFC 8785 3.2.3),
// without converting them: only the first differing code point decides.
[[nodiscard]] bool utf16_less(std::string_view left, std::string_view right) {
    const std::size_t common = std::min(left.size(), right.size());
    std::size_t i = static_cast<std::size_t>(
        std::mismatch(left.begin(), left.begin() + static_cast<std::ptrdiff_t>(common), right.begin()).first -
        left.begin());
    if (i == common) return left.size() < right.size();
    // The bytes before i are equal, so both strings are inside the same code point's sequence.
    while (i > 0 && utf8::is_continuation(static_cast<unsigned char>(left[i])))
        --i;
    const char32_t left_point = utf8::decode(left, i).code_point;
    const char32_t right_point = utf8::decode(right, i).code_point;
    const char32_t left_unit = first_utf16_unit(left_point);
    const char32_t right_unit = first_utf16_unit(right_point);
    if (left_unit != right_unit) return left_unit < right_unit;
    return left_point < right_point;  // Both supplementary: low surrogates follow code points.
}

// The canonical text under construction. A plain std::string's push_back is not cheap enough
// on this path; this writes through a cursor and grows the buffer only when it runs out.
class Output {
public:
    explicit Output(std::size_t capacity) { buffer_.resize(capacity); }

    void put(char c) {
        make_room(1);
        buffer_[used_++] = c;
    }
    void put(std::string_view text) {
        make_room(text.size());
        if (!text.empty()) std::memcpy(buffer_.data() + used_, text.data(), text.size());
        used_ += text.size();
    }
    void put_repeated(std::size_t count, char c) {
        make_room(count);
        std::memset(buffer_.data() + used_, c, count);
        used_ += count;
    }
    [[nodiscard]] std::string take() && {
        buffer_.resize(used_);
        return std::move(buffer_);
    }

private:
    void make_room(std::size_t extra) {
        if (buffer_.size() - used_ < extra) [[unlikely]]
            grow(extra);
    }
    // Kept out of line so that put() stays small enough to inline (a GCC/Clang attribute).
    [[gnu::noinline]] void grow(std::size_t extra) {
        buffer_.resize(std::max(buffer_.size() * 2, used_ + extra));
    }

    std::string buffer_;
    std::size_t used_ = 0;
};

// Appends the ECMAScript text of a finite double (Number::toString, ECMA-262 7.1.12.1).
void append_number(Output& out, double value) {
    CUSTOS_ASSERT(std::isfinite(value),
                  "format_number takes a finite double; canonicalize refuses the others");
    if (value == 0) {  // Also -0, which ECMAScript writes as "0".
        out.put('0');
        return;
    }
    if (value < 0) {
        out.put('-');
        value = -value;
    }
    // to_chars gives the shortest digits that round-trip (the k digits of ECMA-262), in the form
    // d[.ddd]e±x; the ECMAScript layout is then chosen from k and n (decimal point position).
    std::array<char, 32> buffer{};
    const auto result =
        std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, std::chars_format::scientific);
    CUSTOS_ASSERT(result.ec == std::errc{}, "32 bytes hold any shortest double");
    const std::string_view text(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
    const std::size_t e_at = text.find('e');
    CUSTOS_ASSERT(e_at != std::string_view::npos, "scientific format always has an exponent");
    std::array<char, 20> digits{};
    int k = 0;
    for (char c : text.substr(0, e_at)) {
        if (c != '.') digits[static_cast<std::size_t>(k++)] = c;
    }
    int exponent = 0;
    const std::string_view exponent_text = text.substr(e_at + 1);
    const std::size_t skip = exponent_text.front() == '+' ? 1 : 0;
    std::from_chars(exponent_text.data() + skip, exponent_text.data() + exponent_text.size(), exponent);
    const int n = exponent + 1;
    const std::string_view significand(digits.data(), static_cast<std::size_t>(k));

    if (k <= n && n <= 21) {  // An integer: all digits, then zeros.
        out.put(significand);
        out.put_repeated(static_cast<std::size_t>(n - k), '0');
    } else if (0 < n && n <= 21) {  // A decimal point inside the digits.
        out.put(significand.substr(0, static_cast<std::size_t>(n)));
        out.put('.');
        out.put(significand.substr(static_cast<std::size_t>(n)));
    } else if (-6 < n && n <= 0) {  // A small number: 0.000ddd.
        out.put("0.");
        out.put_repeated(static_cast<std::size_t>(-n), '0');
        out.put(significand);
    } else {  // Exponential: d[.ddd]e±x.
        out.put(significand.front());
        if (k > 1) {
            out.put('.');
            out.put(significand.substr(1));
        }
        out.put('e');
        out.put(n - 1 < 0 ? '-' : '+');
        std::array<char, 8> exponent_digits{};
        const auto written = std::to_chars(exponent_digits.data(),
                                           exponent_digits.data() + exponent_digits.size(), std::abs(n - 1));
        out.put(std::string_view(exponent_digits.data(),
                                 static_cast<std::size_t>(written.ptr - exponent_digits.data())));
    }
}

void append_escape(Output& out, unsigned char byte) {
    out.put('\\');
    switch (byte) {
        case '\b':
            out.put('b');
            return;
        case '\t':
            out.put('t');
            return;
        case '\n':
            out.put('n');
            return;
        case '\f':
            out.put('f');
            return;
        case '\r':
            out.put('r');
            return;
        case '"':
            out.put('"');
            return;
        case '\\':
            out.put('\\');
            return;
        default:
            break;
    }
    out.put("u00");
    out.put(lower_hex_digits[byte >> 4]);
    out.put(lower_hex_digits[byte & 0x0F]);
}

class Writer {
public:
    explicit Writer(Output& out) : out_(out) {}

    Status write(const Json& value, std::size_t depth);

private:
    template <typename Integer>
    void put_integer(Integer number) {
        std::array<char, 24> digits{};
        const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), number);
        out_.put(std::string_view(digits.data(), static_cast<std::size_t>(written.ptr - digits.data())));
    }
    Status write_string(std::string_view text);
    Status write_object(const Json::object_t& object, std::size_t depth);
    Status write_array(const Json::array_t& array, std::size_t depth);
    Status write_member(const Json::object_t::value_type& member, std::size_t depth, bool first);

    Output& out_;
};

Status Writer::write(const Json& value, std::size_t depth) {
    switch (value.type()) {
        case Json::value_t::null:
            out_.put("null");
            return {};
        case Json::value_t::boolean:
            out_.put(*value.get_ptr<const Json::boolean_t*>() ? "true" : "false");
            return {};
        case Json::value_t::string:
            return write_string(value.get_ref<const Json::string_t&>());
        case Json::value_t::object:
            return write_object(value.get_ref<const Json::object_t&>(), depth + 1);
        case Json::value_t::array:
            return write_array(value.get_ref<const Json::array_t&>(), depth + 1);
        case Json::value_t::number_integer: {
            const std::int64_t number = *value.get_ptr<const Json::number_integer_t*>();
            const std::uint64_t magnitude = number < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(number)
                                                       : static_cast<std::uint64_t>(number);
            if (magnitude > exact_integer_max) {
                return refuse("integer " + std::to_string(number) +
                              " is beyond 2^53 and has no exact double");
            }
            put_integer(number);
            return {};
        }
        case Json::value_t::number_unsigned: {
            const std::uint64_t number = *value.get_ptr<const Json::number_unsigned_t*>();
            if (number > exact_integer_max) {
                return refuse("integer " + std::to_string(number) +
                              " is beyond 2^53 and has no exact double");
            }
            put_integer(number);
            return {};
        }
        case Json::value_t::number_float: {
            const double number = *value.get_ptr<const Json::number_float_t*>();
            if (!std::isfinite(number)) return refuse("number is not finite (NaN or Infinity)");
            // ECMAScript writes a double below 1e21 without an exponent: above 2^53 that text is
            // an integer the parser refuses, so the canonical text would not read back.
            const double magnitude = std::fabs(number);
            if (magnitude > static_cast<double>(exact_integer_max) && magnitude < 1e21) {
                return refuse("number " + format_number(number) +
                              " is written as an integer beyond 2^53, which parse_json refuses");
            }
            append_number(out_, number);
            return {};
        }
        case Json::value_t::binary:
        case Json::value_t::discarded:
            break;
    }
    return refuse("value has no JSON text (binary or discarded)");
}

Status Writer::write_string(std::string_view text) {
    out_.put('"');
    std::size_t run_start = 0;  // Bytes from here to i are copied as they are.
    std::size_t i = 0;
    for (;;) {
        i = utf8::skip_json_plain(text, i);
        if (i == text.size()) break;
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte >= 0x80) {
            const utf8::Decoded decoded = utf8::decode(text, i);
            if (decoded.fault != utf8::Fault::none) {
                return refuse("string is not valid UTF-8: " + std::string(utf8::fault_name(decoded.fault)) +
                              " at byte " + std::to_string(i) + " of the string");
            }
            i += decoded.length;
            continue;
        }
        out_.put(text.substr(run_start, i - run_start));
        append_escape(out_, byte);
        run_start = ++i;
    }
    out_.put(text.substr(run_start));
    out_.put('"');
    return {};
}

Status Writer::write_member(const Json::object_t::value_type& member, std::size_t depth, bool first) {
    if (!first) out_.put(',');
    if (auto status = write_string(member.first); !status) return status;
    out_.put(':');
    return write(member.second, depth);
}

Status Writer::write_object(const Json::object_t& object, std::size_t depth) {
    if (depth > canonical_depth_max) {
        return refuse("nesting deeper than the limit of " + std::to_string(canonical_depth_max));
    }
    // nlohmann keeps keys in byte order, which is code point order; UTF-16 order differs only
    // when a key holds a supplementary character (it sorts below U+E000..U+FFFF in UTF-16).
    const bool may_differ = std::any_of(object.begin(), object.end(), [](const auto& member) {
        return std::any_of(member.first.begin(), member.first.end(),
                           [](char c) { return static_cast<unsigned char>(c) >= utf16_order_risk_byte; });
    });
    out_.put('{');
    bool first = true;
    if (!may_differ) {
        for (const auto& member : object) {
            if (auto status = write_member(member, depth, first); !status) return status;
            first = false;
        }
    } else {
        std::vector<const Json::object_t::value_type*> members;
        members.reserve(object.size());
        for (const auto& member : object) {
            const utf8::Check check = utf8::check(member.first);
            if (check.fault != utf8::Fault::none) {
                return refuse("key is not valid UTF-8: " + std::string(utf8::fault_name(check.fault)) +
                              " at byte " + std::to_string(check.offset) + " of the key");
            }
            members.push_back(&member);
        }
        std::sort(members.begin(), members.end(),
                  [](const auto* left, const auto* right) { return utf16_less(left->first, right->first); });
        for (const auto* member : members) {
            if (auto status = write_member(*member, depth, first); !status) return status;
            first = false;
        }
    }
    out_.put('}');
    return {};
}

Status Writer::write_array(const Json::array_t& array, std::size_t depth) {
    if (depth > canonical_depth_max) {
        return refuse("nesting deeper than the limit of " + std::to_string(canonical_depth_max));
    }
    out_.put('[');
    bool first = true;
    for (const auto& element : array) {
        if (!first) out_.put(',');
        if (auto status = write(element, depth); !status) return status;
        first = false;
    }
    out_.put(']');
    return {};
}

}  // namespace

Result<std::string> canonicalize(const Json& value) {
    Output out(output_capacity_initial);
    Writer writer(out);
    if (auto status = writer.write(value, 0); !status) return tl::unexpected(status.error());
    return std::move(out).take();
}

std::string format_number(double value) {
    Output out(number_text_bytes_max);
    append_number(out, value);
    return std::move(out).take();
}

}  // namespace custos::crypto
