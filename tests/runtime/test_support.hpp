// Small pieces every runtime test file needs, defined once.
#pragma once

#include <sodium.h>

#include <cstdlib>
#include <string_view>

#include "crypto/bytes.hpp"

namespace custos::runtime::testing {

// Ephemeral X25519 keys are made (in static initialisers, too) before any SecretKey exists, so
// libsodium is initialised here rather than left to crypto::SecretKey. One definition for the
// whole binary (an inline variable).
[[maybe_unused]] inline const bool sodium_ready = [] {
    if (sodium_init() < 0) std::abort();
    return true;
}();

inline Bytes text_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

}  // namespace custos::runtime::testing
