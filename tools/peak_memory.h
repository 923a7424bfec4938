// The process's peak resident set size, for the benchmarks' `peak_rss_mb=` (getrusage's ru_maxrss,
// which Linux gives in KiB; the peak since the process started, set-up included).
#pragma once
#include <sys/resource.h>

namespace murine::cli {

inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (double)usage.ru_maxrss / 1024.0;
}

}  // namespace murine::cli
