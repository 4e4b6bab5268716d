// Helpers the crypto tests share.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "crypto/encoding.hpp"
#include "crypto/merkle.hpp"

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

// A fresh directory per test (under the system's temporary directory, named custos-crypto-*),
// removed afterwards.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "custos-crypto-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

// Leaf hashes of the synthetic Merkle trees: leaf i is the 8-byte little-endian encoding of i.
inline std::vector<Hash32> synthetic_leaves(std::size_t count) {
    std::vector<Hash32> leaves;
    leaves.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
        std::uint8_t data[8];
        for (std::size_t b = 0; b < 8; ++b)
            data[b] = static_cast<std::uint8_t>(i >> (8 * b));
        leaves.push_back(crypto::merkle_leaf_hash(ByteView(data, sizeof data)));
    }
    return leaves;
}

}  // namespace custos::test
