// A tiny structured logger: one line per event on stderr, `key=value` pairs, so an operator can
// grep and a machine can parse. Each line starts with its UTC wall-clock time (RFC 3339, ms).
// Example:
//   ts=2026-11-29T10:12:00.123Z level=warn event=peer_dropped peer=1a5cd907143c384c reason=decrypt_failed
// Values that hold spaces, quotes, '=' or control bytes are quoted with `"` and escaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/ed25519.hpp"

namespace custos::runtime {

enum class LogLevel : std::uint8_t { debug, info, warn, error };

[[nodiscard]] std::string_view log_level_name(LogLevel level);

// The lowest level written; lines below it cost one comparison. Default: info.
void set_log_level(LogLevel level);
[[nodiscard]] bool log_enabled(LogLevel level);

// Replaces stderr as the destination of whole lines (without the trailing newline); tests use
// it to read what was logged. An empty function restores stderr.
void set_log_sink(std::function<void(std::string_view line)> sink);

// Builds one line and writes it when destroyed, as a single write so lines from several threads
// do not interleave. Use through log_line(): `log_line(LogLevel::warn, "peer_dropped")
// .field("peer", hex).field("reason", "decrypt_failed");`
class LogLine {
public:
    LogLine(LogLevel level, std::string_view event);
    LogLine(const LogLine&) = delete;
    LogLine& operator=(const LogLine&) = delete;
    ~LogLine();

    LogLine& field(std::string_view key, std::string_view value);
    LogLine& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    LogLine& field(std::string_view key, const std::string& value) {
        return field(key, std::string_view(value));
    }
    LogLine& field(std::string_view key, std::uint64_t value);
    LogLine& field(std::string_view key, std::int64_t value);
    LogLine& field(std::string_view key, int value) { return field(key, static_cast<std::int64_t>(value)); }
    LogLine& field(std::string_view key, unsigned value) {
        return field(key, static_cast<std::uint64_t>(value));
    }

private:
    bool enabled_ = false;
    std::string text_;
};

// Appends `now` as the `ts` field shows it: 2026-11-29T10:12:00.123Z (UTC, milliseconds).
void append_log_time(std::string& out, std::chrono::system_clock::time_point now);

// Enough of a key to tell nodes apart in a log line: its first 8 bytes, in hex.
[[nodiscard]] std::string short_key(const crypto::PublicKey& key);

inline LogLine log_line(LogLevel level, std::string_view event) {
    return {level, event};
}

}  // namespace custos::runtime
