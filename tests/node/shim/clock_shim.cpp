// TEST ONLY: an LD_PRELOAD library for the clock-skew tests (tests/node/skew_test.cpp). The wall
// clock (CLOCK_REALTIME and its coarse form, gettimeofday, time) runs CUSTOS_CLOCK_OFFSET_MS
// milliseconds (signed) off the machine's, as a validator's whose NTP is broken would;
// monotonic clocks are the C library's. custos-node reads the wall clock through
// std::chrono::system_clock, which asks clock_gettime.
#include <dlfcn.h>
#include <sys/time.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace {

std::int64_t offset_ms() {
    static const std::int64_t offset = [] {
        const char* text = std::getenv("CUSTOS_CLOCK_OFFSET_MS");
        return text == nullptr ? std::int64_t{0} : static_cast<std::int64_t>(std::strtoll(text, nullptr, 10));
    }();
    return offset;
}

void shift(struct timespec* at) {
    std::int64_t nanos =
        static_cast<std::int64_t>(at->tv_sec) * 1'000'000'000 + at->tv_nsec + offset_ms() * 1'000'000;
    at->tv_sec = static_cast<time_t>(nanos / 1'000'000'000);
    at->tv_nsec = static_cast<long>(nanos % 1'000'000'000);
}

template <typename Function>
Function next_symbol(const char* name) {
    return reinterpret_cast<Function>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int clock_gettime(clockid_t clock, struct timespec* at) {
    static const auto real = next_symbol<int (*)(clockid_t, struct timespec*)>("clock_gettime");
    const int status = real(clock, at);
    if (status == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) shift(at);
    return status;
}

int gettimeofday(struct timeval* at, void* zone) {
    struct timespec now {};
    if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
    at->tv_sec = now.tv_sec;
    at->tv_usec = static_cast<suseconds_t>(now.tv_nsec / 1000);
    (void)zone;
    return 0;
}

time_t time(time_t* out) {
    struct timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    if (out != nullptr) *out = now.tv_sec;
    return now.tv_sec;
}

}  // extern "C"
