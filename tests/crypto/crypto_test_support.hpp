// Helpers the crypto tests share.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <cstdlib>
#include <string_view>

#include "crypto/encoding.hpp"

namespace custos::test {

// sodium_init() is idempotent; the CLI's main() calls it, the test binary must too.
[[maybe_unused]] inline const bool sodium_ready = [] {
    if (sodium_init() < 0) std::abort();
    return true;
}();

inline Bytes decode_hex(std::string_view text) {
    auto bytes = crypto::hex_decode(text);
    REQUIRE_MESSAGE(bytes.has_value(), "bad hex in test data: " << text);
    return *bytes;
}

}  // namespace custos::test
