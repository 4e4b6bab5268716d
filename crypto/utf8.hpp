// UTF-8 decoding for the strict JSON parser and the RFC 8785 canonicalizer (internal to crypto/).
//
// Well-formed means exactly the byte sequences of Unicode Table 3-7: no overlong forms, no
// encoded surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no stray or missing
// continuation bytes. Both directions (parse and canonicalize) use this one decoder, so a
// string the parser accepts is a string the canonicalizer accepts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace custos::crypto::utf8 {

enum class Fault : std::uint8_t {
    none,
    stray_continuation,  // A byte 0x80..0xBF where a sequence should start.
    overlong,            // 0xC0, 0xC1, or 0xE0/0xF0 followed by a too-small second byte.
    surrogate,           // 0xED 0xA0..0xBF: a UTF-16 surrogate encoded as UTF-8.
    above_max,           // 0xF4 0x90.. or a lead byte 0xF5..0xFF: above U+10FFFF.
    cut_short,           // A continuation byte is missing (or the input ends).
};

[[nodiscard]] constexpr std::string_view fault_name(Fault fault) {
    switch (fault) {
        case Fault::none:
            return "none";
        case Fault::stray_continuation:
            return "invalid UTF-8 (unexpected continuation byte)";
        case Fault::overlong:
            return "invalid UTF-8 (overlong encoding)";
        case Fault::surrogate:
            return "invalid UTF-8 (encoded UTF-16 surrogate)";
        case Fault::above_max:
            return "invalid UTF-8 (code point above U+10FFFF)";
        case Fault::cut_short:
            return "invalid UTF-8 (truncated sequence)";
    }
    return "invalid UTF-8";
}

struct Decoded {
    char32_t code_point = 0;
    std::size_t length = 0;  // Bytes consumed; 0 when fault != none.
    Fault fault = Fault::none;
};

[[nodiscard]] constexpr bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

// Decodes the sequence starting at text[offset] (which must be inside text).
[[nodiscard]] constexpr Decoded decode(std::string_view text, std::size_t offset) {
    const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[offset + i]); };
    const unsigned char lead = at(0);
    if (lead < 0x80) return {lead, 1, Fault::none};
    if (lead < 0xC0) return {0, 0, Fault::stray_continuation};
    if (lead < 0xC2) return {0, 0, Fault::overlong};
    if (lead > 0xF4) return {0, 0, Fault::above_max};

    const std::size_t length = lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    // The second byte's allowed range depends on the lead byte (Table 3-7); checking it first
    // names the fault precisely (overlong, surrogate, too large) rather than "cut short".
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    Fault second_fault = Fault::cut_short;
    if (lead == 0xE0) {
        second_low = 0xA0;
        second_fault = Fault::overlong;
    } else if (lead == 0xED) {
        second_high = 0x9F;
        second_fault = Fault::surrogate;
    } else if (lead == 0xF0) {
        second_low = 0x90;
        second_fault = Fault::overlong;
    } else if (lead == 0xF4) {
        second_high = 0x8F;
        second_fault = Fault::above_max;
    }
    if (text.size() - offset < 2) return {0, 0, Fault::cut_short};
    const unsigned char second = at(1);
    if (!is_continuation(second)) return {0, 0, Fault::cut_short};
    if (second < second_low || second > second_high) return {0, 0, second_fault};

    char32_t code_point = static_cast<char32_t>(lead & (0x7F >> length));
    code_point = (code_point << 6) | (second & 0x3F);
    for (std::size_t i = 2; i < length; ++i) {
        if (offset + i >= text.size() || !is_continuation(at(i))) return {0, 0, Fault::cut_short};
        code_point = (code_point << 6) | (at(i) & 0x3F);
    }
    return {code_point, length, Fault::none};
}

// Offset of the first ill-formed sequence in text, with its fault; {text.size(), none} if the
// whole text is well-formed.
struct Check {
    std::size_t offset = 0;
    Fault fault = Fault::none;
};

[[nodiscard]] constexpr Check check(std::string_view text) {
    std::size_t offset = 0;
    while (offset < text.size()) {
        if (static_cast<unsigned char>(text[offset]) < 0x80) {
            ++offset;
            continue;
        }
        const Decoded decoded = decode(text, offset);
        if (decoded.fault != Fault::none) return {offset, decoded.fault};
        offset += decoded.length;
    }
    return {offset, Fault::none};
}

// Bytes that a JSON string carries as they are, in the parser's input and in canonical output:
// ASCII other than controls, '"' and '\\'. Both hot loops skip runs of these by table lookup.
inline constexpr std::array<bool, 256> json_plain_byte = [] {
    std::array<bool, 256> table{};
    for (std::size_t byte = 0x20; byte < 0x80; ++byte)
        table[byte] = byte != '"' && byte != '\\';
    return table;
}();

// Index of the first byte at or after offset that is not json_plain_byte (or text.size()).
[[nodiscard]] inline std::size_t skip_json_plain(std::string_view text, std::size_t offset) {
    const char* data = text.data();
    const std::size_t size = text.size();
    // Eight bytes at a time while none is a control, '"', '\\' or non-ASCII (the classic
    // "has a byte less than n" bit trick). A false alarm only ends this fast loop early: the
    // byte loop below decides exactly where the run ends.
    constexpr std::uint64_t ones = 0x0101010101010101;
    constexpr std::uint64_t highs = 0x8080808080808080;
    while (size - offset >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, data + offset, 8);
        const std::uint64_t quote = word ^ (ones * '"');
        const std::uint64_t backslash = word ^ (ones * '\\');
        const std::uint64_t special = (word | ((word - ones * 0x20) & ~word) | ((quote - ones) & ~quote) |
                                       ((backslash - ones) & ~backslash)) &
                                      highs;
        if (special != 0) break;
        offset += 8;
    }
    while (offset < size && json_plain_byte[static_cast<unsigned char>(data[offset])])
        ++offset;
    return offset;
}

}  // namespace custos::crypto::utf8
