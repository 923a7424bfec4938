// Pooling over NCHW inputs with Keras' arguments and semantics: strides default to pool_size,
// padding "valid" (windows that fit) or "same" (TensorFlow padding, output ⌈n/stride⌉, the extra
// pixel at the end).
//   AveragePooling2D: a "same" window's average is taken over its valid cells only.
//   MaxPooling2D: padded cells never win. MaxPooling2D::torch gives nn.MaxPool2d instead: explicit
//     symmetric padding (an implicit −inf on both sides, at most half the window, as PyTorch
//     requires) and ceil_mode, where the output is ⌈(n + 2p − k)/s⌉ + 1 but the last window must
//     start inside the input or the left padding (else that output is dropped, as PyTorch does).
//     The gradient goes to each window's maximum, the first in row-major window order on ties (as
//     PyTorch's and TensorFlow's kernels).
//   GlobalAveragePooling2D: (N, C, H, W) → (N, C), the mean over H and W (Keras' keepdims=False).
#pragma once
#include <string>

#include "autograd/ops.h"
#include "layers/conv_options.h"
#include "layers/module.h"

namespace murine {

struct AveragePooling2DOptions {
  Pair pool_size = 2;
  Pair strides = 0;  // 0: pool_size (Keras' strides=None)
  std::string padding = "valid";  // "valid" | "same"
};

class AveragePooling2D : public Module {
 public:
  explicit AveragePooling2D(AveragePooling2DOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AveragePooling2D"; }
  const AveragePooling2DOptions& options() const { return options_; }

 private:
  AveragePooling2DOptions options_;
};

struct MaxPooling2DOptions {
  Pair pool_size = 2;
  Pair strides = 0;  // 0: pool_size (Keras' strides=None, PyTorch's stride=None)
  // "valid" | "same" (Keras), or explicit symmetric pads (PyTorch's padding, set by torch()).
  Padding padding = "valid";
  bool ceil_mode = false;  // PyTorch only: with explicit padding
};

class MaxPooling2D : public Module {
 public:
  explicit MaxPooling2D(MaxPooling2DOptions options = {});
  // nn.MaxPool2d(kernel_size, stride, padding, ceil_mode) (dilation 1).
  static MaxPooling2DOptions torch(Pair kernel, Pair stride = 0, Pair padding = 0, bool ceil_mode = false);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "MaxPooling2D"; }
  const MaxPooling2DOptions& options() const { return options_; }
  // The max_pool2d arguments for an (h, w) input: the window, strides and the resolved pads.
  PoolArgs pool_args(int64_t h, int64_t w) const;

 private:
  MaxPooling2DOptions options_;
};

struct GlobalAveragePooling2DOptions {
  bool keepdims = false;  // true: (N, C, 1, 1)
};

class GlobalAveragePooling2D : public Module {
 public:
  explicit GlobalAveragePooling2D(GlobalAveragePooling2DOptions options = {}) : options_(options) {}
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GlobalAveragePooling2D"; }

 private:
  GlobalAveragePooling2DOptions options_;
};

}  // namespace murine
