#include "crypto/encoding.hpp"

#include <array>
#include <cstdint>

namespace custos::crypto {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";
constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of each lowercase hex digit, -1 for any other byte (uppercase included: refused).
constexpr std::array<std::int8_t, 256> make_hex_table() {
    std::array<std::int8_t, 256> table{};
    for (auto& entry : table)
        entry = -1;
    for (std::size_t i = 0; i < hex_digits.size(); ++i)
        table[static_cast<std::uint8_t>(hex_digits[i])] = static_cast<std::int8_t>(i);
    return table;
}
constexpr auto hex_table = make_hex_table();

int hex_value(char c) {
    return hex_table[static_cast<std::uint8_t>(c)];
}

constexpr std::array<std::int8_t, 256> make_base64_table() {
    std::array<std::int8_t, 256> table{};
    for (auto& entry : table)
        entry = -1;
    for (std::size_t i = 0; i < base64_alphabet.size(); ++i) {
        table[static_cast<std::uint8_t>(base64_alphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}
constexpr auto base64_table = make_base64_table();

}  // namespace

std::string hex_encode(ByteView bytes) {
    std::string out(bytes.size() * 2, '\0');
    char* next = out.data();
    for (std::uint8_t byte : bytes) {
        *next++ = hex_digits[byte >> 4];
        *next++ = hex_digits[byte & 0x0f];
    }
    return out;
}

std::string hex(const Hash32& hash) {
    return hex_encode(hash.view());
}

Result<Bytes> hex_decode(std::string_view text) {
    if (text.size() % 2 != 0) {
        return make_error(ErrorCode::invalid_argument, "hex: odd length " + std::to_string(text.size()));
    }
    Bytes out(text.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        int high = hex_value(text[2 * i]);
        int low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) {
            return make_error(ErrorCode::invalid_argument, "hex: not a lowercase hex digit at offset " +
                                                               std::to_string(high < 0 ? 2 * i : 2 * i + 1));
        }
        out[i] = static_cast<std::uint8_t>((high << 4) | low);
    }
    return out;
}

Result<Hash32> hash_from_hex(std::string_view text) {
    if (text.size() != 64) {
        return make_error(ErrorCode::invalid_argument,
                          "hash: expected 64 hex digits, got " + std::to_string(text.size()));
    }
    auto bytes = hex_decode(text);
    if (!bytes) return tl::unexpected(bytes.error());
    Hash32 hash;
    std::copy(bytes->begin(), bytes->end(), hash.bytes.begin());
    return hash;
}

std::string base64_encode(ByteView bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    const std::size_t whole = bytes.size() / 3 * 3;
    out.resize(whole / 3 * 4);
    char* next = out.data();
    std::size_t i = 0;
    for (; i < whole; i += 3) {
        std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        *next++ = base64_alphabet[(group >> 18) & 63];
        *next++ = base64_alphabet[(group >> 12) & 63];
        *next++ = base64_alphabet[(group >> 6) & 63];
        *next++ = base64_alphabet[group & 63];
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t group = bytes[i] << 16;
        out.push_back(base64_alphabet[(group >> 18) & 63]);
        out.push_back(base64_alphabet[(group >> 12) & 63]);
        out.append("==");
    } else if (rest == 2) {
        std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8);
        out.push_back(base64_alphabet[(group >> 18) & 63]);
        out.push_back(base64_alphabet[(group >> 12) & 63]);
        out.push_back(base64_alphabet[(group >> 6) & 63]);
        out.push_back('=');
    }
    return out;
}

Result<Bytes> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return make_error(ErrorCode::invalid_argument,
                          "base64: length " + std::to_string(text.size()) + " is not a multiple of 4");
    }
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=')
        padding = (text.size() >= 2 && text[text.size() - 2] == '=') ? 2 : 1;
    Bytes out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t group = 0;
        bool last = i + 4 == text.size();
        for (std::size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            bool is_pad_slot = last && j >= 4 - padding;
            if (is_pad_slot) {
                if (c != '=') return make_error(ErrorCode::invalid_argument, "base64: bad padding");
                group <<= 6;
                continue;
            }
            std::int8_t value = base64_table[static_cast<std::uint8_t>(c)];
            if (value < 0) {
                return make_error(ErrorCode::invalid_argument,
                                  "base64: invalid character at offset " + std::to_string(i + j));
            }
            group = (group << 6) | static_cast<std::uint32_t>(value);
        }
        out.push_back(static_cast<std::uint8_t>(group >> 16));
        if (!(last && padding == 2)) out.push_back(static_cast<std::uint8_t>(group >> 8));
        if (!(last && padding >= 1)) out.push_back(static_cast<std::uint8_t>(group));
        if (last && ((padding == 1 && (group & 0xff) != 0) || (padding == 2 && (group & 0xffff) != 0))) {
            return make_error(ErrorCode::invalid_argument, "base64: non-zero bits after the last byte");
        }
    }
    return out;
}

}  // namespace custos::crypto
