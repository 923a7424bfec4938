// Conv2D (PyTorch: Conv2d) and its connection-constrained twins mConv2D (mouse-mimetic, form '2d'
// by default) and SzConv2D (schizophrenia-mimicking: form 'diagonal', param_reduction 0.5).
// NCHW; weight (filters, in_channels/groups, kh, kw) in PyTorch layout; the window repeats the
// (filters × in_channels) channel window over every kernel tap.
#pragma once
#include "layers/conv_options.h"
#include "layers/module.h"

namespace murine {

class Conv2D : public Module {
 public:
  explicit Conv2D(Conv2DOptions options);
  // PyTorch's nn.Conv2d(in, out, kernel, stride, padding, bias): explicit symmetric padding and
  // kaiming_uniform(√5) weights with PyTorch's bias rule.
  static Conv2DOptions torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1,
                             Pair padding = 0, bool bias = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return name_; }
  void build(int64_t in_channels);
  bool built() const { return weight.defined(); }
  const Conv2DOptions& options() const { return options_; }
  WindowStats window_stats() const;

  Tensor weight, bias, window;

 protected:
  Conv2D(Conv2DOptions options, bool masked, std::string name);

 private:
  Conv2DOptions options_;
  bool masked_;
  std::string name_;
};

class mConv2D : public Conv2D {
 public:
  explicit mConv2D(Conv2DOptions options);
};

class SzConv2D : public Conv2D {
 public:
  explicit SzConv2D(Conv2DOptions options);
};

// Shared by the convolution layers: the initial weight of a (masked) layer, with the w_corr rule.
Tensor initial_conv_weight(const Conv2DOptions& o, const Shape& shape, bool masked, const std::string& layer,
                           Generator& gen, Device device, Tensor* window_out);

// The tensors a convolution layer registers at build: weight (of `shape`), window (masked layers,
// else undefined) and bias (when use_bias, else undefined), drawn from global_generator().
struct ConvParams {
  Tensor weight, window, bias;
};
// Checks in_channels against groups (errors name `layer`), then draws the layer's tensors.
ConvParams initial_conv_params(const Conv2DOptions& o, int64_t in_channels, const Shape& shape, bool masked,
                               const std::string& layer, Device device);

}  // namespace murine
