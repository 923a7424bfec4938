// Dense, mDense, SzDense.
#include "layers/dense.h"

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

Dense::Dense(DenseOptions options) : Dense(std::move(options), false, "Dense") {}

Dense::Dense(DenseOptions options, bool masked, std::string name)
    : options_(std::move(options)), masked_(masked), name_(std::move(name)) {
  const std::string layer = type_name();
  MURINE_CHECK(options_.units > 0, layer << ": units must be positive, got " << options_.units);
  MURINE_CHECK(options_.in_features >= 0, layer << ": in_features must be >= 0, got " << options_.in_features);
  check_activation(options_.activation, layer);
  if (!masked_)
    MURINE_CHECK(options_.form.empty(), layer << ": form '" << options_.form
                                              << "' needs a masked layer (mDense or SzDense)");
  if (options_.in_features > 0) build(options_.in_features);
}

DenseOptions Dense::torch(int64_t in_features, int64_t out_features, bool bias) {
  DenseOptions o;
  o.units = out_features;
  o.in_features = in_features;
  o.use_bias = bias;
  o.kernel_initializer = Initializer::torch_default();
  o.bias_initializer = Initializer::torch_default();
  return o;
}

WindowSpec Dense::spec() const {
  WindowSpec s;
  s.form = options_.form.empty() ? "2d" : options_.form;
  s.input2d_width = options_.input2d_width;
  s.output2d_width = options_.output2d_width;
  s.window2d_width = options_.window2d_width;
  s.param_reduction = options_.param_reduction;
  s.halfbandwidth = options_.halfbandwidth;
  s.seed = options_.window_seed;
  return s;
}

void Dense::build(int64_t in_features) {
  const std::string layer = type_name();
  MURINE_CHECK(!built(), layer << ": already built");
  MURINE_CHECK(in_features > 0, layer << ": in_features must be positive, got " << in_features);
  options_.in_features = in_features;
  Shape shape{options_.units, in_features};
  Generator& gen = global_generator();
  Tensor w = initialize(options_.kernel_initializer, shape, gen, device());
  if (masked_) {
    // [w_corr init] W ← W ⊙ window · w_corr (the gaussian window already carries w_corr)
    window = register_buffer("window", make_window(spec(), shape, layer).to(device()));
    WindowStats st = murine::window_stats(spec(), shape, layer);
    NoGradGuard no_grad;
    w = options_.form == "gaussian" ? mul(w, window) : mul(mul(w, window), (float)st.w_corr);
  }
  weight = register_parameter("weight", w);
  if (options_.use_bias)
    bias = register_parameter("bias", initial_bias(options_.bias_initializer, options_.units, (double)in_features,
                                                   gen, device()));
}

WindowStats Dense::window_stats() const {
  MURINE_CHECK(masked_ && built(), type_name() << ": window_stats needs a built masked layer");
  return murine::window_stats(spec(), weight.shape(), type_name());
}

// [dense] y = x·W_effᵀ + b,  W_eff = W ⊙ window (masked layers);  dW = dW_eff ⊙ window (mul's backward)
Tensor Dense::forward(const Tensor& x) {
  const std::string layer = type_name();
  MURINE_CHECK(x.rank() >= 2, layer << ": expects input (batch, features), got " << shape_str(x.shape()));
  if (!built()) build(x.shape().back());
  MURINE_CHECK(x.shape().back() == options_.in_features,
               layer << ": input " << shape_str(x.shape()) << " has " << x.shape().back()
                     << " features but the layer was built for " << options_.in_features);
  Tensor w_eff = masked_ ? mul(weight, window) : weight;
  return apply_activation(options_.activation, linear(x, w_eff, bias));
}

mDense::mDense(DenseOptions options) : Dense(std::move(options), true, "mDense") {}

static DenseOptions schizo_defaults(DenseOptions o) {
  if (o.form.empty()) o.form = "diagonal";
  return o;
}

SzDense::SzDense(DenseOptions options) : Dense(schizo_defaults(std::move(options)), true, "SzDense") {}

}  // namespace murine
