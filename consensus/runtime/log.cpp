#include "consensus/runtime/log.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "crypto/encoding.hpp"
#include "ledger/time.hpp"

namespace custos::runtime {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;  // Guarded by g_sink_mutex.

bool needs_quotes(std::string_view value) {
    if (value.empty()) return true;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == '"' || c == '=' || c == '\\') return true;
    }
    return false;
}

void append_quoted(std::string& out, std::string_view value) {
    static constexpr char digits[] = "0123456789abcdef";
    out.push_back('"');
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out.push_back(digits[byte >> 4]);
            out.push_back(digits[byte & 0x0f]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
}

}  // namespace

std::string_view log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warn:
            return "warn";
        case LogLevel::error:
            return "error";
    }
    return "unknown";
}

void set_log_level(LogLevel level) {
    g_level.store(level, std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) {
    return level >= g_level.load(std::memory_order_relaxed);
}

void set_log_sink(std::function<void(std::string_view line)> sink) {
    const std::lock_guard lock(g_sink_mutex);
    g_sink = std::move(sink);
}

void append_log_time(std::string& out, std::chrono::system_clock::time_point now) {
    // The ledger's own format (ledger/time.hpp); a clock outside its years shows as the bound.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    out += ledger::format_time(ledger::TimeMs{std::clamp<std::int64_t>(ms, 0, ledger::time_ms_max)});
}

LogLine::LogLine(LogLevel level, std::string_view event) : enabled_(log_enabled(level)) {
    if (!enabled_) return;
    text_.reserve(192);
    text_ += "ts=";
    append_log_time(text_, std::chrono::system_clock::now());
    text_ += " level=";
    text_ += log_level_name(level);
    field("event", event);
}

LogLine::~LogLine() {
    if (!enabled_) return;
    const std::lock_guard lock(g_sink_mutex);
    if (g_sink) {
        g_sink(text_);
        return;
    }
    text_.push_back('\n');
    std::fwrite(text_.data(), 1, text_.size(), stderr);
}

LogLine& LogLine::field(std::string_view key, std::string_view value) {
    if (!enabled_) return *this;
    if (!text_.empty()) text_.push_back(' ');
    text_ += key;
    text_.push_back('=');
    if (needs_quotes(value)) {
        append_quoted(text_, value);
    } else {
        text_ += value;
    }
    return *this;
}

LogLine& LogLine::field(std::string_view key, std::uint64_t value) {
    return field(key, std::string_view(std::to_string(value)));
}

LogLine& LogLine::field(std::string_view key, std::int64_t value) {
    return field(key, std::string_view(std::to_string(value)));
}

std::string short_key(const crypto::PublicKey& key) {
    return crypto::hex_encode(key.view().first(8));
}

}  // namespace custos::runtime
