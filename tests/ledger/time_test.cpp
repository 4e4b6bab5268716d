// Ledger time text: one accepted form, exact round trip.
#include <doctest/doctest.h>

#include "ledger/time.hpp"

namespace CUSTOS_TEST_FILE {  // unique to this file (tests/CMakeLists.txt)

using namespace custos::ledger;

TEST_CASE("time: the canonical form round-trips exactly") {
    auto time = parse_time("2026-11-27T21:00:00.000Z");
    REQUIRE(time);
    CHECK(time->value == 1795813200000);
    CHECK(format_time(*time) == "2026-11-27T21:00:00.000Z");
    CHECK(parse_time("1970-01-01T00:00:00.000Z")->value == 0);
    CHECK(format_time(TimeMs{time_ms_max}) == "9999-12-31T23:59:59.999Z");
    CHECK(parse_time("2024-02-29T12:34:56.789Z")->value == 1709210096789);
    CHECK(format_time(TimeMs{0}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_time(TimeMs{1709210096789}) == "2024-02-29T12:34:56.789Z");
    CHECK(format_time(TimeMs{951782400007}) == "2000-02-29T00:00:00.007Z");
    // Across the whole range (every field's digits, leap days, years of 1 to 4 digits' worth of
    // leading zeros in their parts): formatting then parsing gives the time back.
    std::int64_t value = 0;
    for (int step = 0; step < 20000; ++step) {
        const auto text = format_time(TimeMs{value});
        REQUIRE(text.size() == 24);
        auto parsed = parse_time(text);
        REQUIRE_MESSAGE(parsed.has_value(), text);
        CHECK_MESSAGE(parsed->value == value, text);
        value += 15'778'463'123 + step;  // About half a year, never a round number.
        if (value > time_ms_max) value -= time_ms_max;
    }
}

TEST_CASE("time: every other form is refused") {
    for (const char* text :
         {"2026-11-27T21:00:00Z", "2026-11-27T21:00:00.000+00:00", "2026-11-27 21:00:00.000Z",
          "2026-11-27T21:00:00.0000Z", "2026-11-27t21:00:00.000Z", "2025-02-29T00:00:00.000Z",
          "2026-13-01T00:00:00.000Z", "2026-11-27T24:00:00.000Z", "2026-11-27T23:59:60.000Z",
          "1969-12-31T23:59:59.999Z", "2026-11-27T21:00:00.000z", "+026-11-27T21:00:00.000Z"}) {
        CHECK_MESSAGE(!parse_time(text), text);
    }
}

}  // namespace CUSTOS_TEST_FILE
