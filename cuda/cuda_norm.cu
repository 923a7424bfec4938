// CUDA backend: group normalisation, forward and backward; the twin of tensor/cpu_norm.cpp.
//
// forward: one block per (n, g) group (a contiguous block of m = (C/G)·S values): the block sums the
// group in double (each thread a strided share, then a fixed tree), then the centred squares, then
// writes y. backward: one block per group sums Σ dy and Σ dy·(x − μ) per channel into a scratch
// (N, C) pair, forms the group's two means and writes dx; then one thread per channel adds the
// samples' terms in order for dγ and dβ, as the CPU does. Deterministic: no atomics.
#include <algorithm>
#include <cmath>

#include "cuda/allocator.h"
#include "cuda/block_reduce.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace murine {

using cuda::block_reduce;
using cuda::kReduceThreads;

namespace {

// [group norm] μ_ng = (1/m) Σ x, σ²_ng = (1/m) Σ (x − μ_ng)², rstd_ng = 1/√(σ²_ng + ε);  y = (x − μ_ng)·rstd_ng·γ_c + β_c
// Block b (looping over the N·G groups) handles group `row`; element i of it is channel first + i / S.
__global__ void group_norm_forward_kernel(GroupNormGeometry g, const float* x, const float* gamma,
                                          const float* beta, float epsilon, float* y, float* mean,
                                          float* rstd) {
  __shared__ double scratch[kReduceThreads];
  const int64_t rows = g.batch * g.groups, per_group = g.channels / g.groups, m = per_group * g.positions;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const float* xr = x + row * m;
    float* yr = y + row * m;
    double s = 0;
    for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) s += xr[i];
    const float mu = (float)(block_reduce(s, scratch, cuda::SumCombine()) / (double)m);
    double squares = 0;
    for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) {
      const double d = (double)(xr[i] - mu);
      squares += d * d;
    }
    const double variance = block_reduce(squares, scratch, cuda::SumCombine()) / (double)m;
    const float r = (float)(1.0 / sqrt(variance + (double)epsilon));
    if (threadIdx.x == 0) {
      mean[row] = mu;
      rstd[row] = r;
    }
    const int64_t first_channel = (row % g.groups) * per_group;
    for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) {
      const int64_t c = first_channel + i / g.positions;
      const float scale = r * (gamma ? gamma[c] : 1.0f), shift = beta ? beta[c] : 0.0f;
      yr[i] = (xr[i] - mu) * scale + shift;
    }
  }
}

// [d group norm] x̂ = (x − μ)·rstd, dx̂ = dy·γ_c:  dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))
// Per group: sum_dy[n, c] = Σ_s dy, sum_dy_centered[n, c] = Σ_s dy·(x − μ) for its channels, then dx.
__global__ void group_norm_backward_kernel(GroupNormGeometry g, const float* dy, const float* x,
                                           const float* mean, const float* rstd, const float* gamma,
                                           float* dx, double* sum_dy, double* sum_dy_centered) {
  __shared__ double scratch[kReduceThreads];
  const int64_t rows = g.batch * g.groups, per_group = g.channels / g.groups, S = g.positions;
  const int64_t m = per_group * S;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const int64_t n = row / g.groups, first_channel = (row % g.groups) * per_group;
    const float mu = mean[row], r = rstd[row];
    double mean_dxhat = 0, mean_dxhat_xhat = 0;  // as on the CPU: m·mean(dx̂), then m·mean(dx̂·x̂)/rstd
    for (int64_t k = 0; k < per_group; ++k) {
      const int64_t c = first_channel + k;
      const float* dyc = dy + row * m + k * S;
      const float* xc = x + row * m + k * S;
      double a = 0, b = 0;
      for (int64_t s = threadIdx.x; s < S; s += kReduceThreads) {
        a += dyc[s];
        b += (double)dyc[s] * (double)(xc[s] - mu);
      }
      a = block_reduce(a, scratch, cuda::SumCombine());
      b = block_reduce(b, scratch, cuda::SumCombine());
      if (threadIdx.x == 0) {
        sum_dy[n * g.channels + c] = a;
        sum_dy_centered[n * g.channels + c] = b;
      }
      const double gamma_c = gamma ? gamma[c] : 1.0;
      mean_dxhat += gamma_c * a;
      mean_dxhat_xhat += gamma_c * b;
    }
    if (!dx) continue;
    mean_dxhat /= (double)m;
    mean_dxhat_xhat *= (double)r / (double)m;
    // dx = rstd·(γ_c·dy − mean(dx̂)) − (x − μ)·rstd²·mean(dx̂·x̂): the two dx̂ terms cancel before
    // rstd scales them (a group of one value gives dx = 0 exactly, whatever rstd)
    const float mean_f = (float)mean_dxhat, slope = (float)(-(double)r * r * mean_dxhat_xhat);
    for (int64_t i = threadIdx.x; i < m; i += kReduceThreads) {
      const int64_t c = first_channel + i / S;
      const float gamma_c = gamma ? gamma[c] : 1.0f;
      dx[row * m + i] = r * (gamma_c * dy[row * m + i] - mean_f) + (x[row * m + i] - mu) * slope;
    }
  }
}

