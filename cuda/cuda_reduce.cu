// CUDA backend: row reductions (sum, max) of a row-major (rows, cols) matrix; the twin of
// CpuBackend::reduce_rows. The front end (ops_reduce.cpp) moves the reduced axes last, so every
// reduction here is over contiguous rows. Sums accumulate in double, as on the CPU. Both kernels
// are deterministic: each row's terms are combined in one fixed order.
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

// Rows at most this long get one thread each; longer rows get a block each.
constexpr int64_t kThreadPerRowMaxCols = 64;

// Short rows: one thread per row, in the CPU's order (so sums are bit-identical to the CPU's).
__global__ void reduce_short_rows_kernel(ReduceOp op, float* out, const float* in, int64_t rows,
                                         int64_t cols) {
  for (int64_t r = cuda::first_index(); r < rows; r += cuda::grid_stride()) {
    const float* row = in + r * cols;
    if (op == ReduceOp::Sum) {
      double s = 0;
      for (int64_t j = 0; j < cols; ++j) s += row[j];
      out[r] = (float)s;
    } else {
      cuda::MaxCombine combine;
      float m = -INFINITY;
      for (int64_t j = 0; j < cols; ++j) m = combine(m, row[j]);
      out[r] = m;
    }
  }
}

// Long rows: one block per row (blocks loop over rows when there are more than the grid). Thread
// t combines columns t, t + 256, t + 512, … in order, then the block combines the 256 partials in
// a fixed tree.
__global__ void reduce_long_rows_kernel(ReduceOp op, float* out, const float* in, int64_t rows,
                                        int64_t cols) {
  __shared__ double sum_scratch[kReduceThreads];
  __shared__ float max_scratch[kReduceThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* row = in + r * cols;
    if (op == ReduceOp::Sum) {
      double s = 0;
      for (int64_t j = threadIdx.x; j < cols; j += kReduceThreads) s += row[j];
      s = block_reduce(s, sum_scratch, cuda::SumCombine());
      if (threadIdx.x == 0) out[r] = (float)s;
    } else {
      cuda::MaxCombine combine;
      float m = -INFINITY;
      for (int64_t j = threadIdx.x; j < cols; j += kReduceThreads) m = combine(m, row[j]);
      m = block_reduce(m, max_scratch, combine);
      if (threadIdx.x == 0) out[r] = m;
    }
  }
}

}  // namespace

// out[r] = Σ_j in[r, j]  or  max_j in[r, j];  in (rows, cols), out (rows). An empty row gives 0
// (sum) or -inf (max), as on the CPU.
void CudaBackend::reduce_rows(ReduceOp op, float* out, const float* in, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  if (cols <= kThreadPerRowMaxCols) {
    reduce_short_rows_kernel<<<cuda::blocks_for(rows), cuda::kThreadsPerBlock>>>(op, out, in, rows, cols);
  } else {
    unsigned blocks = (unsigned)std::min<int64_t>(rows, cuda::kMaxBlocks);
    reduce_long_rows_kernel<<<blocks, kReduceThreads>>>(op, out, in, rows, cols);
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
