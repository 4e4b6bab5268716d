// Key encodings of the store. Integers are big-endian and fixed width so RocksDB's bytewise
// order is numeric order; strings inside composite keys carry a 2-byte big-endian length first,
// so no id is ever a prefix of another id's keys ("A" and "AB" never interleave).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/assert.hpp"
#include "crypto/bytes.hpp"

namespace custos::ledger::store {

// Longest id (item, case, agency) a composite key may hold.
inline constexpr std::size_t key_id_bytes_max = 0xFFFF;

inline void append_be64(std::string& out, std::uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((value >> shift) & 0xFF));
}

[[nodiscard]] inline std::string be64(std::uint64_t value) {
    std::string out;
    out.reserve(8);
    append_be64(out, value);
    return out;
}

// nullopt unless `bytes` holds at least 8 bytes at `offset`.
[[nodiscard]] inline std::optional<std::uint64_t> read_be64(std::string_view bytes, std::size_t offset = 0) {
    if (bytes.size() < offset + 8) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i)
        value = (value << 8) | static_cast<std::uint8_t>(bytes[offset + i]);
    return value;
}

inline void append_id(std::string& out, std::string_view id) {
    CUSTOS_ASSERT(id.size() <= key_id_bytes_max, "id too long for a store key");
    out.push_back(static_cast<char>((id.size() >> 8) & 0xFF));
    out.push_back(static_cast<char>(id.size() & 0xFF));
    out.append(id);
}

// The key prefix of everything indexed under `id`.
[[nodiscard]] inline std::string id_prefix(std::string_view id) {
    std::string out;
    append_id(out, id);
    return out;
}

// `prefix` then two ids: the meta index keys "offer/" (recipient, item) and "case/" (agency, case).
[[nodiscard]] inline std::string id_pair_key(std::string_view prefix, std::string_view first,
                                             std::string_view second) {
    std::string out(prefix);
    append_id(out, first);
    append_id(out, second);
    return out;
}

// (id, number) keys of the item_events, case_items and agency_events families.
[[nodiscard]] inline std::string id_number_key(std::string_view id, std::uint64_t number) {
    std::string out = id_prefix(id);
    append_be64(out, number);
    return out;
}

// Merkle node key: level (1 byte) then index (8 bytes big-endian).
[[nodiscard]] inline std::string merkle_key(std::uint8_t level, std::uint64_t index) {
    std::string out(1, static_cast<char>(level));
    append_be64(out, index);
    return out;
}

// Meta key of an officer record: the prefix then the raw public key bytes.
[[nodiscard]] inline std::string officer_key(std::string_view prefix, ByteView key) {
    std::string out(prefix);
    out.append(reinterpret_cast<const char*>(key.data()), key.size());
    return out;
}

[[nodiscard]] inline std::string hash_key(const Hash32& hash) {
    return {reinterpret_cast<const char*>(hash.bytes.data()), hash.bytes.size()};
}

[[nodiscard]] inline std::optional<Hash32> hash_from_value(std::string_view bytes) {
    Hash32 hash;
    if (bytes.size() != hash.bytes.size()) return std::nullopt;
    for (std::size_t i = 0; i < bytes.size(); ++i)
        hash.bytes[i] = static_cast<std::uint8_t>(bytes[i]);
    return hash;
}

}  // namespace custos::ledger::store
