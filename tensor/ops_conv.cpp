// 2-D convolution and transposed convolution (NCHW), lowered per image to im2col/col2im and one
// batched GEMM over the groups, on whichever backend holds x. conv_transpose2d is the adjoint of
// conv2d with respect to its input (darknet's view): its forward is conv2d's input gradient and
// its backward is conv2d's forward, so the two ops below mirror each other step for step.
#include <cassert>
#include <string>

#include "autograd/node.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tensor/ops.h"

namespace murine {

namespace {

std::string padding_str(const Conv2dOptions& opt) {
  return "(top " + std::to_string(opt.pad_top) + ", bottom " + std::to_string(opt.pad_bottom) +
         ", left " + std::to_string(opt.pad_left) + ", right " + std::to_string(opt.pad_right) + ")";
}

// The mistakes both ops check the same way: ranks, devices, groups, stride, dilation, padding.
void check_common_arguments(const char* op, const Tensor& x, const Tensor& weight,
                            const Tensor& bias, const Conv2dOptions& opt) {
  MURINE_CHECK(x.defined() && weight.defined(), op << ": x and weight must be defined tensors");
  MURINE_CHECK(x.rank() == 4, op << ": x must be 4-D (N, C, H, W), got " << shape_str(x.shape()));
  MURINE_CHECK(weight.rank() == 4, op << ": weight must be 4-D (kernel layout, kh, kw), got "
                                      << shape_str(weight.shape()) << " for x "
                                      << shape_str(x.shape()));
  MURINE_CHECK(weight.device() == x.device(), op << ": weight is on " << device_name(weight.device())
                                                 << " but x is on " << device_name(x.device()));
  MURINE_CHECK(!bias.defined() || bias.device() == x.device(),
               op << ": bias is on " << device_name(bias.device()) << " but x is on "
                  << device_name(x.device()));
  MURINE_CHECK(opt.groups >= 1, op << ": groups must be >= 1, got " << opt.groups);
  MURINE_CHECK(opt.stride_h >= 1 && opt.stride_w >= 1,
               op << ": stride must be >= 1, got (" << opt.stride_h << ", " << opt.stride_w << ")");
  MURINE_CHECK(opt.dilation_h >= 1 && opt.dilation_w >= 1,
               op << ": dilation must be >= 1, got (" << opt.dilation_h << ", " << opt.dilation_w
                  << ")");
  MURINE_CHECK(opt.pad_top >= 0 && opt.pad_bottom >= 0 && opt.pad_left >= 0 && opt.pad_right >= 0,
               op << ": padding must be >= 0, got " << padding_str(opt));
  MURINE_CHECK(weight.size(2) >= 1 && weight.size(3) >= 1,
               op << ": weight " << shape_str(weight.shape()) << " has an empty kernel");
}

void check_bias(const char* op, const Tensor& bias, int64_t out_channels, const Tensor& weight) {
  MURINE_CHECK(!bias.defined() || bias.shape() == Shape{out_channels},
               op << ": bias must have shape (" << out_channels << ",) to match weight "
                  << shape_str(weight.shape()) << ", got " << shape_str(bias.shape()));
}

// The geometry of one image (C, H, W) seen through the kernel of `weight` (any layout, kh, kw).
ConvGeometry image_geometry(int64_t channels, int64_t height, int64_t width, const Tensor& weight,
                            const Conv2dOptions& opt) {
  ConvGeometry g{channels, height, width, weight.size(2), weight.size(3)};
  g.stride_h = opt.stride_h;
  g.stride_w = opt.stride_w;
  g.pad_top = opt.pad_top;
  g.pad_bottom = opt.pad_bottom;
  g.pad_left = opt.pad_left;
  g.pad_right = opt.pad_right;
  g.dilation_h = opt.dilation_h;
  g.dilation_w = opt.dilation_w;
  return g;
}

// y[n, o, p] = b[o] for every image n and position p (b broadcast by a stride-0 copy), or 0
// without bias. y (N, O, P), b (O).
void init_with_bias(Backend& be, Tensor& y, const Tensor& bias, int64_t batch, int64_t out_channels,
                    int64_t positions) {
  if (!bias.defined()) {
    be.fill(y.data(), y.numel(), 0.0f);
    return;
  }
  if (y.numel() == 0) return;
  be.strided_copy(y.data(), {out_channels * positions, positions, 1}, bias.data(), {0, 1, 0},
                  {batch, out_channels, positions});
}

}  // namespace

// ---- conv2d ----

// [conv2d] y[n] = W · im2col(x[n]) + b, per group g: y[n, g] = W_g · im2col(x[n])_g + b_g
// x (N, C, H, W), weight (O, C/G, kh, kw), bias (O) → y (N, O, OH, OW);
// per image: col (C·kh·kw, OH·OW), W_g (O/G, C/G·kh·kw), y[n, g] (O/G, OH·OW).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& opt) {
  check_common_arguments("conv2d", x, weight, bias, opt);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = weight.size(0), G = opt.groups;
  MURINE_CHECK(opt.output_padding_h == 0 && opt.output_padding_w == 0,
               "conv2d: output_padding applies only to conv_transpose2d, got ("
                   << opt.output_padding_h << ", " << opt.output_padding_w << ")");
  MURINE_CHECK(C % G == 0, "conv2d: x " << shape_str(x.shape()) << " has " << C
                                        << " channels, not divisible by groups=" << G);
  MURINE_CHECK(O % G == 0, "conv2d: weight " << shape_str(weight.shape()) << " has " << O
                                             << " output channels, not divisible by groups=" << G);
  MURINE_CHECK(weight.size(1) * G == C,
               "conv2d: weight " << shape_str(weight.shape()) << " has " << weight.size(1)
                                 << " input channels per group but x " << shape_str(x.shape())
                                 << " has " << C << " channels with groups=" << G);
  check_bias("conv2d", bias, O, weight);

