// Hex (lowercase) and base64 (RFC 4648 standard alphabet, padded). Decoders are strict:
// anything that would not re-encode to the same text is refused, so one value has one text.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "crypto/bytes.hpp"

namespace custos::crypto {

[[nodiscard]] std::string hex_encode(ByteView bytes);
// A digest as 64 lowercase hex digits: how hashes appear in JSON, messages and file names.
[[nodiscard]] std::string hex(const Hash32& hash);
// Accepts lowercase hex only, even length.
[[nodiscard]] Result<Bytes> hex_decode(std::string_view text);
// Decodes exactly 32 bytes of lowercase hex.
[[nodiscard]] Result<Hash32> hash_from_hex(std::string_view text);

[[nodiscard]] std::string base64_encode(ByteView bytes);
// Accepts the standard alphabet with '=' padding, length a multiple of 4, no whitespace, and
// zero bits after the last encoded byte (the canonical form).
[[nodiscard]] Result<Bytes> base64_decode(std::string_view text);

}  // namespace custos::crypto
