// Helpers the crypto tests share.
#pragma once

#include <doctest/doctest.h>
#include <sodium.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <bit>
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

// RFC 8032 section 7.1, TEST 1's secret seed.
inline constexpr std::string_view rfc_seed =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

inline void write_file_0600(const std::filesystem::path& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    ::close(fd);
}

// MTH(D[start:end]) straight from RFC 9162 section 2.1.1, hashing every leaf (O(n) per call):
// the reference for trees small enough to afford it.
inline Hash32 naive_root(const std::vector<Hash32>& leaves, std::size_t start, std::size_t end) {
    if (end - start == 1) return leaves[start];
    const std::size_t k = std::bit_floor(end - start - 1);
    return crypto::merkle_node_hash(naive_root(leaves, start, start + k), naive_root(leaves, start + k, end));
}

}  // namespace custos::test
