// CPU backend: group normalisation, forward and backward, one pass each over its (n, g) groups.
// Each group of sample n is one contiguous block of (C/G)·S values (GroupNormGeometry), so the rows
// are independent: OpenMP over them. Sums run in float lanes over short chunks (vectorised) and the
// chunks are added in double, so the statistics are accurate to float precision at any group size.
#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/cpu_backend.h"

namespace murine {

namespace {

constexpr int64_t kChunk = 512;  // values summed in float before the chunk's total joins a double

// Σ x[i] for i in [0, n)
double sum_of(const float* x, int64_t n) {
  double total = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    float chunk = 0;
#pragma omp simd reduction(+ : chunk)
    for (int64_t i = start; i < end; ++i) chunk += x[i];
    total += chunk;
  }
  return total;
}

// Σ (x[i] − mean)² for i in [0, n)
double centered_squares_of(const float* x, int64_t n, float mean) {
  double total = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    float chunk = 0;
#pragma omp simd reduction(+ : chunk)
    for (int64_t i = start; i < end; ++i) chunk += (x[i] - mean) * (x[i] - mean);
    total += chunk;
  }
  return total;
}

// Σ dy[i] and Σ dy[i]·(x[i] − mean) for i in [0, n), in one pass
void gradient_sums_of(const float* dy, const float* x, int64_t n, float mean, double& sum_dy,
                      double& sum_dy_centered) {
  sum_dy = sum_dy_centered = 0;
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    float chunk_dy = 0, chunk_dy_centered = 0;
#pragma omp simd reduction(+ : chunk_dy, chunk_dy_centered)
    for (int64_t i = start; i < end; ++i) {
      chunk_dy += dy[i];
      chunk_dy_centered += dy[i] * (x[i] - mean);
    }
    sum_dy += chunk_dy;
    sum_dy_centered += chunk_dy_centered;
  }
}

}  // namespace

// [group norm] μ_ng = (1/m) Σ x over the m = (C/G)·S values of group g of sample n, σ²_ng = (1/m) Σ (x − μ_ng)²,
//   rstd_ng = 1/√(σ²_ng + ε);  y = (x − μ_ng)·rstd_ng·γ_c + β_c
// x, y (N, C, S); mean, rstd (N, G); gamma, beta (C) or null.
void CpuBackend::group_norm_forward(const GroupNormGeometry& g, const float* x, const float* gamma,
                                    const float* beta, float epsilon, float* y, float* mean, float* rstd) {
  const int64_t rows = g.batch * g.groups, m = g.group_size(), per_group = g.channels_per_group();
  const int64_t S = g.positions;
#pragma omp parallel for if (rows * m > 32768)
  for (int64_t row = 0; row < rows; ++row) {
    const float* xr = x + row * m;
    float* yr = y + row * m;
    const float mu = (float)(sum_of(xr, m) / (double)m);
    const double variance = centered_squares_of(xr, m, mu) / (double)m;
    const float r = (float)(1.0 / std::sqrt(variance + (double)epsilon));
    mean[row] = mu;
    rstd[row] = r;
    const int64_t first_channel = (row % g.groups) * per_group;
    for (int64_t k = 0; k < per_group; ++k) {
      const int64_t c = first_channel + k;
      const float scale = r * (gamma ? gamma[c] : 1.0f), shift = beta ? beta[c] : 0.0f;
      const float* xc = xr + k * S;
      float* yc = yr + k * S;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) yc[s] = (xc[s] - mu) * scale + shift;
    }
  }
}

// [d group norm] x̂ = (x − μ)·rstd, dx̂ = dy·γ_c, over each group (m values):
//   dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂));  dγ_c = Σ_{n,s} dy·x̂;  dβ_c = Σ_{n,s} dy
// dy, x, dx (N, C, S); mean, rstd (N, G); gamma, dgamma, dbeta (C) or null.
void CpuBackend::group_norm_backward(const GroupNormGeometry& g, const float* dy, const float* x,
                                     const float* mean, const float* rstd, const float* gamma, float* dx,
                                     float* dgamma, float* dbeta) {
  const int64_t rows = g.batch * g.groups, m = g.group_size(), per_group = g.channels_per_group();
  const int64_t S = g.positions, C = g.channels;
  // Per (n, c): Σ_s dy and Σ_s dy·(x − μ), the terms every gradient is made of.
  std::vector<double> sum_dy((size_t)(g.batch * C)), sum_dy_centered((size_t)(g.batch * C));
#pragma omp parallel for if (rows * m > 32768)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t n = row / g.groups, first_channel = (row % g.groups) * per_group;
    const float mu = mean[row], r = rstd[row];
    double mean_dxhat = 0, mean_dxhat_xhat = 0;  // m · mean(dx̂) and m · mean(dx̂·x̂)/rstd, summed below
    for (int64_t k = 0; k < per_group; ++k) {
      const int64_t c = first_channel + k, nc = n * C + c;
      gradient_sums_of(dy + row * m + k * S, x + row * m + k * S, S, mu, sum_dy[nc], sum_dy_centered[nc]);
      const double gamma_c = gamma ? gamma[c] : 1.0;
      mean_dxhat += gamma_c * sum_dy[nc];
      mean_dxhat_xhat += gamma_c * sum_dy_centered[nc];
    }
    if (!dx) continue;
    mean_dxhat /= (double)m;
    mean_dxhat_xhat *= (double)r / (double)m;
    // dx = rstd·(γ_c·dy − mean(dx̂)) − (x − μ)·rstd²·mean(dx̂·x̂): the two dx̂ terms cancel before
    // rstd scales them (a group of one value gives dx = 0 exactly, whatever rstd)
    const float mean_f = (float)mean_dxhat, slope = (float)(-(double)r * r * mean_dxhat_xhat);
    for (int64_t k = 0; k < per_group; ++k) {
      const int64_t c = first_channel + k;
      const float gamma_c = gamma ? gamma[c] : 1.0f;
      const float* dyc = dy + row * m + k * S;
      const float* xc = x + row * m + k * S;
      float* dxc = dx + row * m + k * S;
#pragma omp simd
      for (int64_t s = 0; s < S; ++s) dxc[s] = r * (gamma_c * dyc[s] - mean_f) + (xc[s] - mu) * slope;
    }
  }
  // dγ_c = Σ_n rstd_ng·Σ_s dy·(x − μ_ng), dβ_c = Σ_n Σ_s dy: over the samples in order.
  for (int64_t c = 0; c < C; ++c) {
    double dgamma_c = 0, dbeta_c = 0;
    for (int64_t n = 0; n < g.batch; ++n) {
      dgamma_c += (double)rstd[n * g.groups + c / per_group] * sum_dy_centered[n * C + c];
      dbeta_c += sum_dy[n * C + c];
    }
    if (dgamma) dgamma[c] = (float)dgamma_c;
    if (dbeta) dbeta[c] = (float)dbeta_c;
  }
}

}  // namespace murine
