// Internal to ledger/: an RFC 8785 writer for values whose members the caller writes already in
// key order (canonical_event, canonical_item_state). It produces exactly what
// crypto::canonicalize() produces for the same JSON tree, without building the tree: every key
// the ledger writes is ASCII (so code-unit order is byte order) and strings are escaped the same
// way (docs/FORMAT.md section 1). Tests compare the two for every kind of value.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/assert.hpp"
#include "crypto/utf8.hpp"

namespace custos::ledger {
struct Digests;
}

namespace custos::ledger::detail {

inline constexpr std::string_view canonical_hex_digits = "0123456789abcdef";

class CanonicalWriter {
public:
    explicit CanonicalWriter(std::string& out) : out_(out) {}

    void open_object() {
        out_.push_back('{');
        first_ = true;
    }
    void close_object() {
        out_.push_back('}');
        first_ = false;
    }
    void open_array() {
        out_.push_back('[');
        first_ = true;
    }
    void close_array() {
        out_.push_back(']');
        first_ = false;
    }

    // A member key (ASCII, needing no escape) and the ':' after it.
    void key(std::string_view name) {
        separate();
        out_.push_back('"');
        out_.append(name);
        out_.append("\":");
        first_ = true;  // The value follows without a comma.
    }
    // An array element's separator.
    void element() { separate(); }

    void string(std::string_view text) {
        CUSTOS_ASSERT(crypto::utf8::check(text).fault == crypto::utf8::Fault::none,
                      "a value the ledger built has no canonical form");
        out_.push_back('"');
        std::size_t run_start = 0;
        for (std::size_t i = crypto::utf8::skip_json_plain(text, 0); i < text.size();
             i = crypto::utf8::skip_json_plain(text, i)) {
            const auto byte = static_cast<unsigned char>(text[i]);
            if (byte >= 0x80) {  // Valid UTF-8 (checked above) goes out as it is.
                ++i;
                continue;
            }
            out_.append(text.substr(run_start, i - run_start));
            escape(byte);
            run_start = ++i;
        }
        out_.append(text.substr(run_start));
        out_.push_back('"');
        first_ = false;
    }
    void boolean(bool value) {
        out_.append(value ? "true" : "false");
        first_ = false;
    }
    // Integers up to 2^53 (exact JSON numbers) print as their digits.
    void unsigned_integer(std::uint64_t value) {
        CUSTOS_ASSERT(value <= (std::uint64_t{1} << 53), "a value the ledger built has no canonical form");
        std::array<char, 24> digits{};
        const auto written = std::to_chars(digits.data(), digits.data() + digits.size(), value);
        out_.append(digits.data(), static_cast<std::size_t>(written.ptr - digits.data()));
        first_ = false;
    }

private:
    void separate() {
        if (!first_) out_.push_back(',');
        first_ = false;
    }
    void escape(unsigned char byte) {
        out_.push_back('\\');
        switch (byte) {
            case '\b':
                out_.push_back('b');
                return;
            case '\t':
                out_.push_back('t');
                return;
            case '\n':
                out_.push_back('n');
                return;
            case '\f':
                out_.push_back('f');
                return;
            case '\r':
                out_.push_back('r');
                return;
            case '"':
                out_.push_back('"');
                return;
            case '\\':
                out_.push_back('\\');
                return;
            default:
                break;
        }
        out_.append("u00");
        out_.push_back(canonical_hex_digits[byte >> 4]);
        out_.push_back(canonical_hex_digits[byte & 0x0F]);
    }

    std::string& out_;
    bool first_ = true;
};

// A Digests object ({"md5"?, "sha1"?, "sha256"}) in canonical form: events and item states
// both hold one. Defined in event_canonical.cpp.
void write_digests(CanonicalWriter& w, const Digests& digests);

}  // namespace custos::ledger::detail
