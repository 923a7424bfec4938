// Conv2DTranspose and mConv2DTranspose.
#include "layers/conv2d_transpose.h"

#include "layers/conv2d.h"
#include "tensor/error.h"

namespace murine {

Conv2DTranspose::Conv2DTranspose(Conv2DOptions options) : Conv2DTranspose(std::move(options), false, "Conv2DTranspose") {}

Conv2DTranspose::Conv2DTranspose(Conv2DOptions options, bool masked, std::string name)
    : Convolution(std::move(options), masked, std::move(name), "mConv2DTranspose", "2d") {
  const Pair& op = this->options().output_padding;
  bool derived = op.h == -1 && op.w == -1;
  MURINE_CHECK(derived || (op.h >= 0 && op.w >= 0),
               type_name() << ": output_padding must be >= 0, got (" << op.h << ", " << op.w << ")");
  build_if_sized();
}

Conv2DOptions Conv2DTranspose::torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride,
                                     Pair padding, Pair output_padding, bool bias) {
  Conv2DOptions o = Conv2D::torch(in_channels, out_channels, kernel_size, stride, padding, bias);
  o.output_padding = output_padding;
  return o;
}

Shape Conv2DTranspose::weight_shape(int64_t in_channels) const {
  const Conv2DOptions& o = options();
  return {in_channels, o.filters / o.groups, o.kernel_size.h, o.kernel_size.w};
}

// [transposed same padding] Keras: "same" gives out = in·s and is the adjoint of the "same"
// convolution over that output; "valid" gives out = in·s + max(k_eff - s, 0); an explicit Keras
// output_padding uses pad = k_eff/2 ("same") or 0 on both sides. PyTorch: explicit pads and output_padding.
static void transposed_axis(const std::string& mode, int64_t n, int64_t k, int64_t s, int64_t d, int64_t explicit_pad,
                            int64_t output_padding, int64_t& before, int64_t& after, int64_t& op) {
  int64_t k_eff = d * (k - 1) + 1;
  if (mode == "explicit") {
    before = after = explicit_pad;
    op = std::max<int64_t>(output_padding, 0);
  } else if (output_padding >= 0) {
    before = after = mode == "same" ? k_eff / 2 : 0;
    op = output_padding;
  } else {
    int64_t out = mode == "same" ? n * s : n * s + std::max<int64_t>(k_eff - s, 0);
    int64_t total = 0;
    if (mode == "same") total = std::max<int64_t>((n - 1) * s + k_eff - out, 0);
    before = total / 2;
    after = total - before;
    op = out - ((n - 1) * s - total + k_eff);
  }
}

ConvArgs Conv2DTranspose::conv_args(int64_t h, int64_t w) const {
  const Conv2DOptions& o = options();
  ConvArgs c;
  c.stride_h = o.strides.h;
  c.stride_w = o.strides.w;
  c.dilation_h = o.dilation_rate.h;
  c.dilation_w = o.dilation_rate.w;
  c.groups = o.groups;
  transposed_axis(o.padding.mode, h, o.kernel_size.h, c.stride_h, c.dilation_h, o.padding.pad.h,
                  o.output_padding.h, c.pad_top, c.pad_bottom, c.output_padding_h);
  transposed_axis(o.padding.mode, w, o.kernel_size.w, c.stride_w, c.dilation_w, o.padding.pad.w,
                  o.output_padding.w, c.pad_left, c.pad_right, c.output_padding_w);
  return c;
}

// [conv transpose layer] y = conv_transpose2d(x, W_eff) + b,  W_eff = W ⊙ window in mConv2DTranspose (effective_weight)
Tensor Conv2DTranspose::convolve(const Tensor& x, const Tensor& w_eff) const {
  ConvArgs c = conv_args(x.shape()[2], x.shape()[3]);
  c.window = window_blocks();
  return conv_transpose2d(x, w_eff, bias, c);
}

mConv2DTranspose::mConv2DTranspose(Conv2DOptions options) : Conv2DTranspose(std::move(options), true, "mConv2DTranspose") {}

}  // namespace murine
