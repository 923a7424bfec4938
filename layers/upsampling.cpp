// UpSampling2D.
#include "layers/upsampling.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/error.h"

namespace murine {

UpSampling2D::UpSampling2D(UpSampling2DOptions options) : options_(std::move(options)) {
  const Pair& s = options_.size;
  MURINE_CHECK(s.h > 0 && s.w > 0, "UpSampling2D: size must be positive, got (" << s.h << ", " << s.w << ")");
  MURINE_CHECK(options_.interpolation == "nearest" || options_.interpolation == "bilinear",
               "UpSampling2D: unknown interpolation '" << options_.interpolation
                                                       << "' (use \"nearest\" or \"bilinear\")");
}

// [bilinear] src(i) = clamp((i + ½)/s − ½, 0, n − 1), i0 = ⌊src⌋, t = src − i0:
//   A[i, i0] += 1 − t, A[i, min(i0 + 1, n − 1)] += t   (A is (n·s × n); each row sums to 1)
Tensor bilinear_matrix(int64_t n, int64_t scale, Device device) {
  const int64_t out = n * scale;
  std::vector<float> a((size_t)(out * n), 0.0f);
  for (int64_t i = 0; i < out; ++i) {
    double src = ((double)i + 0.5) / (double)scale - 0.5;
    src = std::clamp(src, 0.0, (double)(n - 1));
    const int64_t i0 = (int64_t)std::floor(src), i1 = std::min(i0 + 1, n - 1);
    const double t = src - (double)i0;
    a[(size_t)(i * n + i0)] += (float)(1.0 - t);
    a[(size_t)(i * n + i1)] += (float)t;
  }
  return from_vector(a, {out, n}).to(device);
}

// x (N, C, H, W) → y (N, C, H·sh, W·sw).
Tensor UpSampling2D::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, "UpSampling2D: expects input (N, C, H, W), got " << shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const Pair s = options_.size;
  if (options_.interpolation == "nearest") {
    // [nearest upsampling] y[n,c,i,j] = x[n,c,⌊i/sh⌋,⌊j/sw⌋];  dx = the sum of dy over each sh×sw block
    // (N, C, H, 1, W, 1) broadcast to (N, C, H, sh, W, sw), then viewed as (N, C, H·sh, W·sw).
    Tensor repeated = broadcast_to(reshape(x, {N, C, H, 1, W, 1}), {N, C, H, s.h, W, s.w});
    return reshape(repeated, {N, C, H * s.h, W * s.w});
  }
  MURINE_CHECK(H > 0 && W > 0, "UpSampling2D: bilinear interpolation needs a non-empty image, got input "
                                    << shape_str(x.shape()));
  // [bilinear] y = A_h · x · A_wᵀ per (n, c) image;  dx = A_hᵀ · dy · A_w (matmul's backward)
  Tensor a_h = bilinear_matrix(H, s.h, x.device()), a_w = bilinear_matrix(W, s.w, x.device());
  Tensor rows_resized = linear(x, a_w, Tensor());  // (N, C, H, W·sw) = x · A_wᵀ
  return matmul(a_h, rows_resized);                 // (N, C, H·sh, W·sw) = A_h · (x · A_wᵀ)
}

}  // namespace murine
