// GroupNormalization (PyTorch: GroupNorm): the channels are split into `groups` consecutive groups and
// each sample is normalised with the mean and (biased) variance of its group, over the group's channels
// and every spatial position; then a per-channel γ, β. No running statistics: training and inference
// compute the same thing. Channel axis 1: (N, C, H, W) or any (N, C, …). Parameters "weight" (γ) and
// "bias" (β). groups = -1 (Keras) means one group per channel (instance normalisation); groups = 1 is
// layer normalisation over (C, H, W).
#pragma once
#include "layers/initializers.h"
#include "layers/module.h"

namespace murine {

struct GroupNormalizationOptions {
  int64_t groups = 32;    // Keras' default; must divide the channel count; -1: one per channel
  double epsilon = 1e-3;  // added to the variance, > 0
  bool center = true;     // learn β ("bias")
  bool scale = true;      // learn γ ("weight")
  Initializer gamma_initializer = Initializer::ones();
  Initializer beta_initializer = Initializer::zeros();
  int64_t in_channels = 0;  // 0: taken from the first input (Keras); PyTorch passes num_channels
};

class GroupNormalization : public Module {
 public:
  explicit GroupNormalization(GroupNormalizationOptions options = {});
  // PyTorch's nn.GroupNorm(num_groups, num_channels, eps, affine): built at once.
  static GroupNormalizationOptions torch(int64_t num_groups, int64_t num_channels, double eps = 1e-5,
                                         bool affine = true);

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GroupNormalization"; }
  // Checks the grouping and creates γ, β for `in_channels` channels (done by the first forward otherwise).
  void build(int64_t in_channels);
  bool built() const { return built_; }
  const GroupNormalizationOptions& options() const { return options_; }  // groups resolved once built

  Tensor weight, bias;  // (C) each; undefined when scale / center is off

 private:
  GroupNormalizationOptions options_;
  bool built_ = false;
};

}  // namespace murine
