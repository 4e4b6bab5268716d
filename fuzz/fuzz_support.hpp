// Shared by the fuzz targets: a check that stops the run with a message (a property the code must
// keep, beyond "does not crash"), and the keys and validator set of the test fixtures
// (tests/ledger/ledger_fixture.hpp), so the signed seeds in fuzz/corpus verify here.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/ed25519.hpp"
#include "ledger/types.hpp"

// A property the fuzzed code must keep: a failure aborts, and libFuzzer saves the input.
#define FUZZ_CHECK(condition, what)                                                                   \
    do {                                                                                              \
        if (!(condition)) {                                                                           \
            std::fprintf(stderr, "fuzz check failed: %s (%s) at %s:%d\n", what, #condition, __FILE__, \
                         __LINE__);                                                                   \
            std::abort();                                                                             \
        }                                                                                             \
    } while (false)

namespace custos::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The key whose 32-byte seed is `seed` repeated (tests/ledger/ledger_fixture.hpp seeded_key()).
inline crypto::SecretKey seeded_key(std::uint8_t seed) {
    FUZZ_CHECK(sodium_init() >= 0, "libsodium initialises");
    std::array<std::uint8_t, crypto::seed_bytes> bytes{};
    bytes.fill(seed);
    auto key = crypto::SecretKey::from_seed(ByteView(bytes.data(), bytes.size()));
    FUZZ_CHECK(key.has_value(), "a seeded key");
    return std::move(*key);
}

inline constexpr std::string_view fixture_chain = "custos-test";

// The fixtures' four validators ("validator-1".."validator-4", keys seeded 100..103, power 1).
inline const ledger::ValidatorSet& fixture_validators() {
    static const ledger::ValidatorSet set = [] {
        ledger::ValidatorSet made;
        const char* agencies[] = {"NL-POL", "DE-BKA", "BE-POL", "NL-POL"};
        for (int index = 0; index < 4; ++index) {
            made.validators.push_back(
                ledger::Validator{"validator-" + std::to_string(index + 1), agencies[index],
                                  seeded_key(static_cast<std::uint8_t>(100 + index)).public_key(), 1,
                                  "127.0.0.1:" + std::to_string(7001 + index)});
        }
        return made;
    }();
    return set;
}

}  // namespace custos::fuzz
