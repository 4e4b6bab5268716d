// The calling thread's CPU time, for the benchmarks: on a shared machine, work per CPU-second is
// the figure for "one core"; wall-clock figures are lower whenever the machine is busy.
#pragma once

#include <time.h>

namespace custos::cli {

inline double thread_cpu_seconds() {
    timespec now{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

}  // namespace custos::cli
