// 2-D convolution and transposed convolution (NCHW), on whichever backend holds x. A chunk of
// images is lowered at once: im2col/col2im over the whole chunk gives one column matrix
// (rows, images·positions), so each group needs one GEMM per chunk rather than one per image; the
// GEMM operands and results are channel-major (C, images, positions) and are reordered to and from
// the tensors' (images, C, positions). conv_transpose2d is the adjoint of conv2d with respect to
// its input (darknet's view): its forward is conv2d's input gradient and its backward is conv2d's
// forward, so the two ops below mirror each other step for step.
#include <algorithm>
#include <atomic>
#include <cassert>
#include <string>

#include "autograd/flop_count.h"
#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/windowed_gemm.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

namespace {

std::string padding_str(const ConvArgs& opt) {
  return "(top " + std::to_string(opt.pad_top) + ", bottom " + std::to_string(opt.pad_bottom) +
         ", left " + std::to_string(opt.pad_left) + ", right " + std::to_string(opt.pad_right) + ")";
}

// The mistakes both ops check the same way: ranks, devices, groups, stride, dilation, padding.
void check_common_arguments(const char* op, const Tensor& x, const Tensor& weight,
                            const Tensor& bias, const ConvArgs& opt) {
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

// The window-aware products for `weight` when opt.window is set (null otherwise), after checking
// that the window's blocks describe this weight.
std::shared_ptr<const WindowedGemm> windowed_gemm(const char* op, const Tensor& weight, const ConvArgs& opt) {
  if (!opt.window) return nullptr;
  const WindowBlocks& wb = *opt.window;
  MURINE_CHECK(wb.dim0 == weight.size(0) && wb.dim1 == weight.size(1) && wb.taps == weight.size(2) * weight.size(3),
               op << ": window blocks of (" << wb.dim0 << ", " << wb.dim1 << ") × " << wb.taps
                  << " taps do not fit weight " << shape_str(weight.shape()));
  return std::make_shared<const WindowedGemm>(wb, opt.groups);
}

// The packed weight gradient of the window-aware path, or an undefined tensor on the dense one.
Tensor packed_gradient_buffer(const std::shared_ptr<const WindowedGemm>& windowed, Device device) {
  return windowed ? Tensor::empty({std::max<int64_t>(windowed->packed_size(), 1)}, device) : Tensor();
}

void check_bias(const char* op, const Tensor& bias, int64_t out_channels, const Tensor& weight) {
  MURINE_CHECK(!bias.defined() || bias.shape() == Shape{out_channels},
               op << ": bias must have shape (" << out_channels << ",) to match weight "
                  << shape_str(weight.shape()) << ", got " << shape_str(bias.shape()));
}

// The geometry of one image (C, H, W) seen through the kernel of `weight` (any layout, kh, kw).
ConvGeometry image_geometry(int64_t channels, int64_t height, int64_t width, const Tensor& weight,
                            const ConvArgs& opt) {
  return {.channels = channels, .height = height, .width = width,
          .kernel_h = weight.size(2), .kernel_w = weight.size(3),
          .stride_h = opt.stride_h, .stride_w = opt.stride_w,
          .pad_top = opt.pad_top, .pad_bottom = opt.pad_bottom,
          .pad_left = opt.pad_left, .pad_right = opt.pad_right,
          .dilation_h = opt.dilation_h, .dilation_w = opt.dilation_w};
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

// The most bytes one chunk's column matrix may take; the batch is lowered in chunks that fit.
// 32 MiB keeps a chunk's GEMM thousands of columns wide while the column matrix, its reorders and
// the chunk's output stay small: against 256 MiB it cut the peak memory of a training step by
// 220 MB (dcgan_keras b32 64²) and 540 MB (the DDIM at the paper's widths, b8) at no cost in time
// (bench/NOTES.md).
std::atomic<int64_t> g_conv_column_budget_bytes{int64_t(32) << 20};

// How many images one chunk lowers: as many as fit (rows, images·positions) in the budget, at least
// one, at most the batch.
int64_t images_per_chunk(int64_t batch, int64_t rows, int64_t positions) {
  const int64_t per_image = std::max<int64_t>(1, rows * positions * (int64_t)sizeof(float));
  return std::clamp<int64_t>(g_conv_column_budget_bytes / per_image, 1, std::max<int64_t>(batch, 1));
}

// dst (B, A, P) = src (A, B, P) with the two leading axes swapped: the reorder between image-major
// tensors (images, C, P) and channel-major GEMM operands (C, images, P).
void swap_leading_axes(Backend& be, float* dst, const float* src, int64_t a, int64_t b,
                       int64_t positions) {
  be.strided_copy(dst, {a * positions, positions, 1}, src, {positions, b * positions, 1},
                  {b, a, positions});
}

// y[n, o, p] = out[o, n, p] + b[o]: a channel-major GEMM result (O, images, P) back to the image-major
// output (images, O, P), adding the bias on the way (b broadcast by a stride-0 read).
void channel_major_to_output(Backend& be, float* y, const float* out, const Tensor& bias,
                             int64_t images, int64_t out_channels, int64_t positions) {
  if (!bias.defined()) {
    swap_leading_axes(be, y, out, out_channels, images, positions);
    return;
  }
  be.binary(BinaryOp::Add, y, {images, out_channels, positions}, out,
            {positions, images * positions, 1}, bias.data(), {0, 1, 0});
}

// dW_g (rows, group_rows) += A_g (rows, B·P) · col_gᵀ (B·P, group_rows) for g < G: one chunk's
// share of dW = Σ_n A[n] · col[n]ᵀ, both operands channel-major over the chunk's B images. The
// first chunk writes dW (beta 0), later ones accumulate. The window-aware path accumulates the
// blocks' part into `packed` instead (finish_weight_gradient unpacks it).
void accumulate_weight_gradient(Backend& be, const WindowedGemm* windowed, Device device, Tensor& packed,
                                float* gw, const float* a, const float* col, int64_t rows, int64_t group_rows,
                                int64_t BP, int64_t groups, bool first_chunk) {
  if (windowed) {
    windowed->weight_gradient(device, a, col, BP, packed.data(), !first_chunk);
    return;
  }
  be.gemm(false, true, rows, group_rows, BP, 1.0f,
          a, BP, rows * BP,
          col, BP, group_rows * BP,
          first_chunk ? 0.0f : 1.0f, gw, group_rows, rows * group_rows, groups);
}

// col_g (G·group_rows, BP) = W_gᵀ · Y_g (group_k, BP) for g < G (conv2d's dcol, conv_transpose2d's
// forward): the dense GEMMs, or the window-aware ones from the packed weight blocks.
void columns_product(Backend& be, const WindowedGemm* windowed, Device device, const Tensor& packed_weight,
                     const Tensor& weight, const float* y, int64_t BP, int64_t group_k, int64_t group_rows,
                     int64_t groups, float* col) {
  if (windowed) {
    windowed->columns_out(device, packed_weight.data(), y, BP, col);
    return;
  }
  be.gemm(true, false, group_rows, BP, group_k, 1.0f,
          weight.data(), group_rows, group_k * group_rows,
          y, BP, group_k * BP,
          0.0f, col, BP, group_rows * BP, groups);
}

// After the last chunk: the window-aware path's packed dW into dW (0 outside the blocks).
void finish_weight_gradient(const WindowedGemm* windowed, Device device, const Tensor& packed, Tensor& gw,
                            int64_t batch) {
  if (windowed && batch > 0) windowed->unpack_weight_gradient(device, packed.data(), gw.data());
}

// A 1x1 stride-1 unpadded convolution's column matrix is x[n] itself: no im2col is needed.
bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 &&
         g.pad_top == 0 && g.pad_bottom == 0 && g.pad_left == 0 && g.pad_right == 0;
}

// The chunk's B images (B, C, P) as a channel-major GEMM operand (C, B·P): reordered into
// `scratch`, which is allocated only for chunks of more than one image; otherwise the images are
// that operand already.
const float* channel_major(Backend& be, Tensor& scratch, const float* images, int64_t B,
                           int64_t channels, int64_t positions) {
  if (!scratch.defined()) return images;
  swap_leading_axes(be, scratch.data(), images, B, channels, positions);
  return scratch.data();
}

// dW's buffer: the first chunk's GEMM writes it (beta 0) and later chunks accumulate, so it starts
// uninitialised; with no images no GEMM runs and dW is 0.
Tensor weight_gradient_buffer(const Tensor& weight, int64_t batch) {
  return batch > 0 ? Tensor::empty(weight.shape(), weight.device())
                   : zeros(weight.shape(), weight.device());
}

}  // namespace

int64_t conv_column_budget_bytes() { return g_conv_column_budget_bytes; }
void set_conv_column_budget_bytes(int64_t bytes) {
  MURINE_CHECK(bytes >= 1, "set_conv_column_budget_bytes: bytes must be >= 1, got " << bytes);
  g_conv_column_budget_bytes = bytes;
}

// ---- conv2d ----

namespace {

// What conv2d's forward works out once and its backward reuses.
struct Conv2dPlan {
  ConvGeometry geom;          // one input image (C, H, W) seen through the kernel
  int64_t N, C, H, W, O, G;   // batch, input channels, height, width, output channels, groups
  int64_t P;                  // output positions OH·OW
  int64_t group_out;          // O/G rows of W_g
  int64_t group_rows;         // C/G·kh·kw columns of W_g (and rows of col_g)
  int64_t chunk;              // images one column matrix holds
  bool pointwise;             // one group and a 1x1 stride-1 unpadded kernel: col is x[n] itself
  std::shared_ptr<const WindowedGemm> windowed;  // the window-aware products, or null
  Tensor packed_weight;  // with `windowed`: the weight's blocks, packed once for forward and backward
};

// [conv2d] y[n] = W · im2col(x[n]) + b, per group g: y[n, g] = W_g · im2col(x[n])_g + b_g
// x (N, C, H, W), weight (O, C/G, kh, kw), bias (O) → y (N, O, OH, OW);
// per chunk of B images: col (C·kh·kw, B·OH·OW), W_g (O/G, C/G·kh·kw), out_g (O/G, B·OH·OW): the
// chunk's y[n, g] side by side. A 1x1 stride-1 unpadded kernel skips im2col: col is x[n] itself.
void conv2d_forward(Tensor& y, const Tensor& x, const Tensor& weight, const Tensor& bias,
                    const Conv2dPlan& p) {
  const int64_t N = p.N, C = p.C, H = p.H, W = p.W, O = p.O, G = p.G, P = p.P;
  Backend& be = backend(x.device());
  if (p.pointwise || p.chunk == 1) {
    init_with_bias(be, y, bias, N, O, P);
  }
  if (p.pointwise) {
    // y[n] (O, P) += W (O, C) · x[n] (C, P), for every n in one strided GEMM batch
    be.gemm(false, false, O, P, C, 1.0f, weight.data(), C, 0, x.data(), P, C * P,
            1.0f, y.data(), P, O * P, N);
    return;
  }
  Tensor col = Tensor::empty({G * p.group_rows, p.chunk * P}, x.device());
  Tensor out;  // (O, B·P), channel-major; a chunk of one image writes y[n] directly
  if (p.chunk > 1) out = Tensor::empty({O, p.chunk * P}, x.device());
  for (int64_t n0 = 0; n0 < N; n0 += p.chunk) {
    const int64_t B = std::min(p.chunk, N - n0), BP = B * P;
    be.im2col_batch(p.geom, B, x.data() + n0 * C * H * W, col.data());
    // out_g (O/G, B·P) = W_g (O/G, C/G·kh·kw) · col_g (C/G·kh·kw, B·P), for g < G
    float* result = p.chunk > 1 ? out.data() : y.data() + n0 * O * P;
    if (p.windowed) {  // out[S_b] += W[S_b, blk] · col[blk] over the window's blocks
      if (p.chunk > 1) be.fill(result, O * BP, 0.0f);
      p.windowed->rows_out(x.device(), p.packed_weight.data(), col.data(), BP, result);
    } else {
      be.gemm(false, false, p.group_out, BP, p.group_rows, 1.0f,
              weight.data(), p.group_rows, p.group_out * p.group_rows,
              col.data(), BP, p.group_rows * BP,
              p.chunk > 1 ? 0.0f : 1.0f, result, BP, p.group_out * BP, G);
    }
    if (p.chunk > 1) channel_major_to_output(be, y.data() + n0 * O * P, out.data(), bias, B, O, P);
  }
}

// [conv2d backward] dW = Σ_n dY[n] · im2col(x[n])ᵀ; dx[n] = col2im(Wᵀ · dY[n]); db = Σ dY
// per group g (W_g, dY[n, g], the rows col_g); db sums over n, h, w. Per chunk of B images, dY is
// reordered channel-major (O, B·P) so each sum over n is inside one GEMM.
// dY (N, O, OH, OW); dW (O, C/G, kh, kw); dx (N, C, H, W); db (O).
std::vector<Tensor> conv2d_backward(const Tensor& gy, const std::vector<bool>& needs,
                                    const Tensor& x, const Tensor& weight, const Conv2dPlan& p) {
  const int64_t N = p.N, C = p.C, H = p.H, W = p.W, O = p.O, G = p.G, P = p.P;
  Backend& be = backend(gy.device());
  Tensor gx, gw, gb;
  if (needs[0] && p.pointwise) {
    // dx[n] (C, P) = Wᵀ (C, O) · dY[n] (O, P), for every n in one strided GEMM batch
    gx = Tensor::empty(x.shape(), x.device());
    be.gemm(true, false, C, P, O, 1.0f, weight.data(), C, 0, gy.data(), P, O * P,
            0.0f, gx.data(), P, C * P, N);
  }
  const bool lower_dx = needs[0] && !p.pointwise;
  if (lower_dx || needs[1]) {
    Tensor col = Tensor::empty({G * p.group_rows, p.chunk * P}, gy.device());  // dcol, then im2col(x)
    Tensor gy_channels;  // dY of the chunk, channel-major (O, B·P); one image's is dY[n] itself
    if (p.chunk > 1) gy_channels = Tensor::empty({O, p.chunk * P}, gy.device());
    if (lower_dx) gx = zeros(x.shape(), x.device());
    if (needs[1]) gw = weight_gradient_buffer(weight, N);
    Tensor packed = needs[1] ? packed_gradient_buffer(p.windowed, gy.device()) : Tensor();
    for (int64_t n0 = 0; n0 < N; n0 += p.chunk) {
      const int64_t B = std::min(p.chunk, N - n0), BP = B * P;
      const float* dy = channel_major(be, gy_channels, gy.data() + n0 * O * P, B, O, P);
      if (lower_dx) {
        // dcol_g (C/G·kh·kw, B·P) = W_gᵀ · dY_g (O/G, B·P); then dx[n] += col2im(dcol), n in chunk
        columns_product(be, p.windowed.get(), gy.device(), p.packed_weight, weight, dy, BP, p.group_out,
                        p.group_rows, G, col.data());
        be.col2im_batch(p.geom, B, col.data(), gx.data() + n0 * C * H * W);
      }
      if (needs[1]) {
        be.im2col_batch(p.geom, B, x.data() + n0 * C * H * W, col.data());
        // dW_g (O/G, C/G·kh·kw) += dY_g (O/G, B·P) · col_gᵀ (B·P, C/G·kh·kw)
        accumulate_weight_gradient(be, p.windowed.get(), gy.device(), packed, gw.data(), dy, col.data(),
                                   p.group_out, p.group_rows, BP, G, n0 == 0);
      }
    }
    if (needs[1]) finish_weight_gradient(p.windowed.get(), gy.device(), packed, gw, N);
    if (needs[2] && p.chunk >= N && gy_channels.defined()) {
      // db[o] = Σ_(n,p) dY[o, (n, p)]: the rows of the channel-major dY of the whole batch, which is
      // the permuted copy sum(dY, {0, 2, 3}) would make, reduced by the same call (same values)
      gb = Tensor::empty({O}, gy.device());
      be.reduce_rows(ReduceOp::Sum, gb.data(), gy_channels.data(), O, N * P);
    }
  }
  if (needs[2] && !gb.defined()) gb = sum(gy, {0, 2, 3});
  return std::vector<Tensor>{gx, gw, gb};
}

}  // namespace

// Checks the arguments, plans the lowering, runs conv2d_forward and records conv2d_backward.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvArgs& opt) {
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

