// Conv2D, mConv2D, SzConv2D.
#include "layers/conv2d.h"

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

Conv2D::Conv2D(Conv2DOptions options) : Conv2D(std::move(options), false, "Conv2D") {}

Conv2D::Conv2D(Conv2DOptions options, bool masked, std::string name)
    : options_(std::move(options)), masked_(masked), name_(std::move(name)) {
  check_conv_options(options_, name_, masked_);
  MURINE_CHECK(options_.output_padding.h == -1 && options_.output_padding.w == -1,
               name_ << ": output_padding is only for transposed convolutions");
  if (options_.in_channels > 0) build(options_.in_channels);
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

Tensor initial_conv_weight(const Conv2DOptions& o, const Shape& shape, bool masked, const std::string& layer,
                           Generator& gen, Device device, Tensor* window_out) {
  Tensor w = initialize(o.kernel_initializer, shape, gen, device);
  if (!masked) return w;
  // [w_corr init] W ← W ⊙ window · w_corr
  *window_out = make_window(window_spec(o), shape, layer).to(device);
  WindowStats st = murine::window_stats(window_spec(o), shape, layer);
  NoGradGuard no_grad;
  return mul(mul(w, *window_out), (float)st.w_corr);
}

ConvParams initial_conv_params(const Conv2DOptions& o, int64_t in_channels, const Shape& shape, bool masked,
                               const std::string& layer, Device device) {
  MURINE_CHECK(in_channels > 0 && in_channels % o.groups == 0,
               layer << ": in_channels " << in_channels << " must be positive and divisible by groups " << o.groups);
  Generator& gen = global_generator();
  ConvParams p;
  p.weight = initial_conv_weight(o, shape, masked, layer, gen, device, &p.window);
  if (o.use_bias) p.bias = initial_bias(o.bias_initializer, o.filters, compute_fans(shape).fan_in, gen, device);
  return p;
}

void Conv2D::build(int64_t in_channels) {
  MURINE_CHECK(!built(), name_ << ": already built");
  Shape shape{options_.filters, in_channels / options_.groups, options_.kernel_size.h, options_.kernel_size.w};
  ConvParams p = initial_conv_params(options_, in_channels, shape, masked_, name_, device());
  options_.in_channels = in_channels;
  weight = register_parameter("weight", p.weight);
  if (masked_) window = register_buffer("window", p.window);
  if (options_.use_bias) bias = register_parameter("bias", p.bias);
}

WindowStats Conv2D::window_stats() const {
  MURINE_CHECK(masked_ && built(), name_ << ": window_stats needs a built masked layer");
  return murine::window_stats(window_spec(options_), weight.shape(), name_);
}

// [conv layer] y = conv2d(x, W_eff) + b,  W_eff = W ⊙ window (masked layers);  dW = dW_eff ⊙ window
Tensor Conv2D::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4, name_ << ": expects input (N, C, H, W), got " << shape_str(x.shape()));
  if (!built()) build(x.shape()[1]);
  MURINE_CHECK(x.shape()[1] == options_.in_channels,
               name_ << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                     << " channels but the layer was built for " << options_.in_channels);
  Pads p = conv_pads(options_, x.shape()[2], x.shape()[3]);
  ConvArgs c;
  c.stride_h = options_.strides.h;
  c.stride_w = options_.strides.w;
  c.pad_top = p.top;
  c.pad_bottom = p.bottom;
  c.pad_left = p.left;
  c.pad_right = p.right;
  c.dilation_h = options_.dilation_rate.h;
  c.dilation_w = options_.dilation_rate.w;
  c.groups = options_.groups;
  Tensor w_eff = masked_ ? mul(weight, window) : weight;
  return apply_activation(options_.activation, conv2d(x, w_eff, bias, c));
}

mConv2D::mConv2D(Conv2DOptions options) : Conv2D(std::move(options), true, "mConv2D") {}

static Conv2DOptions schizo_defaults(Conv2DOptions o) {
  if (o.form.empty()) o.form = "diagonal";
  return o;
}

SzConv2D::SzConv2D(Conv2DOptions options) : Conv2D(schizo_defaults(std::move(options)), true, "SzConv2D") {}

}  // namespace murine
