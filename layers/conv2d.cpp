// Conv2D, mConv2D, SzConv2D.
#include "layers/conv2d.h"

#include "tensor/error.h"

namespace murine {

Conv2D::Conv2D(Conv2DOptions options) : Conv2D(std::move(options), false, "Conv2D") {}

Conv2D::Conv2D(Conv2DOptions options, bool masked, std::string name, const char* default_form)
    : Convolution(std::move(options), masked, std::move(name), "mConv2D or SzConv2D", default_form) {
  MURINE_CHECK(this->options().output_padding.h == -1 && this->options().output_padding.w == -1,
               type_name() << ": output_padding is only for transposed convolutions");
  build_if_sized();
}

Conv2DOptions Conv2D::torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride,
                            Pair padding, bool bias) {
  Conv2DOptions o;
  o.in_channels = in_channels;
  o.filters = out_channels;
  o.kernel_size = kernel_size;
  o.strides = stride;
  o.padding = Padding(padding.h, padding.w);
  o.use_bias = bias;
  o.kernel_initializer = Initializer::torch_default();
  o.bias_initializer = Initializer::torch_default();
  return o;
}

Shape Conv2D::weight_shape(int64_t in_channels) const {
  const Conv2DOptions& o = options();
  return {o.filters, in_channels / o.groups, o.kernel_size.h, o.kernel_size.w};
}

// [conv layer] y = conv2d(x, W_eff) + b,  W_eff = W ⊙ window in the masked layers (effective_weight)
Tensor Conv2D::convolve(const Tensor& x, const Tensor& w_eff) const {
  const Conv2DOptions& o = options();
  Pads p = conv_pads(o, x.shape()[2], x.shape()[3]);
  ConvArgs c;
  c.stride_h = o.strides.h;
  c.stride_w = o.strides.w;
  c.pad_top = p.top;
  c.pad_bottom = p.bottom;
  c.pad_left = p.left;
  c.pad_right = p.right;
  c.dilation_h = o.dilation_rate.h;
  c.dilation_w = o.dilation_rate.w;
  c.groups = o.groups;
  c.window = window_blocks();
  return conv2d(x, w_eff, bias, c);
}

mConv2D::mConv2D(Conv2DOptions options) : Conv2D(std::move(options), true, "mConv2D") {}

SzConv2D::SzConv2D(Conv2DOptions options) : Conv2D(std::move(options), true, "SzConv2D", "diagonal") {}

}  // namespace murine
