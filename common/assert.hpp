// Assertions that stay on in release builds. A broken invariant is a bug: crash with context
// rather than carry on with a state nobody can reason about.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace custos::detail {

[[noreturn]] inline void assert_fail(const char* expression, const char* file, int line,
                                     const char* message) {
    std::fprintf(stderr, "level=fatal event=assertion_failed expr=\"%s\" file=%s line=%d msg=\"%s\"\n",
                 expression, file, line, message);
    std::fflush(stderr);
    std::abort();
}

}  // namespace custos::detail

// CUSTOS_ASSERT(condition, "why this must hold"): evaluated in every build type.
#define CUSTOS_ASSERT(condition, message)                                             \
    do {                                                                              \
        if (!(condition)) [[unlikely]] {                                              \
            ::custos::detail::assert_fail(#condition, __FILE__, __LINE__, (message)); \
        }                                                                             \
    } while (false)
