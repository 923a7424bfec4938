// 2-D max pooling (NCHW) on whichever backend holds x: the forward keeps each window's argmax,
// and the backward hands each output's gradient to that one input cell.
#include <string>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

namespace {

std::string args_str(const PoolArgs& a) {
  return "kernel (" + std::to_string(a.kernel_h) + ", " + std::to_string(a.kernel_w) + "), stride (" +
         std::to_string(a.stride_h) + ", " + std::to_string(a.stride_w) + "), padding (top " +
         std::to_string(a.pad_top) + ", bottom " + std::to_string(a.pad_bottom) + ", left " +
         std::to_string(a.pad_left) + ", right " + std::to_string(a.pad_right) + ")";
}

// The output length along one axis, after checking that every window holds a cell of the input.
int64_t pooled_length(const char* axis, int64_t n, int64_t kernel, int64_t stride, int64_t before,
                      int64_t after, const Tensor& x, const PoolArgs& a) {
  MURINE_CHECK(kernel <= n + before + after,
               "max_pool2d: the window " << a.kernel_h << "x" << a.kernel_w << " is larger than the padded input "
                                         << x.size(2) + a.pad_top + a.pad_bottom << "x"
                                         << x.size(3) + a.pad_left + a.pad_right << " (x " << shape_str(x.shape())
                                         << ", " << args_str(a) << ")");
  const int64_t out = (n + before + after - kernel) / stride + 1;
  MURINE_CHECK(before < kernel && (out - 1) * stride - before < n,
               "max_pool2d: a window along " << axis << " lies entirely in the padding (x "
                                             << shape_str(x.shape()) << ", " << args_str(a) << ")");
  return out;
}

}  // namespace

// [max_pool2d] y[n, c, i, j] = max over window (i, j) of x[n, c] (padding never wins);
//   dx[n, c, a, b] = Σ over the windows whose argmax is (a, b) of dy[n, c, i, j]
// x (N, C, H, W) → y (N, C, OH, OW); the argmax (N, C, OH, OW) is kept for the backward.
Tensor max_pool2d(const Tensor& x, const PoolArgs& a) {
  MURINE_CHECK(x.defined(), "max_pool2d: x must be a defined tensor");
  MURINE_CHECK(x.rank() == 4, "max_pool2d: x must be 4-D (N, C, H, W), got " << shape_str(x.shape()));
  MURINE_CHECK(a.kernel_h >= 1 && a.kernel_w >= 1,
               "max_pool2d: kernel must be >= 1, got (" << a.kernel_h << ", " << a.kernel_w << ")");
  MURINE_CHECK(a.stride_h >= 1 && a.stride_w >= 1,
               "max_pool2d: stride must be >= 1, got (" << a.stride_h << ", " << a.stride_w << ")");
  MURINE_CHECK(a.pad_top >= 0 && a.pad_bottom >= 0 && a.pad_left >= 0 && a.pad_right >= 0,
               "max_pool2d: padding must be >= 0, got " << args_str(a));
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  MURINE_CHECK(H * W < (int64_t(1) << 24),
               "max_pool2d: x " << shape_str(x.shape()) << " has planes of " << H * W
                                << " cells; the argmax is kept as a float, exact below 2^24");
  PoolGeometry g{.height = H, .width = W, .kernel_h = a.kernel_h, .kernel_w = a.kernel_w,
                 .stride_h = a.stride_h, .stride_w = a.stride_w, .pad_top = a.pad_top,
                 .pad_left = a.pad_left, .out_h = 0, .out_w = 0};
  g.out_h = pooled_length("height", H, a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, x, a);
  g.out_w = pooled_length("width", W, a.kernel_w, a.stride_w, a.pad_left, a.pad_right, x, a);

  Tensor y = Tensor::empty({N, C, g.out_h, g.out_w}, x.device());
  Tensor argmax = Tensor::empty(y.shape(), x.device());
  Backend& be = backend(x.device());
  if (y.numel() > 0) be.max_pool2d_forward(g, N * C, x.data(), y.data(), argmax.data());
  const Shape x_shape = x.shape();
  return record(y, "max_pool2d", {x},
                [argmax, g, x_shape](const Tensor& gy, const std::vector<bool>& needs) {
                  // [max_pool2d] dx = dy scattered to the argmax of each window (accumulated)
                  Tensor gx = zeros(x_shape, gy.device());
                  if (gy.numel() > 0)
                    backend(gy.device()).max_pool2d_backward(g, x_shape[0] * x_shape[1], gy.data(),
                                                             argmax.data(), gx.data());
                  return std::vector<Tensor>{gx};
                });
}

}  // namespace murine
