// `murine bench sgemm [--size N] [--threads T] [--repeats R]`: times C = A·B for square N×N float32
// matrices straight through OpenBLAS' cblas_sgemm (not murine's backend, so the figure is the library's
// own rate on this machine), best of R calls after one untimed call, and reports 2·N³ / best time.
// bench/compare_cpu.sh measures it once per thread count, as the 100 % against which a model's GFLOP/s
// is read. Two lines go to stdout, one for people and one of key=value pairs in `murine bench`'s form,
//   bench framework=openblas model=sgemm device=cpu threads=1 size=2048 repeats=5 ms_per_call=...
//     ... min_ms=... gflops=...
// (gflops from the fastest call, ms_per_call the median).
#include "tools/cmd_bench_sgemm.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "tensor/error.h"

namespace murine::cli {

namespace {

constexpr const char* kOp = "murine bench sgemm";

struct BenchSgemmArgs {
  int64_t size = 2048, threads = 0, repeats = 5;
};

int run_bench_sgemm(const BenchSgemmArgs& a) {
  MURINE_CHECK(a.size > 0 && a.size <= 16384, kOp << ": --size must be in [1, 16384], got " << a.size);
  MURINE_CHECK(a.repeats > 0, kOp << ": --repeats must be positive, got " << a.repeats);
  MURINE_CHECK(a.threads >= 0, kOp << ": --threads must be >= 0 (0: all cores), got " << a.threads);
  int threads = 1;
#ifdef _OPENMP
  if (a.threads > 0) omp_set_num_threads((int)a.threads);
  threads = omp_get_max_threads();
#endif
  const int n = (int)a.size;
  // A and B hold small varied values (no denormals, no zeros that a kernel could skip).
  std::vector<float> A((size_t)n * n), B((size_t)n * n), C((size_t)n * n, 0.0f);
  for (size_t i = 0; i < A.size(); ++i) {
    A[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
    B[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
  }
  using Clock = std::chrono::steady_clock;
  auto timed_call = [&] {
    const auto t0 = Clock::now();
    // C (n, n) = A (n, n) · B (n, n)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f,
                C.data(), n);
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  };
  timed_call();  // untimed: OpenBLAS' threads and buffers start here
  std::vector<double> ms;
  for (int64_t i = 0; i < a.repeats; ++i) ms.push_back(timed_call());
  std::sort(ms.begin(), ms.end());
  const size_t count = ms.size();
  const double median = count % 2 ? ms[count / 2] : 0.5 * (ms[count / 2 - 1] + ms[count / 2]);
  const double gflops = 2.0 * (double)n * n * n * 1e-9 / (ms.front() / 1000.0);
  std::printf("openblas sgemm %dx%d (%d threads): %.1f ms/call median (min %.1f, max %.1f over %lld calls), "
              "%.1f GFLOP/s from the fastest\n",
              n, n, threads, median, ms.front(), ms.back(), (long long)a.repeats, gflops);
  std::printf("bench framework=openblas model=sgemm device=cpu threads=%d size=%d repeats=%lld ms_per_call=%.2f "
              "min_ms=%.2f gflops=%.2f\n",
              threads, n, (long long)a.repeats, median, ms.front(), gflops);
  return 0;
}

}  // namespace

Command add_bench_sgemm_command(CLI::App& bench) {
  auto a = std::make_shared<BenchSgemmArgs>();
  CLI::App* sub = bench.add_subcommand("sgemm", "time a large square OpenBLAS sgemm (the machine's GEMM rate)");
  sub->add_option("--size", a->size, "N of the N x N matrices")->capture_default_str();
  sub->add_option("--threads", a->threads, "OpenMP threads (0: OMP_NUM_THREADS or all cores)");
  sub->add_option("--repeats", a->repeats, "timed calls (the fastest gives gflops)")->capture_default_str();
  return {sub, [a] { return run_bench_sgemm(*a); }};
}

}  // namespace murine::cli
