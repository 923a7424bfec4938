// Conv2DTranspose (PyTorch: ConvTranspose2d) and mConv2DTranspose. NCHW; weight
// (in_channels, filters/groups, kh, kw) in PyTorch layout. The window's roles are swapped as in both
// reference implementations: input2d_width describes the grid of the OUTPUT channels (filters) and
// output2d_width the grid of the INPUT channels, so window = (in × filters) over the weight's first
// two axes, repeated over the taps.
#pragma once
#include "layers/conv_options.h"
#include "layers/module.h"

namespace murine {

class Conv2DTranspose : public Module {
 public:
  explicit Conv2DTranspose(Conv2DOptions options);
  // PyTorch's nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding, bias).
  static Conv2DOptions torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride = 1,
                             Pair padding = 0, Pair output_padding = 0, bool bias = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return name_; }
  void build(int64_t in_channels);
  bool built() const { return weight.defined(); }
  const Conv2DOptions& options() const { return options_; }
  WindowStats window_stats() const;
  // The convolution arguments for an (h, w) input: explicit pads and output_padding.
  ConvArgs conv_args(int64_t h, int64_t w) const;

  Tensor weight, bias, window;

 protected:
  Conv2DTranspose(Conv2DOptions options, bool masked, std::string name);

 private:
  Conv2DOptions options_;
  bool masked_;
  std::string name_;
};

class mConv2DTranspose : public Conv2DTranspose {
 public:
  explicit mConv2DTranspose(Conv2DOptions options);
};

}  // namespace murine
