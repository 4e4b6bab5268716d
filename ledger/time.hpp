// Ledger time text: RFC 3339 UTC with exactly three fractional digits and a 'Z'
// ("2026-11-27T21:00:00.000Z"). One instant has exactly one text, so a time that is hashed or
// signed cannot be re-encoded.
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "ledger/types.hpp"

namespace custos::ledger {

// Years 1970..9999 only: anything else is refused.
inline constexpr std::int64_t time_ms_max = 253402300799999;  // 9999-12-31T23:59:59.999Z

// Accepts only "YYYY-MM-DDTHH:MM:SS.sssZ" (24 characters, leap seconds refused).
[[nodiscard]] Result<TimeMs> parse_time(std::string_view text);
// Precondition: 0 <= time.value <= time_ms_max (asserted).
[[nodiscard]] std::string format_time(TimeMs time);

}  // namespace custos::ledger