  const int64_t OH = geom.out_h(), OW = geom.out_w();
  const int64_t group_rows = (C / G) * geom.kernel_h * geom.kernel_w;
  Conv2dPlan plan{.geom = geom, .N = N, .C = C, .H = H, .W = W, .O = O, .G = G,
                        .P = OH * OW, .group_out = O / G, .group_rows = group_rows,
                        .chunk = images_per_chunk(N, G * group_rows, OH * OW),
                        .pointwise = G == 1 && is_pointwise(geom) && !opt.window,
                        .windowed = windowed_gemm("conv2d", weight, opt), .packed_weight = {}};

  if (plan.windowed) plan.packed_weight = plan.windowed->pack_weight(weight);

  Tensor y = Tensor::empty({N, O, OH, OW}, x.device());
  add_flops(2 * N * O * plan.P * group_rows);  // nominal FLOPs (autograd/flop_count.h)
  conv2d_forward(y, x, weight, bias, plan);
  return record(y, "conv2d", {x, weight, bias},
                [x, weight, plan](const Tensor& gy, const std::vector<bool>& needs) {
                  add_flops(2 * plan.N * plan.O * plan.P * plan.group_rows * (int64_t(needs[0]) + needs[1]));
                  return conv2d_backward(gy, needs, x, weight, plan);
                });
}

