// A strict, bounded parser and serializer for the part of RFC 8941 (Structured Field Values for
// HTTP) that request signatures need: dictionaries whose members are items or inner lists, with
// parameters; bare items integer, string, token, byte sequence, boolean. Decimals are refused (no
// header Custos reads carries one), as are duplicate keys and parameters (RFC 8941 lets the last
// win, which lets two readers of one header disagree). Every limit is named in
// api/http_signature.hpp; every error is invalid_argument and starts with the header's name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::api::sf {

struct BareItem {
    enum class Kind { integer, string, token, bytes, boolean };
    Kind kind = Kind::boolean;
    std::int64_t integer = 0;
    std::string text;  // string or token
    Bytes bytes;
    bool boolean = true;
};

struct Parameter {
    std::string key;
    BareItem value;
};

struct Item {
    BareItem value;
    std::vector<Parameter> parameters;
};

struct Member {
    std::string key;
    bool is_inner_list = false;
    Item item;                     // when !is_inner_list
    std::vector<Item> inner_list;  // when is_inner_list
    std::vector<Parameter> list_parameters;
};

// Parses a whole header value as a dictionary (RFC 8941 section 4.2.2); `header` names it in errors.
[[nodiscard]] Result<std::vector<Member>> parse_dictionary(std::string_view value, std::string_view header);

[[nodiscard]] bool is_printable_ascii(std::string_view text);
// Serializations of RFC 8941 section 4.1 (a string must be printable ASCII: asserted).
[[nodiscard]] std::string serialize_string(std::string_view text);
[[nodiscard]] std::string serialize_bare_item(const BareItem& item);
[[nodiscard]] std::string serialize_parameters(const std::vector<Parameter>& parameters);
[[nodiscard]] std::string serialize_inner_list(const std::vector<Item>& items,
                                               const std::vector<Parameter>& parameters);

}  // namespace custos::api::sf