  const ConvGeometry geom = image_geometry(C, H, W, weight, opt);
  const int64_t extent_h = opt.dilation_h * (geom.kernel_h - 1) + 1;
  const int64_t extent_w = opt.dilation_w * (geom.kernel_w - 1) + 1;
  MURINE_CHECK(extent_h <= H + opt.pad_top + opt.pad_bottom &&
                   extent_w <= W + opt.pad_left + opt.pad_right,
               "conv2d: kernel " << geom.kernel_h << "x" << geom.kernel_w << " with dilation ("
                                 << opt.dilation_h << ", " << opt.dilation_w << ") spans "
                                 << extent_h << "x" << extent_w
                                 << ", larger than the padded input "
                                 << H + opt.pad_top + opt.pad_bottom << "x"
                                 << W + opt.pad_left + opt.pad_right << " (x " << shape_str(x.shape())
                                 << ", weight " << shape_str(weight.shape()) << ", padding "
                                 << padding_str(opt) << ")");

  const int64_t OH = geom.out_h(), OW = geom.out_w(), P = OH * OW;
  const int64_t group_out = O / G;                                // O/G rows of W_g
  const int64_t group_rows = (C / G) * geom.kernel_h * geom.kernel_w;  // C/G·kh·kw columns of W_g
  Backend& be = backend(x.device());

  Tensor y = Tensor::empty({N, O, OH, OW}, x.device());
  init_with_bias(be, y, bias, N, O, P);
  Tensor col = Tensor::empty({G * group_rows, P}, x.device());
  for (int64_t n = 0; n < N; ++n) {
    be.im2col(geom, x.data() + n * C * H * W, col.data());
    // y[n, g] (O/G, P) += W_g (O/G, C/G·kh·kw) · col_g (C/G·kh·kw, P), for g < G
    be.gemm(false, false, group_out, P, group_rows, 1.0f,
            weight.data(), group_rows, group_out * group_rows,
            col.data(), P, group_rows * P,
            1.0f, y.data() + n * O * P, P, group_out * P, G);
  }