// dγ_c = Σ_n rstd_ng·sum_dy_centered[n, c], dβ_c = Σ_n sum_dy[n, c], over the samples in order.
__global__ void group_norm_parameter_gradients_kernel(GroupNormGeometry g, const float* rstd,
                                                      const double* sum_dy, const double* sum_dy_centered,
                                                      float* dgamma, float* dbeta) {
  const int64_t per_group = g.channels / g.groups;
  for (int64_t c = cuda::first_index(); c < g.channels; c += cuda::grid_stride()) {
    double dgamma_c = 0, dbeta_c = 0;
    for (int64_t n = 0; n < g.batch; ++n) {
      dgamma_c += (double)rstd[n * g.groups + c / per_group] * sum_dy_centered[n * g.channels + c];
      dbeta_c += sum_dy[n * g.channels + c];
    }
    if (dgamma) dgamma[c] = (float)dgamma_c;
    if (dbeta) dbeta[c] = (float)dbeta_c;
  }
}

unsigned blocks_for_rows(int64_t rows) { return (unsigned)std::min<int64_t>(rows, cuda::kMaxBlocks); }

}  // namespace

void CudaBackend::group_norm_forward(const GroupNormGeometry& g, const float* x, const float* gamma,
                                     const float* beta, float epsilon, float* y, float* mean, float* rstd) {
  const int64_t rows = g.batch * g.groups;
  if (rows == 0 || g.group_size() == 0) return;
  group_norm_forward_kernel<<<blocks_for_rows(rows), kReduceThreads>>>(g, x, gamma, beta, epsilon, y, mean, rstd);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::group_norm_backward(const GroupNormGeometry& g, const float* dy, const float* x,
                                      const float* mean, const float* rstd, const float* gamma, float* dx,
                                      float* dgamma, float* dbeta) {
  const int64_t rows = g.batch * g.groups;
  if (rows == 0 || g.group_size() == 0) return;
  // One stream: the scratch can go back to the allocator as soon as the kernels are queued.
  const size_t bytes = (size_t)(g.batch * g.channels) * sizeof(double);
  auto* sum_dy = static_cast<double*>(cuda::device_allocator().allocate(bytes));
  auto* sum_dy_centered = static_cast<double*>(cuda::device_allocator().allocate(bytes));
  group_norm_backward_kernel<<<blocks_for_rows(rows), kReduceThreads>>>(g, dy, x, mean, rstd, gamma, dx, sum_dy,
                                                                        sum_dy_centered);
  CUDA_CHECK_LAUNCH();
  if (dgamma || dbeta) {
    group_norm_parameter_gradients_kernel<<<cuda::blocks_for(g.channels), cuda::kThreadsPerBlock>>>(
        g, rstd, sum_dy, sum_dy_centered, dgamma, dbeta);
    CUDA_CHECK_LAUNCH();
  }
  cuda::device_allocator().deallocate(sum_dy);
  cuda::device_allocator().deallocate(sum_dy_centered);
}

}  // namespace murine
