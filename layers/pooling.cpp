// AveragePooling2D, MaxPooling2D and GlobalAveragePooling2D.
#include "layers/pooling.h"

#include <algorithm>

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

// ---- MaxPooling2D ----

MaxPooling2D::MaxPooling2D(MaxPooling2DOptions options) : options_(std::move(options)) {
  const Pair& k = options_.pool_size;
  MURINE_CHECK(k.h > 0 && k.w > 0, "MaxPooling2D: pool_size must be positive, got (" << k.h << ", " << k.w << ")");
  if (options_.strides.h == 0 && options_.strides.w == 0) options_.strides = k;
  const Pair& s = options_.strides;
  MURINE_CHECK(s.h > 0 && s.w > 0, "MaxPooling2D: strides must be positive, got (" << s.h << ", " << s.w << ")");
  const std::string& mode = options_.padding.mode;
  MURINE_CHECK(mode == "valid" || mode == "same" || mode == "explicit",
               "MaxPooling2D: unknown padding '" << mode << "' (use \"valid\", \"same\" or explicit pads)");
  if (mode == "explicit") {
    const Pair& p = options_.padding.pad;
    // PyTorch's rule: pad <= kernel/2, so that no window lies in the padding alone.
    MURINE_CHECK(p.h >= 0 && p.w >= 0 && 2 * p.h <= k.h && 2 * p.w <= k.w,
                 "MaxPooling2D: padding (" << p.h << ", " << p.w << ") must be >= 0 and at most half of pool_size ("
                                           << k.h << ", " << k.w << ")");
  }
  MURINE_CHECK(!options_.ceil_mode || mode == "explicit",
               "MaxPooling2D: ceil_mode is PyTorch's and needs explicit padding (use MaxPooling2D::torch), got padding '"
                   << mode << "'");
}

MaxPooling2DOptions MaxPooling2D::torch(Pair kernel, Pair stride, Pair padding, bool ceil_mode) {
  MaxPooling2DOptions o;
  o.pool_size = kernel;
  o.strides = stride;
  o.padding = Padding(padding.h, padding.w);
  o.ceil_mode = ceil_mode;
  return o;
}

namespace {

// [same padding] total = max((⌈n/s⌉ − 1)·s + k − n, 0), before = ⌊total/2⌋, after = the rest
void same_pool_pads(int64_t n, int64_t k, int64_t s, int64_t& before, int64_t& after) {
  const int64_t out = (n + s - 1) / s;
  const int64_t total = std::max<int64_t>((out - 1) * s + k - n, 0);
  before = total / 2;
  after = total - before;
}

// PyTorch's pooling_output_shape (dilation 1): ⌊ or ⌈(n + 2p − k)/s⌉ + 1; in ceil mode the last
// window must start inside the input or the left padding, (out − 1)·s < n + p, else it is dropped.
// Returned as the bottom/right pad that gives that length with max_pool2d's floor rule.
int64_t torch_after_pad(int64_t n, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  if (!ceil_mode || n + 2 * p < k) return p;  // too small an input: max_pool2d reports it
  int64_t out = (n + 2 * p - k + s - 1) / s + 1;
  if ((out - 1) * s >= n + p) --out;
  return std::max<int64_t>((out - 1) * s + k - n - p, p);
}

}  // namespace

PoolArgs MaxPooling2D::pool_args(int64_t h, int64_t w) const {
  const Pair k = options_.pool_size, s = options_.strides;
  PoolArgs a;
  a.kernel_h = k.h;
  a.kernel_w = k.w;
  a.stride_h = s.h;
  a.stride_w = s.w;
  if (options_.padding.mode == "same") {
    same_pool_pads(h, k.h, s.h, a.pad_top, a.pad_bottom);
    same_pool_pads(w, k.w, s.w, a.pad_left, a.pad_right);
  } else if (options_.padding.mode == "explicit") {
    const Pair p = options_.padding.pad;
    a.pad_top = p.h;
    a.pad_left = p.w;
    a.pad_bottom = torch_after_pad(h, k.h, s.h, p.h, options_.ceil_mode);
    a.pad_right = torch_after_pad(w, k.w, s.w, p.w, options_.ceil_mode);
  }
  return a;
}

// [max pooling] y[n,c,i,j] = max_{(a,b) ∈ W_ij} x[n,c,a,b], W_ij = the window's cells inside x;  dx[a,b] = Σ_{ij: argmax W_ij = (a,b)} dy[i,j]
// x (N, C, H, W) → y (N, C, OH, OW): OH = ⌊(H − kh)/sh⌋ + 1 ("valid"), ⌈H/sh⌉ ("same"),
// ⌊ or ⌈(H + 2p − kh)/sh⌉ + 1 (PyTorch).
Tensor MaxPooling2D::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, "MaxPooling2D: expects input (N, C, H, W), got " << shape_str(x.shape()));
  const Pair k = options_.pool_size;
  if (options_.padding.mode == "valid")
    MURINE_CHECK(x.size(2) >= k.h && x.size(3) >= k.w,
                 "MaxPooling2D: input " << shape_str(x.shape()) << " is smaller than pool_size (" << k.h << ", "
                                        << k.w << ") with padding 'valid'");
  return max_pool2d(x, pool_args(x.size(2), x.size(3)));
}

// ---- GlobalAveragePooling2D ----

// [global average pooling] y[n,c] = (1/(H·W)) Σ_{a,b} x[n,c,a,b];  dx[n,c,a,b] = dy[n,c]/(H·W)
// x (N, C, H, W) → y (N, C) (keepdims: (N, C, 1, 1)).
Tensor GlobalAveragePooling2D::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, "GlobalAveragePooling2D: expects input (N, C, H, W), got " << shape_str(x.shape()));
  MURINE_CHECK(x.size(2) > 0 && x.size(3) > 0,
               "GlobalAveragePooling2D: input " << shape_str(x.shape()) << " has no pixels to average");
  return mean(x, {2, 3}, options_.keepdims);
}

}  // namespace murine
