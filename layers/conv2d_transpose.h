// Conv2DTranspose (PyTorch: ConvTranspose2d) and mConv2DTranspose. NCHW; weight
// (in_channels, filters/groups, kh, kw) in PyTorch layout. The window's roles are swapped as in both
// reference implementations: input2d_width describes the grid of the OUTPUT channels (filters) and
// output2d_width the grid of the INPUT channels, so window = (in × filters) over the weight's first
// two axes, repeated over the taps.
#pragma once
#include "layers/convolution.h"

namespace murine {

class Conv2DTranspose : public Convolution {
 public:
  explicit Conv2DTranspose(Conv2DOptions options);
  // PyTorch's nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, bias).
  static Conv2DOptions torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1,
                             Pair padding = 0, Pair output_padding = 0, bool bias = true);
  // The convolution arguments for an (h, w) input: explicit pads and output_padding.
  ConvArgs conv_args(int64_t h, int64_t w) const;

 protected:
  Conv2DTranspose(Conv2DOptions options, bool masked, std::string name);
  Shape weight_shape(int64_t in_channels) const override;
  Tensor convolve(const Tensor& x, const Tensor& w_eff) const override;
};

class mConv2DTranspose : public Conv2DTranspose {
 public:
  explicit mConv2DTranspose(Conv2DOptions options);
};

}  // namespace murine
