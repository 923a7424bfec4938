// Conv2DTranspose and mConv2DTranspose.
#include "layers/conv2d_transpose.h"

#include "layers/activation_fn.h"
#include "layers/conv2d.h"
#include "tensor/error.h"

namespace murine {

Conv2DTranspose::Conv2DTranspose(Conv2DOptions options) : Conv2DTranspose(std::move(options), false, "Conv2DTranspose") {}

Conv2DTranspose::Conv2DTranspose(Conv2DOptions options, bool masked, std::string name)
    : options_(std::move(options)), masked_(masked), name_(std::move(name)) {
  check_conv_options(options_, name_, masked_);
  const Pair& op = options_.output_padding;
  bool derived = op.h == -1 && op.w == -1;
  MURINE_CHECK(derived || (op.h >= 0 && op.w >= 0),
               name_ << ": output_padding must be >= 0, got (" << op.h << ", " << op.w << ")");
  if (options_.in_channels > 0) build(options_.in_channels);
}

Conv2DOptions Conv2DTranspose::torch(int64_t in_channels, int64_t out_channels, Pair kernel_size, Pair stride,
                                     Pair padding, Pair output_padding, bool bias) {
  Conv2DOptions o = Conv2D::torch(in_channels, out_channels, kernel_size, stride, padding, bias);
  o.output_padding = output_padding;
  return o;
}

void Conv2DTranspose::build(int64_t in_channels) {
  MURINE_CHECK(!built(), name_ << ": already built");
  Shape shape{in_channels, options_.filters / options_.groups, options_.kernel_size.h, options_.kernel_size.w};
  ConvParams p = initial_conv_params(options_, in_channels, shape, masked_, name_, device());
  options_.in_channels = in_channels;
  weight = register_parameter("weight", p.weight);
  if (masked_) window = register_buffer("window", p.window);
  if (options_.use_bias) bias = register_parameter("bias", p.bias);
}

WindowStats Conv2DTranspose::window_stats() const {
  MURINE_CHECK(masked_ && built(), name_ << ": window_stats needs a built masked layer");
  return murine::window_stats(window_spec(options_), weight.shape(), name_);
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
  ConvArgs c;
  c.stride_h = options_.strides.h;
  c.stride_w = options_.strides.w;
  c.dilation_h = options_.dilation_rate.h;
  c.dilation_w = options_.dilation_rate.w;
  c.groups = options_.groups;
  transposed_axis(options_.padding.mode, h, options_.kernel_size.h, c.stride_h, c.dilation_h, options_.padding.pad.h,
                  options_.output_padding.h, c.pad_top, c.pad_bottom, c.output_padding_h);
  transposed_axis(options_.padding.mode, w, options_.kernel_size.w, c.stride_w, c.dilation_w, options_.padding.pad.w,
                  options_.output_padding.w, c.pad_left, c.pad_right, c.output_padding_w);
  return c;
}

// [conv transpose layer] y = conv_transpose2d(x, W_eff) + b,  W_eff = W ⊙ window;  dW = dW_eff ⊙ window
Tensor Conv2DTranspose::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, name_ << ": expects input (N, C, H, W), got " << shape_str(x.shape()));
  if (!built()) build(x.shape()[1]);
  MURINE_CHECK(x.shape()[1] == options_.in_channels,
               name_ << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                     << " channels but the layer was built for " << options_.in_channels);
  Tensor w_eff = masked_ ? mul(weight, window) : weight;
  return apply_activation(options_.activation, conv_transpose2d(x, w_eff, bias, conv_args(x.shape()[2], x.shape()[3])));
}

mConv2DTranspose::mConv2DTranspose(Conv2DOptions options) : Conv2DTranspose(std::move(options), true, "mConv2DTranspose") {}

}  // namespace murine
