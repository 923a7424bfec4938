// Dense, mDense, SzDense.
#include "layers/dense.h"

#include "layers/activation_fn.h"
#include "tensor/error.h"

namespace murine {

Dense::Dense(DenseOptions options) : Dense(std::move(options), false, "Dense") {}

Dense::Dense(DenseOptions options, bool masked, std::string name, const char* default_form)
    : KernelLayer(std::move(name), masked, options.window, "mDense or SzDense", default_form),
      options_(std::move(options)) {
  MURINE_CHECK(options_.units > 0, type_name() << ": units must be positive, got " << options_.units);
  MURINE_CHECK(options_.in_features >= 0, type_name() << ": in_features must be >= 0, got " << options_.in_features);
  check_activation(options_.activation, type_name());
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

void Dense::build(int64_t in_features) {
  MURINE_CHECK(!built(), type_name() << ": already built");
  MURINE_CHECK(in_features > 0, type_name() << ": in_features must be positive, got " << in_features);
  options_.in_features = in_features;
  build_kernel({options_.units, in_features}, options_.window,
               {options_.kernel_initializer, options_.use_bias, options_.bias_initializer, options_.units});
}

// [dense] y = x·W_effᵀ + b,  W_eff = W ⊙ window (masked layers, effective_weight)
Tensor Dense::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() >= 2, type_name() << ": expects input (batch, features), got " << shape_str(x.shape()));
  if (!built()) build(x.shape().back());
  MURINE_CHECK(x.shape().back() == options_.in_features,
               type_name() << ": input " << shape_str(x.shape()) << " has " << x.shape().back()
                           << " features but the layer was built for " << options_.in_features);
  return apply_activation(options_.activation, linear(x, effective_weight(), bias, window_blocks()));
}

mDense::mDense(DenseOptions options) : Dense(std::move(options), true, "mDense") {}

SzDense::SzDense(DenseOptions options) : Dense(std::move(options), true, "SzDense", "diagonal") {}

}  // namespace murine
