// BatchNormalization: batch statistics in training (with the running-statistics update), running
// statistics in inference. Composed of tensor ops, so autograd carries the gradient through μ_B and σ²_B.
#include "layers/batch_normalization.h"

#include "tensor/error.h"

namespace murine {

BatchNormalization::BatchNormalization(BatchNormalizationOptions options) : options_(std::move(options)) {
  const std::string layer = type_name();
  MURINE_CHECK(options_.momentum >= 0.0 && options_.momentum <= 1.0,
               layer << ": momentum must be in [0, 1] (Keras' convention: the weight of the running value), got "
                     << options_.momentum);
  MURINE_CHECK(options_.epsilon > 0.0, layer << ": epsilon must be positive, got " << options_.epsilon);
  MURINE_CHECK(options_.in_channels >= 0, layer << ": in_channels must be >= 0, got " << options_.in_channels);
  if (options_.in_channels > 0) build(options_.in_channels);
}

BatchNormalizationOptions BatchNormalization::torch(int64_t num_features, double eps, double momentum, bool affine) {
  MURINE_CHECK(momentum >= 0.0 && momentum <= 1.0,
               "BatchNormalization::torch: momentum must be in [0, 1] (PyTorch's convention: the batch's weight), got "
                   << momentum);
  BatchNormalizationOptions o;
  o.in_channels = num_features;
  o.epsilon = eps;
  o.momentum = 1.0 - momentum;
  o.center = o.scale = affine;
  o.unbiased_running_var = true;
  return o;
}

void BatchNormalization::build(int64_t in_channels) {
  const std::string layer = type_name();
  MURINE_CHECK(!built(), layer << ": already built");
  MURINE_CHECK(in_channels > 0, layer << ": in_channels must be positive, got " << in_channels);
  options_.in_channels = in_channels;
  Generator& gen = global_generator();
  if (options_.scale)
    weight = register_parameter("weight", initialize(options_.gamma_initializer, {in_channels}, gen, device()));
  if (options_.center)
    bias = register_parameter("bias", initialize(options_.beta_initializer, {in_channels}, gen, device()));
  running_mean = register_buffer("running_mean", zeros({in_channels}, device()));
  running_var = register_buffer("running_var", ones({in_channels}, device()));
}

// x (N, C, …) → y of the same shape; μ, σ², γ, β are (C), broadcast as (1, C, 1, …).
Tensor BatchNormalization::forward(const Tensor& x) {
  const std::string layer = type_name();
  MURINE_CHECK(x.rank() >= 2, layer << ": expects input (N, C) or (N, C, H, W), got " << shape_str(x.shape()));
  if (!built()) build(x.shape()[1]);
  const int64_t channels = options_.in_channels;
  MURINE_CHECK(x.shape()[1] == channels, layer << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                                               << " channels but the layer was built for " << channels);
  Shape per_channel(x.rank(), 1);  // (1, C, 1, …)
  per_channel[1] = channels;
  std::vector<int64_t> reduce_axes;  // every axis but the channel axis
  for (int64_t a = 0; a < x.rank(); ++a)
    if (a != 1) reduce_axes.push_back(a);
  const int64_t n = x.numel() / channels;  // values per channel

  Tensor centered, variance;
  if (training()) {
    // [batch stats] μ_B = (1/n) Σ x,  σ²_B = (1/n) Σ (x − μ_B)²  over (N, H, W), the biased variance
    Tensor batch_mean = mean(x, reduce_axes, /*keepdim=*/true);
    centered = sub(x, batch_mean);
    variance = mean(mul(centered, centered), reduce_axes, /*keepdim=*/true);

    NoGradGuard no_grad;
    MURINE_CHECK(!options_.unbiased_running_var || n > 1,
                 layer << ": training with unbiased_running_var needs more than one value per channel, got input "
                       << shape_str(x.shape()));
    const float keep = (float)options_.momentum, take = (float)(1.0 - options_.momentum);
    Tensor folded_var = reshape(variance.detach(), {channels});
    // [unbiased variance] σ²_unbiased = σ²_B · n/(n − 1)  (PyTorch's running_var only)
    if (options_.unbiased_running_var) folded_var = mul(folded_var, (float)((double)n / (double)(n - 1)));
    // [running stats] running ← momentum·running + (1 − momentum)·batch  (Keras' momentum; PyTorch's m = 1 − momentum)
    set_buffer("running_mean", add(mul(running_mean, keep), mul(reshape(batch_mean.detach(), {channels}), take)));
    set_buffer("running_var", add(mul(running_var, keep), mul(folded_var, take)));
  } else {
    centered = sub(x, reshape(running_mean, per_channel));
    variance = reshape(running_var, per_channel);
  }

  // [batch norm] y = γ·(x − μ)/√(σ² + ε) + β  with (μ, σ²) = (μ_B, σ²_B) in training, the running ones in inference
  Tensor factor = 1.0f / sqrt(add(variance, (float)options_.epsilon));  // (1, C, 1, …)
  if (options_.scale) factor = mul(factor, reshape(weight, per_channel));
  Tensor y = mul(centered, factor);
  if (options_.center) y = add(y, reshape(bias, per_channel));
  return y;
}

}  // namespace murine
