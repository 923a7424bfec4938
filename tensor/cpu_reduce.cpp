// CPU backend: row reductions and softmax. The front end (ops_reduce.cpp) moves the reduced axes
// last, so every reduction here is over contiguous rows.
#include <cmath>
#include <limits>

#include "tensor/cpu_backend.h"

namespace murine {

void CpuBackend::reduce_rows(ReduceOp op, float* out, const float* in, int64_t rows, int64_t cols) {
#pragma omp parallel for if (rows * cols > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = in + r * cols;
    if (op == ReduceOp::Sum) {
      double s = 0;  // double accumulator: sums of many floats stay exact to float precision
      for (int64_t j = 0; j < cols; ++j) s += row[j];
      out[r] = (float)s;
    } else {
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < cols; ++j) {
        if (std::isnan(row[j])) { m = row[j]; break; }  // NaN propagates, as in NumPy
        if (row[j] > m) m = row[j];
      }
      out[r] = m;
    }
  }
}

// [softmax] y_i = exp(x_i - max x) / Σ_j exp(x_j - max x);  [log_softmax] y_i = x_i - max x - log Σ_j exp(x_j - max x)
// Shapes: in, out (outer, n, inner); the softmax runs over n for each (outer, inner) pair.
void CpuBackend::softmax(float* out, const float* in, int64_t outer, int64_t n, int64_t inner, bool log) {
#pragma omp parallel for collapse(2) if (outer * n * inner > 32768)
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < inner; ++k) {
      const float* x = in + o * n * inner + k;
      float* y = out + o * n * inner + k;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < n; ++i) m = std::fmax(m, x[i * inner]);
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::exp((double)(x[i * inner] - m));
      if (log) {
        float log_s = (float)std::log(s);
        for (int64_t i = 0; i < n; ++i) y[i * inner] = x[i * inner] - m - log_s;
      } else {
        float inv = (float)(1.0 / s);
        for (int64_t i = 0; i < n; ++i) y[i * inner] = std::exp(x[i * inner] - m) * inv;
      }
    }
  }
}

}  // namespace murine
