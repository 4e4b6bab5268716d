// The structured logger (consensus/runtime/log.hpp): what a line looks like.
#include <doctest/doctest.h>

#include <cctype>
#include <chrono>
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
    const std::string& line = lines[0];
    // ts=YYYY-MM-DDTHH:MM:SS.mmmZ, then the rest exactly.
    const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    REQUIRE(line.size() > 3 + shape.size());
    CHECK(line.substr(0, 3) == "ts=");
    const std::string time = line.substr(3, shape.size());
    for (std::size_t i = 0; i < shape.size(); ++i) {
        INFO(time);
        CHECK(
            (shape[i] == 'd' ? std::isdigit(static_cast<unsigned char>(time[i])) != 0 : time[i] == shape[i]));
    }
    CHECK(line.substr(3 + shape.size()) == R"( level=warn event=peer_dropped peer=1a5c reason="has space")");
    // The time is the moment of logging, to the millisecond.
    using std::chrono::duration_cast, std::chrono::milliseconds;
    CHECK(time >= log_time(duration_cast<milliseconds>(before.time_since_epoch()).count()));
    CHECK(time <= log_time(duration_cast<milliseconds>(after.time_since_epoch()).count()));
}