  // [conv2d backward] dW = Σ_n dY[n] · im2col(x[n])ᵀ; dx[n] = col2im(Wᵀ · dY[n]); db = Σ dY
  // per group g (W_g, dY[n, g], the rows col_g); db sums over n, h, w.
  // dY (N, O, OH, OW); dW (O, C/G, kh, kw); dx (N, C, H, W); db (O).
  return record(y, "conv2d", {x, weight, bias},
                [x, weight, geom, N, C, H, W, O, G, P, group_out, group_rows](
                    const Tensor& gy, const std::vector<bool>& needs) {
    Backend& be = backend(gy.device());
    Tensor gx, gw, gb;
    Tensor col;  // (C·kh·kw, P): dcol for dx, then im2col(x[n]) for dW
    if (needs[0] || needs[1]) col = Tensor::empty({G * group_rows, P}, gy.device());
    if (needs[0]) {
      gx = zeros(x.shape(), x.device());
      for (int64_t n = 0; n < N; ++n) {
        // dcol_g (C/G·kh·kw, P) = W_gᵀ · dY[n, g] (O/G, P); then dx[n] += col2im(dcol)
        be.gemm(true, false, group_rows, P, group_out, 1.0f,
                weight.data(), group_rows, group_out * group_rows,
                gy.data() + n * O * P, P, group_out * P,
                0.0f, col.data(), P, group_rows * P, G);
        be.col2im(geom, col.data(), gx.data() + n * C * H * W);
      }
    }
    if (needs[1]) {
      gw = zeros(weight.shape(), weight.device());
      for (int64_t n = 0; n < N; ++n) {
        be.im2col(geom, x.data() + n * C * H * W, col.data());
        // dW_g (O/G, C/G·kh·kw) += dY[n, g] (O/G, P) · col_gᵀ (P, C/G·kh·kw)
        be.gemm(false, true, group_out, group_rows, P, 1.0f,
                gy.data() + n * O * P, P, group_out * P,
                col.data(), P, group_rows * P,
                1.0f, gw.data(), group_rows, group_out * group_rows, G);
      }
    }
    if (needs[2]) gb = sum(gy, {0, 2, 3});
    return std::vector<Tensor>{gx, gw, gb};
  });
}

// ---- conv_transpose2d ----

