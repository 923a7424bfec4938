// Every tensor op murine has, forward and backward. Each op checks its arguments (errors name the
// op, the argument and the shapes), runs its forward on the input's backend, and records the
// backward beside it (autograd/node.h). Files: ops_elementwise.cpp, ops_activation.cpp,
// ops_reduce.cpp, ops_shape.cpp, ops_matmul.cpp, ops_conv.cpp, ops_pool.cpp, ops_norm.cpp, factories.cpp.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/window_blocks.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

// ---- factories (factories.cpp) ----
Tensor zeros(const Shape& shape, Device device = Device::CPU);
Tensor ones(const Shape& shape, Device device = Device::CPU);
Tensor full(const Shape& shape, float value, Device device = Device::CPU);
Tensor arange(float start, float stop, float step = 1.0f, Device device = Device::CPU);
Tensor from_vector(const std::vector<float>& values, const Shape& shape, Device device = Device::CPU);
Tensor scalar(float value, Device device = Device::CPU);  // shape ()
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
// U[0, 1) and N(0, 1) from `gen`, which advances; same seed, same numbers, on every device.
Tensor rand(const Shape& shape, Generator& gen, Device device = Device::CPU);
Tensor randn(const Shape& shape, Generator& gen, Device device = Device::CPU);

// ---- elementwise, NumPy broadcasting (ops_elementwise.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, float exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, float b);
Tensor mul(const Tensor& a, float b);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor clip(const Tensor& a, float lo, float hi);
// Comparisons give 0/1 float masks and carry no gradient.
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
// cond != 0 ? a : b, all three broadcast together; gradient flows to a and b, not cond.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
// In place, no graph: a += b (b broadcast to a's shape). For gradient accumulation and optimizers.
void add_(Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);

// ---- activations (ops_activation.cpp) ----
Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, float negative_slope = 0.01f);
Tensor sigmoid(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor silu(const Tensor& x);  // x·sigmoid(x), Keras' swish
Tensor softplus(const Tensor& x);

// ---- reductions over any set of axes; empty axes = all (ops_reduce.cpp) ----
Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
// Σ(x - mean)² / (N - correction): correction 0 is NumPy's and Keras' default, 1 is PyTorch's.
Tensor var(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false,
           int64_t correction = 0);
// Gradient is shared equally among tied maxima (as PyTorch's amax).
Tensor max(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdim = false);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);
// Sums a broadcast gradient back down to `shape` (the adjoint of broadcast_to).
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- shape (ops_shape.cpp) ----
// A view sharing storage; one dimension may be -1.
Tensor reshape(const Tensor& x, const Shape& shape);
Tensor flatten(const Tensor& x, int64_t start_axis = 1);
// Copying permutation: out.shape[i] = x.shape[perm[i]].
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm);
Tensor transpose(const Tensor& x, int64_t axis0 = -2, int64_t axis1 = -1);
Tensor concat(const std::vector<Tensor>& xs, int64_t axis);
// Python's x[..., start:stop:step, ...] along one axis (negative start/stop count from the end).
Tensor slice(const Tensor& x, int64_t axis, int64_t start, int64_t stop, int64_t step = 1);
// Constant padding: pads[i] = {before, after} for axis i (fewer entries pad the trailing axes).
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, float value = 0.0f);
Tensor broadcast_to(const Tensor& x, const Shape& shape);

// ---- linear algebra (ops_matmul.cpp) ----
// NumPy matmul: (…, M, K) @ (…, K, N) with broadcast batch dims; 1-D operands as in NumPy.
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x·Wᵀ + b for x (…, in), weight (out, in) (PyTorch's Linear layout), bias (out) or undefined.
// `window`: the window-aware path (autograd/windowed_gemm.h), for a weight zero outside its blocks.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias,
              std::shared_ptr<const WindowBlocks> window = nullptr);

// ---- losses with their own backward (ops_loss.cpp; the losses are in layers/losses.h) ----
// PyTorch's BCELoss per element, logs clamped at −100: y_true, y_pred (probabilities) of one shape.
Tensor torch_bce_elementwise(const Tensor& y_true, const Tensor& y_pred);

// ---- 2-D convolution, NCHW (ops_conv.cpp) ----
// The arguments of one convolution op (the layers' Keras-style options, layers/conv_options.h,
// resolve to these).
struct ConvArgs {
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;  // asymmetric allowed
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  // Transposed convolution only: extra rows/columns on the bottom/right of the output.
  int64_t output_padding_h = 0, output_padding_w = 0;
  // The window-aware path (autograd/windowed_gemm.h): the weight is zero outside these blocks of its
  // (dim0, dim1) channels, so the products run over them only. Null: the dense products.
  std::shared_ptr<const WindowBlocks> window = nullptr;
};
// x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or undefined → (N, O, OH, OW).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvArgs& opt);
// The adjoint of conv2d with respect to its input. x (N, C, H, W), weight (C, O/groups, kh, kw)
// (PyTorch's ConvTranspose2d layout), bias (O) → (N, O, OH, OW) with
// OH = (H-1)·stride - pad_top - pad_bottom + dilation·(kh-1) + output_padding + 1.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvArgs& opt);

// ---- 2-D max pooling, NCHW (ops_pool.cpp) ----
// One max pooling: the window, its strides and explicit pads (asymmetric allowed). Padded cells
// never win (an implicit −inf); every window must hold at least one cell of the input. The layers'
// Keras "same" and PyTorch padding / ceil_mode resolve to these (layers/pooling.h).
struct PoolArgs {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
};
// x (N, C, H, W) → (N, C, OH, OW), OH = ⌊(H + pad_top + pad_bottom − kernel_h)/stride_h⌋ + 1 (OW
// likewise). The gradient goes to each window's maximum, the first in row-major window order on ties.
Tensor max_pool2d(const Tensor& x, const PoolArgs& args);

// ---- normalisation with its own backward (ops_norm.cpp) ----
// PyTorch's F.group_norm: x (N, C, …) with C split into `groups` groups of C/groups consecutive
// channels, each sample normalised with its group's mean and biased variance (over the group's channels
// and every position), then y = x̂·γ_c + β_c. weight (γ), bias (β): (C) or undefined (1 and 0).
// One op, forward and backward each one pass over x (the composed ops took about eight each).
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias,
                  float epsilon);

}  // namespace murine
