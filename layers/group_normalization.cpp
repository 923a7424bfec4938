// GroupNormalization: per-sample, per-group statistics, through the group_norm op (its forward and
// backward are one pass each, autograd/ops_norm.cpp).
#include "layers/group_normalization.h"

#include "tensor/error.h"

namespace murine {

GroupNormalization::GroupNormalization(GroupNormalizationOptions options) : options_(std::move(options)) {
  const std::string layer = type_name();
  MURINE_CHECK(options_.groups > 0 || options_.groups == -1,
               layer << ": groups must be positive (or -1 for one group per channel), got " << options_.groups);
  MURINE_CHECK(options_.epsilon > 0.0, layer << ": epsilon must be positive, got " << options_.epsilon);
  MURINE_CHECK(options_.in_channels >= 0, layer << ": in_channels must be >= 0, got " << options_.in_channels);
  if (options_.in_channels > 0) build(options_.in_channels);
}

GroupNormalizationOptions GroupNormalization::torch(int64_t num_groups, int64_t num_channels, double eps, bool affine) {
  GroupNormalizationOptions o;
  o.groups = num_groups;
  o.in_channels = num_channels;
  o.epsilon = eps;
  o.center = o.scale = affine;
  return o;
}

void GroupNormalization::build(int64_t in_channels) {
  const std::string layer = type_name();
  MURINE_CHECK(!built(), layer << ": already built");
  MURINE_CHECK(in_channels > 0, layer << ": in_channels must be positive, got " << in_channels);
  const int64_t groups = options_.groups == -1 ? in_channels : options_.groups;
  MURINE_CHECK(in_channels % groups == 0,
               layer << ": the channel count " << in_channels << " is not divisible by groups " << groups);
  options_.groups = groups;
  options_.in_channels = in_channels;
  built_ = true;
  Generator& gen = global_generator();
  if (options_.scale)
    weight = register_parameter("weight", initialize(options_.gamma_initializer, {in_channels}, gen, device()));
  if (options_.center)
    bias = register_parameter("bias", initialize(options_.beta_initializer, {in_channels}, gen, device()));
}

// x (N, C, …) → y of x's shape; the statistics are (N, G); γ, β are (C).
Tensor GroupNormalization::forward(const Tensor& x) {
  const std::string layer = type_name();
  MURINE_CHECK(x.rank() >= 2, layer << ": expects input (N, C, H, W), got " << shape_str(x.shape()));
  if (!built()) {
    MURINE_CHECK(x.shape()[1] % (options_.groups == -1 ? x.shape()[1] : options_.groups) == 0,
                 layer << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                       << " channels, which is not divisible by groups " << options_.groups);
    build(x.shape()[1]);
  }
  const int64_t channels = options_.in_channels, groups = options_.groups;
  MURINE_CHECK(x.shape()[1] == channels, layer << ": input " << shape_str(x.shape()) << " has " << x.shape()[1]
                                               << " channels but the layer was built for " << channels);
  MURINE_CHECK(x.numel() > 0, layer << ": input " << shape_str(x.shape()) << " is empty");
  // μ_ng, σ²_ng over group g of sample n (its C/G channels × H × W), y = γ_c·(x − μ_ng)/√(σ²_ng + ε) + β_c:
  // one op with its own backward (autograd/ops_norm.cpp)
  return group_norm(x, groups, weight, bias, (float)options_.epsilon);
}

}  // namespace murine
