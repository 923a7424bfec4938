// CPU backend: GEMM through OpenBLAS' cblas_sgemm.
//
// Threads: murine links the OpenMP build of OpenBLAS (libopenblas-openmp-dev), so BLAS and murine's
// own `#pragma omp` loops draw from one OpenMP thread pool (OMP_NUM_THREADS, default: all cores)
// and never oversubscribe the cores. A batch of small matrices runs one sgemm per matrix in an
// OpenMP loop (BLAS then stays single-threaded inside the parallel region); a single or large
// matrix gets all threads inside OpenBLAS.
#include <cblas.h>

#include "tensor/cpu_backend.h"

namespace murine {

// [gemm] C = α·op(A)·op(B) + β·C, row-major, op(A) (m, k), op(B) (k, n), C (m, n)
void CpuBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                      const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                      int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                      int64_t batch) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // empty inner dimension: op(A)·op(B) is all zeros
    for (int64_t i = 0; i < batch; ++i)
      for (int64_t r = 0; r < m; ++r)
        for (int64_t j = 0; j < n; ++j) {
          float& v = c[i * stride_c + r * ldc + j];
          v = beta == 0.0f ? 0.0f : beta * v;
        }
    return;
  }
  auto one = [&](int64_t i) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, alpha, a + i * stride_a, (int)lda, b + i * stride_b, (int)ldb,
                beta, c + i * stride_c, (int)ldc);
  };
  // Many small matrices: one sgemm each, in parallel (worth a thread only past ~2^18 multiply-adds).
  bool small = m * n * k < (int64_t)64 * 64 * 64;
  if (batch > 1 && small) {
#pragma omp parallel for if (batch * m * n * k >= (1 << 18))
    for (int64_t i = 0; i < batch; ++i) one(i);
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i);
  }
}

}  // namespace murine