// [conv_transpose2d] y[n] = col2im(Wᵀ · x[n]) + b, per group g: col_g = W_gᵀ · x[n, g]
// x (N, C, H, W), weight (C, O/G, kh, kw), bias (O) → y (N, O, OH, OW) with
// OH = (H-1)·sh - pad_top - pad_bottom + dh·(kh-1) + output_padding_h + 1 (OW likewise);
// per image: W_g (C/G, O/G·kh·kw), x[n, g] (C/G, H·W), col (O·kh·kw, H·W) over the output image.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Conv2dOptions& opt) {
  check_common_arguments("conv_transpose2d", x, weight, bias, opt);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t G = opt.groups, O = weight.size(1) * G;
  MURINE_CHECK(C % G == 0, "conv_transpose2d: x " << shape_str(x.shape()) << " has " << C
                                                  << " channels, not divisible by groups=" << G);
  MURINE_CHECK(weight.size(0) == C,
               "conv_transpose2d: weight " << shape_str(weight.shape()) << " has " << weight.size(0)
                                           << " input channels but x " << shape_str(x.shape())
                                           << " has " << C
                                           << " channels (weight layout is (C, O/groups, kh, kw))");
  check_bias("conv_transpose2d", bias, O, weight);
  MURINE_CHECK(opt.output_padding_h >= 0 && opt.output_padding_w >= 0 &&
                   (opt.output_padding_h < opt.stride_h || opt.output_padding_h < opt.dilation_h) &&
                   (opt.output_padding_w < opt.stride_w || opt.output_padding_w < opt.dilation_w),
               "conv_transpose2d: output_padding (" << opt.output_padding_h << ", "
                   << opt.output_padding_w << ") must be >= 0 and smaller than either stride ("
                   << opt.stride_h << ", " << opt.stride_w << ") or dilation (" << opt.dilation_h
                   << ", " << opt.dilation_w << ")");

  const int64_t kh = weight.size(2), kw = weight.size(3);
  const int64_t OH = (H - 1) * opt.stride_h - opt.pad_top - opt.pad_bottom +
                     opt.dilation_h * (kh - 1) + opt.output_padding_h + 1;
  const int64_t OW = (W - 1) * opt.stride_w - opt.pad_left - opt.pad_right +
                     opt.dilation_w * (kw - 1) + opt.output_padding_w + 1;
  MURINE_CHECK(OH >= 1 && OW >= 1,
               "conv_transpose2d: output size " << OH << "x" << OW << " is not positive for x "
                   << shape_str(x.shape()) << ", weight " << shape_str(weight.shape())
                   << ", stride (" << opt.stride_h << ", " << opt.stride_w << "), padding "
                   << padding_str(opt));

  // The geometry of the conv2d whose input gradient this is: an (O, OH, OW) image it would slide
  // over in exactly H x W windows. output_padding rows/columns lie past the last window, so they
  // come off pad_bottom/pad_right (which then only count windows and may go negative).
  ConvGeometry geom = image_geometry(O, OH, OW, weight, opt);
  geom.pad_bottom -= opt.output_padding_h;
  geom.pad_right -= opt.output_padding_w;
  assert(geom.out_h() == H && geom.out_w() == W);

  const int64_t P = H * W, OP = OH * OW;
  const int64_t group_in = C / G;                       // C/G rows of W_g
  const int64_t group_rows = (O / G) * kh * kw;         // O/G·kh·kw columns of W_g
  Backend& be = backend(x.device());

  Tensor y = Tensor::empty({N, O, OH, OW}, x.device());
  init_with_bias(be, y, bias, N, O, OP);
  Tensor col = Tensor::empty({G * group_rows, P}, x.device());
  for (int64_t n = 0; n < N; ++n) {
    // col_g (O/G·kh·kw, H·W) = W_gᵀ · x[n, g] (C/G, H·W), for g < G; then y[n] += col2im(col)
    be.gemm(true, false, group_rows, P, group_in, 1.0f,
            weight.data(), group_rows, group_in * group_rows,
            x.data() + n * C * P, P, group_in * P,
            0.0f, col.data(), P, group_rows * P, G);
    be.col2im(geom, col.data(), y.data() + n * O * OP);
  }

  // [conv_transpose2d backward] dx[n] = W · im2col(dY[n]); dW = Σ_n x[n] · im2col(dY[n])ᵀ; db = Σ dY
  // per group g (W_g, x[n, g], the rows im2col(dY[n])_g); db sums over n, h, w.
  // dY (N, O, OH, OW); im2col(dY[n]) (O·kh·kw, H·W); dx (N, C, H, W); dW (C, O/G, kh, kw); db (O).
  return record(y, "conv_transpose2d", {x, weight, bias},
                [x, weight, geom, N, C, O, G, P, OP, group_in, group_rows](
                    const Tensor& gy, const std::vector<bool>& needs) {
    Backend& be = backend(gy.device());
    Tensor gx, gw, gb;
    if (needs[0] || needs[1]) {
      Tensor col = Tensor::empty({G * group_rows, P}, gy.device());
      if (needs[0]) gx = Tensor::empty(x.shape(), x.device());
      if (needs[1]) gw = zeros(weight.shape(), weight.device());
      for (int64_t n = 0; n < N; ++n) {
        be.im2col(geom, gy.data() + n * O * OP, col.data());
        if (needs[0]) {
          // dx[n, g] (C/G, H·W) = W_g (C/G, O/G·kh·kw) · col_g (O/G·kh·kw, H·W)
          be.gemm(false, false, group_in, P, group_rows, 1.0f,
                  weight.data(), group_rows, group_in * group_rows,
                  col.data(), P, group_rows * P,
                  0.0f, gx.data() + n * C * P, P, group_in * P, G);
        }
        if (needs[1]) {
          // dW_g (C/G, O/G·kh·kw) += x[n, g] (C/G, H·W) · col_gᵀ (H·W, O/G·kh·kw)
          be.gemm(false, true, group_in, group_rows, P, 1.0f,
                  x.data() + n * C * P, P, group_in * P,
                  col.data(), P, group_rows * P,
                  1.0f, gw.data(), group_rows, group_in * group_rows, G);
        }
      }
    }
    if (needs[2]) gb = sum(gy, {0, 2, 3});
    return std::vector<Tensor>{gx, gw, gb};
  });
}

}  // namespace murine
