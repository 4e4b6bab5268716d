// The structured logger (consensus/runtime/log.hpp): what a line looks like.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "consensus/runtime/log.hpp"

using namespace custos::runtime;

namespace {

std::string log_time(std::int64_t unix_ms) {
    std::string out;
    append_log_time(out, std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
    return out;
}

}  // namespace

TEST_CASE("log: the time field is UTC RFC 3339 with milliseconds") {
    CHECK(log_time(0) == "1970-01-01T00:00:00.000Z");
    CHECK(log_time(1795942417681) == "2026-11-29T08:53:37.681Z");
    CHECK(log_time(951782400999) == "2000-02-29T00:00:00.999Z");  // a leap day
}

TEST_CASE("log: a line starts with its time, then its level and event, then the fields in order") {
    std::vector<std::string> lines;
    set_log_sink([&](std::string_view line) { lines.emplace_back(line); });
    const auto before = std::chrono::system_clock::now();
    log_line(LogLevel::warn, "peer_dropped").field("peer", "1a5c").field("reason", "has space");
    log_line(LogLevel::debug, "not_written");  // Below the default level (info).
    const auto after = std::chrono::system_clock::now();
    set_log_sink({});
    REQUIRE(lines.size() == 1);
    const std::regex shape(
        R"(ts=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) level=warn event=peer_dropped peer=1a5c reason="has space")");
    std::smatch match;
    REQUIRE(std::regex_match(lines[0], match, shape));
    // The time is the moment of logging, to the millisecond.
    const std::string low =
        log_time(std::chrono::duration_cast<std::chrono::milliseconds>(before.time_since_epoch()).count());
    const std::string high =
        log_time(std::chrono::duration_cast<std::chrono::milliseconds>(after.time_since_epoch()).count());
    CHECK(match[1].str() >= low);
    CHECK(match[1].str() <= high);
}
