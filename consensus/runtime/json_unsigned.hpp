// Whole numbers read from the runtime's own JSON files (the signing state, its v1 form). A
// value nlohmann would convert unchecked (a float, a negative number, one beyond the target
// type) is refused instead: its get<> would truncate or wrap silently, and for a float out of
// range it is undefined behaviour (found by fuzzing the signing-state loader, docs/FUZZING.md).
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "crypto/canonical_json.hpp"

namespace custos::runtime {

// The value of `json` as T; throws std::invalid_argument naming `what` otherwise (the loaders
// turn that into a corruption error).
template <class T>
[[nodiscard]] T json_unsigned(const crypto::Json& json, std::string_view what) {
    static_assert(std::is_unsigned_v<T>);
    if (!json.is_number_unsigned() || json.get<std::uint64_t>() > std::numeric_limits<T>::max())
        throw std::invalid_argument(std::string(what) + " is not a whole number in range");
    return static_cast<T>(json.get<std::uint64_t>());
}

}  // namespace custos::runtime
