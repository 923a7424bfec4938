// AttentionBlock: the spatial self-attention of the reference scripts' DDIM U-Net (mouse/DDIM_AFHQcat_240901d:
// the Keras DDPM example's block with 1×1 Conv2D in place of Dense). Every one of the H·W positions
// attends to every position:
//   h = GroupNormalization(x);  q, k, v = 1×1 convolutions of h (units channels each);
//   A = softmax over key positions of q·kᵀ/√units;  y = h + proj(A·v)  (proj: a 1×1 convolution).
// The residual adds the *normalised* input, as the reference does. NCHW; the input must have
// `units` channels so the sum is defined.
#pragma once
#include <memory>

#include "layers/conv2d.h"
#include "layers/group_normalization.h"
#include "layers/module.h"

namespace murine {

struct AttentionBlockOptions {
  int64_t units = 0;      // channels of q, k, v and the output; equals the input channels
  int64_t groups = 8;     // GroupNormalization groups (the reference's norm_groups)
  double epsilon = 1e-3;  // GroupNormalization epsilon (Keras' default)
};

class AttentionBlock : public Module {
 public:
  explicit AttentionBlock(AttentionBlockOptions options);
  AttentionBlock(int64_t units, int64_t groups) : AttentionBlock(AttentionBlockOptions{units, groups}) {}

  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "AttentionBlock"; }
  const AttentionBlockOptions& options() const { return options_; }

  // Children, named as the reference's attributes: norm, query, key, value, proj. All are built at
  // construction, in that order: norm with γ = 1, β = 0, then four 1×1 Conv2D with Keras defaults
  // (glorot_uniform kernels drawn from global_generator(), zero biases).
  std::shared_ptr<GroupNormalization> norm;
  std::shared_ptr<Conv2D> query, key, value, proj;

 private:
  AttentionBlockOptions options_;
};

}  // namespace murine
