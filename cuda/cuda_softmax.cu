// CUDA backend: softmax and log-softmax over the middle axis of a contiguous (outer, n, inner)
// block; the twin of CpuBackend::softmax, with the same three steps (max, Σ exp in double, write).
// softmax: y_i = exp(x_i - max x) / Σ_j exp(x_j - max x); log-softmax: y_i = x_i - max x - log Σ_j exp(x_j - max x)
// The last axis of a long row (inner = 1, n > 64) gets a block per row; every other case gets one
// thread per (outer, inner) pair, whose neighbours read neighbouring addresses when inner > 1.
#include <algorithm>
#include <cmath>

#include "cuda/block_reduce.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace murine {

using cuda::block_reduce;
using cuda::kReduceThreads;

namespace {

constexpr int64_t kThreadPerRowMaxN = 64;

// One thread per (o, k): the softmax of x[o, :, k] (n values, `inner` apart), in the CPU's order.
__global__ void softmax_columns_kernel(float* out, const float* in, int64_t outer, int64_t n,
                                       int64_t inner, bool log) {
  const int64_t pairs = outer * inner;
  for (int64_t t = cuda::first_index(); t < pairs; t += cuda::grid_stride()) {
    const int64_t o = t / inner, k = t % inner;
    const float* x = in + o * n * inner + k;
    float* y = out + o * n * inner + k;
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = fmaxf(m, x[i * inner]);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += ::exp((double)(x[i * inner] - m));
    if (log) {
      float log_s = (float)::log(s);
      for (int64_t i = 0; i < n; ++i) y[i * inner] = x[i * inner] - m - log_s;
    } else {
      float inv = (float)(1.0 / s);
      for (int64_t i = 0; i < n; ++i) y[i * inner] = expf(x[i * inner] - m) * inv;
    }
  }
}

// inner = 1: one block per row of n contiguous values (blocks loop over rows past the grid).
// Thread t handles columns t, t + 256, …; the max and the sum are combined across the block in a
// fixed tree, so the result is deterministic.
__global__ void softmax_rows_kernel(float* out, const float* in, int64_t rows, int64_t n, bool log) {
  __shared__ float max_scratch[kReduceThreads];
  __shared__ double sum_scratch[kReduceThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* x = in + r * n;
    float* y = out + r * n;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += kReduceThreads) m = fmaxf(m, x[i]);
    m = block_reduce(m, max_scratch, cuda::FmaxCombine());
    double s = 0;
    for (int64_t i = threadIdx.x; i < n; i += kReduceThreads) s += ::exp((double)(x[i] - m));
    s = block_reduce(s, sum_scratch, cuda::SumCombine());
    if (log) {
      float log_s = (float)::log(s);
      for (int64_t i = threadIdx.x; i < n; i += kReduceThreads) y[i] = x[i] - m - log_s;
    } else {
      float inv = (float)(1.0 / s);
      for (int64_t i = threadIdx.x; i < n; i += kReduceThreads) y[i] = expf(x[i] - m) * inv;
    }
  }
}

}  // namespace

// in, out (outer, n, inner), contiguous; the softmax runs over n for each (outer, inner) pair.
void CudaBackend::softmax(float* out, const float* in, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  if (inner == 1 && n > kThreadPerRowMaxN) {
    unsigned blocks = (unsigned)std::min<int64_t>(outer, cuda::kMaxBlocks);
    softmax_rows_kernel<<<blocks, kReduceThreads>>>(out, in, outer, n, log);
  } else {
    softmax_columns_kernel<<<cuda::blocks_for(outer * inner), cuda::kThreadsPerBlock>>>(
        out, in, outer, n, inner, log);
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
