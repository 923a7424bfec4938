// BatchNormalization (PyTorch: BatchNorm1d/BatchNorm2d): per-channel normalisation with the batch's
// statistics in training and the running statistics in inference. Channel axis 1: (N, C), (N, C, H, W)
// or any (N, C, …). Parameters "weight" (γ) and "bias" (β); buffers "running_mean", "running_var"
// (PyTorch's names; Keras calls them gamma, beta, moving_mean, moving_variance).
//
// The two frameworks differ in two conventions, both reachable here:
//  - momentum: Keras (the default here) keeps running = momentum·running + (1 − momentum)·batch, with
//    momentum 0.99; PyTorch's momentum m weighs the batch instead (running = (1 − m)·running + m·batch,
//    m = 0.1), so BatchNormalization::torch(…, momentum = 0.1) sets momentum = 0.9 here.
//  - the variance folded into running_var: Keras uses the biased batch variance it normalises with;
//    PyTorch normalises with the biased one too but folds in the unbiased one, σ²_B·n/(n − 1)
//    (unbiased_running_var = true).
#pragma once
#include "layers/initializers.h"
#include "layers/module.h"

namespace murine {

struct BatchNormalizationOptions {
  double momentum = 0.99;  // Keras' convention: the weight of the old running value, in [0, 1]
  double epsilon = 1e-3;   // added to the variance, > 0
  bool center = true;      // learn β ("bias")
  bool scale = true;       // learn γ ("weight")
  Initializer gamma_initializer = Initializer::ones();
  Initializer beta_initializer = Initializer::zeros();
  int64_t in_channels = 0;  // 0: taken from the first input (Keras); PyTorch passes num_features
  bool unbiased_running_var = false;  // running_var gets σ²_B·n/(n − 1) (PyTorch) instead of σ²_B (Keras)
};

class BatchNormalization : public Module {
 public:
  explicit BatchNormalization(BatchNormalizationOptions options = {});
  // PyTorch's nn.BatchNorm2d(num_features, eps, momentum, affine): built at once, momentum converted
  // to Keras' convention (1 − momentum), running_var updated with the unbiased batch variance.
  static BatchNormalizationOptions torch(int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                                         bool affine = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "BatchNormalization"; }
  // Creates the parameters and buffers for `in_channels` channels (done by the first forward otherwise).
  void build(int64_t in_channels);
  bool built() const { return running_mean.defined(); }
  const BatchNormalizationOptions& options() const { return options_; }

  Tensor weight, bias;               // (C) each; undefined when scale / center is off
  Tensor running_mean, running_var;  // (C) each; zeros and ones at build

 private:
  BatchNormalizationOptions options_;
};

}  // namespace murine