// ---- conv_transpose2d ----

namespace {

// What conv_transpose2d's forward works out once and its backward reuses.
struct ConvTranspose2dPlan {
  ConvGeometry geom;    // the conv2d whose input gradient this is: over one (O, OH, OW) output image
  int64_t N, C, O, G;   // batch, input channels, output channels, groups
  int64_t P;            // input positions H·W
  int64_t OP;           // output positions OH·OW
  int64_t group_in;     // C/G rows of W_g
  int64_t group_rows;   // O/G·kh·kw columns of W_g (and rows of col_g)
  int64_t chunk;        // images one column matrix holds
  std::shared_ptr<const WindowedGemm> windowed;  // the window-aware products, or null
  Tensor packed_weight;  // with `windowed`: the weight's blocks, packed once for forward and backward
};

// [conv_transpose2d] y[n] = col2im(Wᵀ · x[n]) + b, per group g: col_g = W_gᵀ · x[n, g]
// x (N, C, H, W), weight (C, O/G, kh, kw), bias (O) → y (N, O, OH, OW) with
// OH = (H-1)·sh - pad_top - pad_bottom + dh·(kh-1) + output_padding_h + 1 (OW likewise);
// per chunk of B images: W_g (C/G, O/G·kh·kw), x_g (C/G, B·H·W) (the chunk's x[n, g] side by side,
// channel-major), col (O·kh·kw, B·H·W) over the chunk's output images.
void conv_transpose2d_forward(Tensor& y, const Tensor& x, const Tensor& weight, const Tensor& bias,
                              const ConvTranspose2dPlan& p) {
  const int64_t N = p.N, C = p.C, O = p.O, G = p.G, P = p.P;
  Backend& be = backend(x.device());
  init_with_bias(be, y, bias, N, O, p.OP);
  Tensor col = Tensor::empty({G * p.group_rows, p.chunk * P}, x.device());
  Tensor x_channels;  // x of the chunk, channel-major (C, B·P); one image's is x[n] itself
  if (p.chunk > 1) x_channels = Tensor::empty({C, p.chunk * P}, x.device());
  for (int64_t n0 = 0; n0 < N; n0 += p.chunk) {
    const int64_t B = std::min(p.chunk, N - n0), BP = B * P;
    const float* xs = channel_major(be, x_channels, x.data() + n0 * C * P, B, C, P);
    // col_g (O/G·kh·kw, B·P) = W_gᵀ · x_g (C/G, B·P), for g < G; then y[n] += col2im(col), n in chunk
    columns_product(be, p.windowed.get(), x.device(), p.packed_weight, weight, xs, BP, p.group_in, p.group_rows, G,
                    col.data());
    be.col2im_batch(p.geom, B, col.data(), y.data() + n0 * O * p.OP);
  }
}

// [conv_transpose2d backward] dx[n] = W · im2col(dY[n]); dW = Σ_n x[n] · im2col(dY[n])ᵀ; db = Σ dY
// per group g (W_g, x[n, g], the rows im2col(dY[n])_g); db sums over n, h, w. Per chunk of B
// images, im2col covers the whole chunk, so dx_g (C/G, B·P) is one GEMM and each sum over n is in one.
// dY (N, O, OH, OW); im2col(dY) (O·kh·kw, B·H·W); dx (N, C, H, W); dW (C, O/G, kh, kw); db (O).
std::vector<Tensor> conv_transpose2d_backward(const Tensor& gy, const std::vector<bool>& needs,
                                              const Tensor& x, const Tensor& weight,
                                              const ConvTranspose2dPlan& p) {
  const int64_t N = p.N, C = p.C, O = p.O, G = p.G, P = p.P;
  Backend& be = backend(gy.device());
  Tensor gx, gw, gb;
  if (needs[0] || needs[1]) {
    Tensor col = Tensor::empty({G * p.group_rows, p.chunk * P}, gy.device());
    // Channel-major (C, B·P) scratch, for chunks of more than one image: dx before its reorder,
    // and x for dW.
    Tensor gx_channels, x_channels;
    if (needs[0]) {
      gx = Tensor::empty(x.shape(), x.device());
      if (p.chunk > 1) gx_channels = Tensor::empty({C, p.chunk * P}, gy.device());
    }
    if (needs[1]) {
      gw = weight_gradient_buffer(weight, N);
      if (p.chunk > 1) x_channels = Tensor::empty({C, p.chunk * P}, gy.device());
    }
    Tensor packed = needs[1] ? packed_gradient_buffer(p.windowed, gy.device()) : Tensor();
    for (int64_t n0 = 0; n0 < N; n0 += p.chunk) {
      const int64_t B = std::min(p.chunk, N - n0), BP = B * P;
      be.im2col_batch(p.geom, B, gy.data() + n0 * O * p.OP, col.data());
      if (needs[0]) {
        // dx_g (C/G, B·P) = W_g (C/G, O/G·kh·kw) · col_g (O/G·kh·kw, B·P)
        float* dx = p.chunk > 1 ? gx_channels.data() : gx.data() + n0 * C * P;
        if (p.windowed) {  // dx[S_b] += W[S_b, blk] · col[blk] over the window's blocks
          be.fill(dx, C * BP, 0.0f);
          p.windowed->rows_out(gy.device(), p.packed_weight.data(), col.data(), BP, dx);
        } else {
          be.gemm(false, false, p.group_in, BP, p.group_rows, 1.0f,
                  weight.data(), p.group_rows, p.group_in * p.group_rows,
                  col.data(), BP, p.group_rows * BP,
                  0.0f, dx, BP, p.group_in * BP, G);
        }
        if (p.chunk > 1) swap_leading_axes(be, gx.data() + n0 * C * P, dx, C, B, P);
      }
      if (needs[1]) {
        const float* xs = channel_major(be, x_channels, x.data() + n0 * C * P, B, C, P);
        // dW_g (C/G, O/G·kh·kw) += x_g (C/G, B·P) · col_gᵀ (B·P, O/G·kh·kw)
        accumulate_weight_gradient(be, p.windowed.get(), gy.device(), packed, gw.data(), xs, col.data(),
                                   p.group_in, p.group_rows, BP, G, n0 == 0);
      }
    }
    if (needs[1]) finish_weight_gradient(p.windowed.get(), gy.device(), packed, gw, N);
  }
  if (needs[2]) gb = sum(gy, {0, 2, 3});
  return std::vector<Tensor>{gx, gw, gb};
}

}  // namespace

