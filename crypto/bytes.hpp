// Byte containers shared by every room.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace custos {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A SHA-256 digest. Distinct from a plain array so a digest is never mixed up with a key.
struct Hash32 {
    std::array<std::uint8_t, 32> bytes{};

    friend bool operator==(const Hash32&, const Hash32&) = default;
    friend auto operator<=>(const Hash32&, const Hash32&) = default;
    [[nodiscard]] ByteView view() const { return {bytes.data(), bytes.size()}; }
};

[[nodiscard]] inline ByteView as_bytes(std::string_view text) {
    return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

[[nodiscard]] inline std::string to_string(ByteView bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace custos
