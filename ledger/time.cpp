// RFC 3339 UTC millisecond timestamps, in one accepted form only (see time.hpp).
#include "ledger/time.hpp"

#include <array>

#include "common/assert.hpp"

namespace custos::ledger {

namespace {

constexpr std::int64_t ms_per_second = 1000;
constexpr std::int64_t seconds_per_day = 86400;
constexpr std::string_view time_shape = "YYYY-MM-DDTHH:MM:SS.sssZ";

// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

Civil civil_from_days(std::int64_t days) {
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(days - era * 146097);
    const unsigned year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned month_index = (5 * day_of_year + 2) / 153;
    const unsigned day = day_of_year - (153 * month_index + 2) / 5 + 1;
    const unsigned month = month_index < 10 ? month_index + 3 : month_index - 9;
    const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
    return {year, month, day};
}

bool is_leap(std::int64_t year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(std::int64_t year, unsigned month) {
    constexpr std::array<unsigned, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

// Reads `count` ASCII digits at `offset`; -1 if any is not a digit.
std::int64_t read_digits(std::string_view text, std::size_t offset, std::size_t count) {
    std::int64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = text[offset + i];
        if (c < '0' || c > '9') return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

tl::unexpected<Error> bad_time(std::string_view text, const std::string& why) {
    return make_error(ErrorCode::invalid_argument, "time '" + std::string(text.substr(0, 40)) + "' " + why +
                                                       " (expected " + std::string(time_shape) + ", UTC)");
}

}  // namespace

Result<TimeMs> parse_time(std::string_view text) {
    if (text.size() != time_shape.size()) return bad_time(text, "has the wrong length");
    for (std::size_t i : {4, 7}) {
        if (text[i] != '-') return bad_time(text, "lacks '-' at position " + std::to_string(i));
    }
    if (text[10] != 'T') return bad_time(text, "lacks 'T' at position 10");
    for (std::size_t i : {13, 16}) {
        if (text[i] != ':') return bad_time(text, "lacks ':' at position " + std::to_string(i));
    }
    if (text[19] != '.') return bad_time(text, "lacks '.' at position 19");
    if (text[23] != 'Z') return bad_time(text, "does not end in 'Z'");
    const std::int64_t year = read_digits(text, 0, 4);
    const std::int64_t month = read_digits(text, 5, 2);
    const std::int64_t day = read_digits(text, 8, 2);
    const std::int64_t hour = read_digits(text, 11, 2);
    const std::int64_t minute = read_digits(text, 14, 2);
    const std::int64_t second = read_digits(text, 17, 2);
    const std::int64_t milli = read_digits(text, 20, 3);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || milli < 0) {
        return bad_time(text, "has a non-digit where a digit belongs");
    }
    if (year < 1970) return bad_time(text, "is before 1970");
    if (month < 1 || month > 12) return bad_time(text, "has month out of range");
    if (day < 1 || day > days_in_month(year, static_cast<unsigned>(month))) {
        return bad_time(text, "has day out of range");
    }
    if (hour > 23 || minute > 59 || second > 59) return bad_time(text, "has a time of day out of range");
    const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds = days * seconds_per_day + hour * 3600 + minute * 60 + second;
    return TimeMs{seconds * ms_per_second + milli};
}

std::string format_time(TimeMs time) {
    CUSTOS_ASSERT(time.value >= 0 && time.value <= time_ms_max, "format_time: time outside 1970..9999");
    const std::int64_t milli = time.value % ms_per_second;
    const std::int64_t seconds = time.value / ms_per_second;
    const std::int64_t days = seconds / seconds_per_day;
    const std::int64_t second_of_day = seconds % seconds_per_day;
    const Civil civil = civil_from_days(days);
    // "YYYY-MM-DDTHH:MM:SS.mmmZ", written digit by digit (it is on every event's canonical path).
    std::string text = "0000-00-00T00:00:00.000Z";
    auto put = [&text](std::size_t at, std::int64_t value, std::size_t width) {
        for (std::size_t i = width; i-- > 0; value /= 10)
            text[at + i] = static_cast<char>('0' + value % 10);
    };
    put(0, civil.year, 4);
    put(5, civil.month, 2);
    put(8, civil.day, 2);
    put(11, second_of_day / 3600, 2);
    put(14, second_of_day / 60 % 60, 2);
    put(17, second_of_day % 60, 2);
    put(20, milli, 3);
    return text;
}

}  // namespace custos::ledger