// Checks the arguments, plans the lowering, runs conv_transpose2d_forward and records
// conv_transpose2d_backward.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvArgs& opt) {
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

  const int64_t group_rows = (O / G) * kh * kw;
  ConvTranspose2dPlan plan{.geom = geom, .N = N, .C = C, .O = O, .G = G, .P = H * W,
                                 .OP = OH * OW, .group_in = C / G, .group_rows = group_rows,
                                 .chunk = images_per_chunk(N, G * group_rows, H * W),
                                 .windowed = windowed_gemm("conv_transpose2d", weight, opt),
                                 .packed_weight = {}};

  if (plan.windowed) plan.packed_weight = plan.windowed->pack_weight(weight);

  Tensor y = Tensor::empty({N, O, OH, OW}, x.device());
  add_flops(2 * N * C * plan.P * group_rows);  // nominal FLOPs (autograd/flop_count.h)
  conv_transpose2d_forward(y, x, weight, bias, plan);
  return record(y, "conv_transpose2d", {x, weight, bias},
                [x, weight, plan](const Tensor& gy, const std::vector<bool>& needs) {
                  add_flops(2 * plan.N * plan.C * plan.P * plan.group_rows * (int64_t(needs[0]) + needs[1]));
                  return conv_transpose2d_backward(gy, needs, x, weight, plan);
                });
}

}  // namespace murine
