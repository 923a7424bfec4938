// AveragePooling2D.
#include "layers/pooling.h"

#include "tensor/error.h"

namespace murine {

AveragePooling2D::AveragePooling2D(AveragePooling2DOptions options) : options_(std::move(options)) {
  const Pair& k = options_.pool_size;
  MURINE_CHECK(k.h > 0 && k.w > 0, "AveragePooling2D: pool_size must be positive, got (" << k.h << ", " << k.w << ")");
  if (options_.strides.h == 0 && options_.strides.w == 0) options_.strides = k;
  const Pair& s = options_.strides;
  MURINE_CHECK(s.h > 0 && s.w > 0, "AveragePooling2D: strides must be positive, got (" << s.h << ", " << s.w << ")");
  MURINE_CHECK(options_.padding == "valid" || options_.padding == "same",
               "AveragePooling2D: unknown padding '" << options_.padding << "' (use \"valid\" or \"same\")");
}

// [average pooling] y[n,c,i,j] = (1/|W_ij|) Σ_{(a,b) ∈ W_ij} x[n,c,a,b], W_ij = the window's cells inside x
//   (|W_ij| = kh·kw for "valid"; fewer at the edges for "same", as Keras/TF);  dx[a,b] = Σ_{ij ∋ (a,b)} dy[i,j]/|W_ij|
// x (N, C, H, W) → y (N, C, OH, OW): OH = ⌊(H − kh)/sh⌋ + 1 ("valid") or ⌈H/sh⌉ ("same").
Tensor AveragePooling2D::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, "AveragePooling2D: expects input (N, C, H, W), got " << shape_str(x.shape()));
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const Pair k = options_.pool_size, s = options_.strides;
  const bool same = options_.padding == "same";
  if (!same)
    MURINE_CHECK(H >= k.h && W >= k.w, "AveragePooling2D: input " << shape_str(x.shape()) << " is smaller than pool_size ("
                                                                    << k.h << ", " << k.w << ") with padding 'valid'");

  if (!same && s.h == k.h && s.w == k.w) {
    // Non-overlapping windows: drop the rows/columns no window reaches, view each window as two
    // axes of its own, and average them: (N, C, OH, kh, OW, kw) → mean over axes 3 and 5.
    const int64_t OH = H / k.h, OW = W / k.w;
    Tensor fit = x;
    if (OH * k.h != H) fit = slice(fit, 2, 0, OH * k.h);
    if (OW * k.w != W) fit = slice(fit, 3, 0, OW * k.w);
    return mean(reshape(fit, {N, C, OH, k.h, OW, k.w}), {3, 5});
  }

  // General strides or "same": the window sums are a depthwise convolution with a ones kernel
  // (groups = C), divided by the count of valid cells per window (the same convolution of ones).
  Conv2DOptions as_conv;
  as_conv.kernel_size = k;
  as_conv.strides = s;
  as_conv.padding = options_.padding;
  const Pads p = conv_pads(as_conv, H, W);
  ConvArgs c;
  c.stride_h = s.h;
  c.stride_w = s.w;
  c.pad_top = p.top;
  c.pad_bottom = p.bottom;
  c.pad_left = p.left;
  c.pad_right = p.right;
  c.groups = C;
  Tensor window_sums = conv2d(x, ones({C, 1, k.h, k.w}, x.device()), Tensor(), c);
  if (!same) return mul(window_sums, 1.0f / (float)(k.h * k.w));
  Tensor counts;  // (1, 1, OH, OW): valid cells per window
  {
    NoGradGuard no_grad;
    ConvArgs one = c;
    one.groups = 1;
    counts = conv2d(ones({1, 1, H, W}, x.device()), ones({1, 1, k.h, k.w}, x.device()), Tensor(), one);
  }
  return div(window_sums, counts);
}

}  // namespace murine
