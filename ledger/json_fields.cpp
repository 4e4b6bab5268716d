// Strict JSON field readers shared by the ledger's parsers.
#include "ledger/json_fields.hpp"

#include <algorithm>

#include "common/assert.hpp"
#include "crypto/encoding.hpp"
#include "ledger/genesis.hpp"
#include "ledger/time.hpp"

namespace custos::ledger {

using crypto::Json;

tl::unexpected<Error> FieldReader::fail(std::string_view path, std::string_view reason) const {
    return make_error(code_, prefix_ + std::string(path) + ": " + std::string(reason));
}

Status FieldReader::object(const Json& value, std::string_view path,
                           std::initializer_list<std::string_view> allowed) const {
    if (!value.is_object()) return fail(path, "must be an object");
    for (const auto& [key, member] : value.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return fail(path_join(path, key.substr(0, 64)), "unknown field");
        }
    }
    return {};
}

Result<const Json*> FieldReader::required(const Json& object, std::string_view key,
                                          std::string_view path) const {
    auto found = object.find(std::string(key));
    if (found == object.end()) return fail(path_join(path, key), "missing");
    return &*found;
}

const Json* FieldReader::optional(const Json& object, std::string_view key) const {
    auto found = object.find(std::string(key));
    return found == object.end() ? nullptr : &*found;
}

Status FieldReader::any_object(const Json& value, std::string_view path) const {
    if (!value.is_object()) return fail(path, "must be an object");
    return {};
}

Result<std::string> FieldReader::string(const Json& value, std::string_view path,
                                        std::size_t bytes_max) const {
    if (!value.is_string()) return fail(path, "must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.size() > bytes_max) {
        return fail(path, "is " + std::to_string(text.size()) + " bytes, over the limit of " +
                              std::to_string(bytes_max));
    }
    return text;
}

Result<std::string> FieldReader::text(const Json& value, std::string_view path, std::size_t bytes_max) const {
    if (!value.is_string()) return fail(path, "must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty()) return fail(path, "must not be empty");
    if (text.size() > bytes_max) {
        return fail(path, "is " + std::to_string(text.size()) + " bytes, over the limit of " +
                              std::to_string(bytes_max));
    }
    bool ascii = true;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7F) return fail(path, "holds a control character");
        if (byte >= 0x80) ascii = false;
    }
    // The strict parser already refuses bad UTF-8; values built in code are checked here.
    if (!ascii && !crypto::canonicalize(value)) return fail(path, "is not valid UTF-8");
    return text;
}

Result<std::string> FieldReader::id(const Json& value, std::string_view path, std::size_t bytes_max) const {
    if (!value.is_string()) return fail(path, "must be a string");
    const auto& text = value.get_ref<const std::string&>();
    if (!is_valid_id(text, bytes_max)) {
        return fail(path, "must match [A-Za-z0-9._:-]{1," + std::to_string(bytes_max) + "}");
    }
    return text;
}

Result<std::uint64_t> FieldReader::unsigned_integer(const Json& value, std::string_view path,
                                                    std::uint64_t max) const {
    if (!value.is_number_unsigned() && !value.is_number_integer()) return fail(path, "must be an integer");
    if (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0) {
        return fail(path, "must not be negative");
    }
    auto number = value.get<std::uint64_t>();
    if (number > max) return fail(path, "is above the limit of " + std::to_string(max));
    return number;
}

Result<bool> FieldReader::boolean(const Json& value, std::string_view path) const {
    if (!value.is_boolean()) return fail(path, "must be true or false");
    return value.get<bool>();
}

Result<TimeMs> FieldReader::time(const Json& value, std::string_view path) const {
    if (!value.is_string()) return fail(path, "must be a string");
    auto time = parse_time(value.get_ref<const std::string&>());
    if (!time) return fail(path, time.error().message);
    return *time;
}

Result<Hash32> FieldReader::hash(const Json& value, std::string_view path) const {
    if (!value.is_string()) return fail(path, "must be a string");
    auto hash = crypto::hash_from_hex(value.get_ref<const std::string&>());
    if (!hash) return fail(path, "must be 64 lowercase hex digits");
    return *hash;
}

Result<crypto::PublicKey> FieldReader::key(const Json& value, std::string_view path) const {
    if (!value.is_string()) return fail(path, "must be a string");
    auto key = crypto::public_key_from_hex(value.get_ref<const std::string&>());
    if (!key) return fail(path, "must be 64 lowercase hex digits (an Ed25519 public key)");
    return *key;
}

Result<const Json*> FieldReader::array(const Json& value, std::string_view path,
                                       std::size_t items_max) const {
    if (!value.is_array()) return fail(path, "must be an array");
    if (value.size() > items_max) {
        return fail(path, "has " + std::to_string(value.size()) + " entries, over the limit of " +
                              std::to_string(items_max));
    }
    return &value;
}

std::string path_join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key) : std::string(path) + "." + std::string(key);
}

std::string path_index(std::string_view path, std::size_t index) {
    return std::string(path) + "[" + std::to_string(index) + "]";
}

}  // namespace custos::ledger

namespace custos::ledger::detail {

std::string canonical_text(const Json& value) {
    auto text = crypto::canonicalize(value);
    CUSTOS_ASSERT(text.has_value(), "a value the ledger built has no canonical form");
    return std::move(*text);
}

}  // namespace custos::ledger::detail
