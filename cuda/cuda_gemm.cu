// CUDA backend: GEMM through cuBLAS; the twin of tensor/cpu_gemm.cpp.
//
// cuBLAS is column-major and murine is row-major. A row-major (r, c) matrix with leading
// dimension ld is, byte for byte, the column-major (c, r) matrix — its transpose — with the same
// ld. So the row-major product C = op(A)·op(B) is the column-major product
//   Cᵀ = op(B)ᵀ·op(A)ᵀ,
// which is one cuBLAS call with A and B swapped, m and n swapped, and the same trans flags.
#include <climits>
#include <mutex>

#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "tensor/error.h"
#include "tensor/gemm_mode.h"

namespace murine {

namespace {

// One cuBLAS handle for the process, created on first use, on the default stream. Never
// destroyed: cublasDestroy during static destruction may run after the CUDA runtime is gone.
cublasHandle_t cublas() {
  static std::once_flag once;
  static cublasHandle_t handle = nullptr;
  std::call_once(once, [] {
    CUBLAS_CHECK(cublasCreate(&handle));
    // Plain FP32 products: no TF32 tensor-core rounding, so results track the CPU's to ~1e-6.
    CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));
  });
  // TF32 only when asked for (tensor/gemm_mode.h); the handle's mode follows the switch.
  static bool tf32 = false;
  if (bool want = gemm_tf32(); want != tf32) {
    CUBLAS_CHECK(cublasSetMathMode(handle, want ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    tf32 = want;
  }
  return handle;
}

int as_int(int64_t v, const char* what) {
  MURINE_CHECK(v <= INT_MAX, "gemm: " << what << " = " << v << " exceeds cuBLAS's 32-bit int limit");
  return (int)v;
}

// C = β·C over `batch` (rows, cols) matrices; β = 0 writes zeros (never 0·NaN), as the CPU does.
__global__ void scale_kernel(float* c, int64_t rows, int64_t cols, int64_t ldc, int64_t stride_c,
                             int64_t batch, float beta) {
  int64_t n = batch * rows * cols;
  for (int64_t i = cuda::first_index(); i < n; i += cuda::grid_stride()) {
    int64_t j = i % cols, r = (i / cols) % rows, b = i / (cols * rows);
    float& v = c[b * stride_c + r * ldc + j];
    v = beta == 0.0f ? 0.0f : beta * v;
  }
}

}  // namespace

// [gemm] C = α·op(A)·op(B) + β·C, row-major, op(A) (m, k), op(B) (k, n), C (m, n)
void CudaBackend::gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
                       int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
                       int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {  // empty inner dimension: op(A)·op(B) is all zeros, C = β·C (0 when β = 0)
    scale_kernel<<<cuda::blocks_for(batch * m * n), cuda::kThreadsPerBlock>>>(c, m, n, ldc, stride_c,
                                                                                batch, beta);
    CUDA_CHECK_LAUNCH();
    return;
  }
  cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  // Column-major view: Cᵀ (n, m) = op(B)ᵀ (n, k) · op(A)ᵀ (k, m).
  int cm = as_int(n, "n"), cn = as_int(m, "m"), ck = as_int(k, "k");
  int ld_a = as_int(lda, "lda"), ld_b = as_int(ldb, "ldb"), ld_c = as_int(ldc, "ldc");
  if (batch == 1) {
    CUBLAS_CHECK(cublasSgemm(cublas(), op_b, op_a, cm, cn, ck, &alpha, b, ld_b, a, ld_a, &beta, c, ld_c));
  } else {
    CUBLAS_CHECK(cublasSgemmStridedBatched(cublas(), op_b, op_a, cm, cn, ck, &alpha, b, ld_b, stride_b,
                                           a, ld_a, stride_a, &beta, c, ld_c, stride_c,
                                           as_int(batch, "batch")));
  }
}

}  // namespace murine
