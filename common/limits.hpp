// Limits that several rooms share. Each room names its own limits beside the code that
// enforces them; only the ones that cross rooms live here.
#pragma once

#include <cstddef>

namespace custos::limits {

// Largest JSON document any parser in Custos accepts (events, genesis, API bodies).
inline constexpr std::size_t json_bytes_max = 4 * 1024 * 1024;
// Deepest nesting of arrays/objects any parser accepts.
inline constexpr std::size_t json_depth_max = 64;

}  // namespace custos::limits
