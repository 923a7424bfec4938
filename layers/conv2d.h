// Conv2D (PyTorch: Conv2d) and its connection-constrained twins mConv2D (mouse-mimetic, form '2d'
// by default) and SzConv2D (schizophrenia-mimicking: form 'diagonal', param_reduction 0.5).
// NCHW; weight (filters, in_channels/groups, kh, kw) in PyTorch layout; the window repeats the
// (filters × in_channels) channel window over every kernel tap.
#pragma once
#include "layers/convolution.h"

namespace murine {

class Conv2D : public Convolution {
 public:
  explicit Conv2D(Conv2DOptions options);
  // PyTorch's nn.Conv2d(in, out, kernel, stride, padding, bias): explicit symmetric padding and
  // kaiming_uniform(√5) weights with PyTorch's bias rule.
  static Conv2DOptions torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1,
                             Pair padding = 0, bool bias = true);

 protected:
  Conv2D(Conv2DOptions options, bool masked, std::string name, const char* default_form = "2d");
  Shape weight_shape(int64_t in_channels) const override;
  Tensor convolve(const Tensor& x, const Tensor& w_eff) const override;
};

class mConv2D : public Conv2D {
 public:
  explicit mConv2D(Conv2DOptions options);
};

class SzConv2D : public Conv2D {
 public:
  explicit SzConv2D(Conv2DOptions options);
};

}  // namespace murine
