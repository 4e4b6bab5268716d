// RFC 8941 structured fields for request signatures. See http_signature_fields.hpp.
#include "api/http_signature_fields.hpp"

#include <algorithm>
#include <cctype>

#include "api/http_signature.hpp"
#include "common/assert.hpp"
#include "crypto/encoding.hpp"

namespace custos::api::sf {

namespace {

inline constexpr std::size_t key_chars_max = 64;
inline constexpr std::size_t string_chars_max = 1024;
inline constexpr std::size_t integer_digits_max = 15;  // RFC 8941 section 3.3.1

bool is_lcalpha(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) {
    return is_lcalpha(c) || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_tchar(char c) {
    return is_alpha(c) || is_digit(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool is_base64_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '/' || c == '=';
}

// A recursive-descent parser for RFC 8941 section 4.2 over one header value. Every error names
// the header; nothing it builds is larger than the named limits.
class Parser {
public:
    Parser(std::string_view input, std::string_view header) : input_(input), header_(header) {}

    Result<std::vector<Member>> dictionary() {
        if (input_.size() > structured_field_bytes_max) {
            return fail("longer than " + std::to_string(structured_field_bytes_max) + " bytes");
        }
        skip_spaces();
        std::vector<Member> members;
        while (!at_end()) {
            if (members.size() == structured_field_members_max) {
                return fail("more than " + std::to_string(structured_field_members_max) + " members");
            }
            auto member = dictionary_member();
            if (!member) return tl::unexpected(member.error());
            for (const auto& existing : members) {
                if (existing.key == member->key) return fail("duplicate member " + member->key);
            }
            members.push_back(std::move(*member));
            skip_whitespace();
            if (at_end()) break;
            if (peek() != ',') return fail("expected ',' after member " + members.back().key);
            ++position_;
            skip_whitespace();
            if (at_end()) return fail("trailing ','");
        }
        return members;
    }

private:
    std::string_view input_;
    std::string_view header_;
    std::size_t position_ = 0;

    [[nodiscard]] bool at_end() const { return position_ >= input_.size(); }
    [[nodiscard]] char peek() const { return input_[position_]; }
    void skip_spaces() {
        while (!at_end() && peek() == ' ')
            ++position_;
    }
    void skip_whitespace() {
        while (!at_end() && (peek() == ' ' || peek() == '\t'))
            ++position_;
    }
    [[nodiscard]] tl::unexpected<Error> fail(const std::string& what) const {
        return make_error(ErrorCode::invalid_argument, std::string(header_) + ": " + what);
    }

    Result<Member> dictionary_member() {
        auto key = parse_key();
        if (!key) return tl::unexpected(key.error());
        Member member;
        member.key = std::move(*key);
        if (at_end() || peek() != '=') {
            // A bare key is boolean true with parameters.
            auto parameters = parse_parameters();
            if (!parameters) return tl::unexpected(parameters.error());
            member.item.parameters = std::move(*parameters);
            return member;
        }
        ++position_;
        if (!at_end() && peek() == '(') {
            member.is_inner_list = true;
            auto status = parse_inner_list(member);
            if (!status) return tl::unexpected(status.error());
            return member;
        }
        auto item = parse_item();
        if (!item) return tl::unexpected(item.error());
        member.item = std::move(*item);
        return member;
    }

    Status parse_inner_list(Member& member) {
        ++position_;  // '('
        while (true) {
            skip_spaces();
            if (at_end()) return fail("unterminated inner list in " + member.key);
            if (peek() == ')') {
                ++position_;
                auto parameters = parse_parameters();
                if (!parameters) return tl::unexpected(parameters.error());
                member.list_parameters = std::move(*parameters);
                return {};
            }
            if (member.inner_list.size() == inner_list_items_max) {
                return fail("more than " + std::to_string(inner_list_items_max) + " items in " + member.key);
            }
            auto item = parse_item();
            if (!item) return tl::unexpected(item.error());
            member.inner_list.push_back(std::move(*item));
            if (at_end()) return fail("unterminated inner list in " + member.key);
            if (peek() != ' ' && peek() != ')') {
                return fail("expected ' ' or ')' in the inner list of " + member.key);
            }
        }
    }

    Result<Item> parse_item() {
        auto value = parse_bare_item();
        if (!value) return tl::unexpected(value.error());
        auto parameters = parse_parameters();
        if (!parameters) return tl::unexpected(parameters.error());
        return Item{std::move(*value), std::move(*parameters)};
    }

    Result<std::vector<Parameter>> parse_parameters() {
        std::vector<Parameter> parameters;
        while (!at_end() && peek() == ';') {
            ++position_;
            skip_spaces();
            auto key = parse_key();
            if (!key) return tl::unexpected(key.error());
            for (const auto& existing : parameters) {
                if (existing.key == *key) return fail("duplicate parameter " + *key);
            }
            if (parameters.size() == parameters_max) {
                return fail("more than " + std::to_string(parameters_max) + " parameters");
            }
            Parameter parameter{std::move(*key), BareItem{}};
            if (!at_end() && peek() == '=') {
                ++position_;
                auto value = parse_bare_item();
                if (!value) return tl::unexpected(value.error());
                parameter.value = std::move(*value);
            }
            parameters.push_back(std::move(parameter));
        }
        return parameters;
    }

    Result<std::string> parse_key() {
        if (at_end() || !(is_lcalpha(peek()) || peek() == '*')) return fail("expected a key");
        std::size_t start = position_;
        while (!at_end() && (is_lcalpha(peek()) || is_digit(peek()) ||
                             std::string_view("_-.*").find(peek()) != std::string_view::npos)) {
            ++position_;
        }
        if (position_ - start > key_chars_max)
            return fail("key longer than " + std::to_string(key_chars_max));
        return std::string(input_.substr(start, position_ - start));
    }

    Result<BareItem> parse_bare_item() {
        if (at_end()) return fail("expected a value");
        char c = peek();
        if (c == '-' || is_digit(c)) return parse_integer();
        if (c == '"') return parse_string();
        if (c == ':') return parse_bytes();
        if (c == '?') return parse_boolean();
        if (is_alpha(c) || c == '*') return parse_token();
        return fail(std::string("unexpected character '") +
                    (std::isprint(static_cast<unsigned char>(c)) ? c : '?') + "'");
    }

    Result<BareItem> parse_integer() {
        bool negative = peek() == '-';
        if (negative) ++position_;
        std::size_t start = position_;
        while (!at_end() && is_digit(peek()))
            ++position_;
        std::size_t digits = position_ - start;
        if (digits == 0) return fail("expected a digit");
        if (digits > integer_digits_max) return fail("integer longer than 15 digits");
        // Decimals are valid RFC 8941 but no header Custos reads carries one: refuse them.
        if (!at_end() && peek() == '.') return fail("decimal numbers are not accepted");
        BareItem item;
        item.kind = BareItem::Kind::integer;
        for (std::size_t i = start; i < position_; ++i)
            item.integer = item.integer * 10 + (input_[i] - '0');
        if (negative) item.integer = -item.integer;
        return item;
    }

    Result<BareItem> parse_string() {
        ++position_;  // '"'
        BareItem item;
        item.kind = BareItem::Kind::string;
        while (true) {
            if (at_end()) return fail("unterminated string");
            char c = peek();
            ++position_;
            if (c == '"') return item;
            if (c == '\\') {
                if (at_end() || (peek() != '"' && peek() != '\\')) return fail("bad escape in a string");
                c = peek();
                ++position_;
            } else if (c < 0x20 || c > 0x7e) {
                return fail("control or non-ASCII character in a string");
            }
            if (item.text.size() == string_chars_max) return fail("string longer than 1024 characters");
            item.text.push_back(c);
        }
    }

    Result<BareItem> parse_bytes() {
        ++position_;  // ':'
        std::size_t start = position_;
        while (!at_end() && is_base64_char(peek()))
            ++position_;
        if (at_end() || peek() != ':') return fail("unterminated or malformed byte sequence");
        auto decoded = crypto::base64_decode(input_.substr(start, position_ - start));
        ++position_;
        if (!decoded) return fail("byte sequence is not canonical padded base64");
        BareItem item;
        item.kind = BareItem::Kind::bytes;
        item.bytes = std::move(*decoded);
        return item;
    }

    Result<BareItem> parse_boolean() {
        ++position_;  // '?'
        if (at_end() || (peek() != '0' && peek() != '1')) return fail("boolean must be ?0 or ?1");
        BareItem item;
        item.kind = BareItem::Kind::boolean;
        item.boolean = peek() == '1';
        ++position_;
        return item;
    }

    Result<BareItem> parse_token() {
        std::size_t start = position_;
        while (!at_end() && (is_tchar(peek()) || peek() == ':' || peek() == '/'))
            ++position_;
        if (position_ - start > string_chars_max) return fail("token longer than 1024 characters");
        BareItem item;
        item.kind = BareItem::Kind::token;
        item.text = std::string(input_.substr(start, position_ - start));
        return item;
    }
};

}  // namespace

Result<std::vector<Member>> parse_dictionary(std::string_view value, std::string_view header) {
    return Parser(value, header).dictionary();
}

bool is_printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

std::string serialize_string(std::string_view text) {
    CUSTOS_ASSERT(is_printable_ascii(text), "an sf-string holds printable ASCII only");
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string serialize_bare_item(const BareItem& item) {
    switch (item.kind) {
        case BareItem::Kind::integer:
            return std::to_string(item.integer);
        case BareItem::Kind::string:
            return serialize_string(item.text);
        case BareItem::Kind::token:
            return item.text;
        case BareItem::Kind::bytes:
            return ":" + crypto::base64_encode(item.bytes) + ":";
        case BareItem::Kind::boolean:
            return item.boolean ? "?1" : "?0";
    }
    CUSTOS_ASSERT(false, "unknown bare item kind");
    return {};
}

std::string serialize_parameters(const std::vector<Parameter>& parameters) {
    std::string out;
    for (const auto& parameter : parameters) {
        out += ";" + parameter.key;
        bool bare_true = parameter.value.kind == BareItem::Kind::boolean && parameter.value.boolean;
        if (!bare_true) out += "=" + serialize_bare_item(parameter.value);
    }
    return out;
}

std::string serialize_inner_list(const std::vector<Item>& items, const std::vector<Parameter>& parameters) {
    std::string out = "(";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out.push_back(' ');
        out += serialize_bare_item(items[i].value) + serialize_parameters(items[i].parameters);
    }
    return out + ")" + serialize_parameters(parameters);
}

}  // namespace custos::api::sf
