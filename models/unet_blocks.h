// The building blocks of the reference scripts' DDIM U-Net (mouse/DDIM_AFHQcat_240901d: the Keras DDIM example
// with GroupNormalization, dropout, attention at 16×16 and mouse-mimetic 3×3 convolutions):
// the sinusoidal embedding of the noise variance, ResidualBlock, DownBlock and UpBlock. NCHW throughout
// (the reference script is channels-last; its Concatenate on the last axis is ours on axis 1).
// docs/spec/models.md ("DDIM") is the definition; models/ddim.h assembles the network.
#pragma once
#include <memory>
#include <vector>

#include "layers/attention.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/group_normalization.h"
#include "layers/module.h"

namespace murine {

// A radius at or above this means "standard convolution" (Conv2D), as the reference scripts' `wndrad < 1.4` test:
// r ≥ √2 ≈ 1.414 already connects everything on the unit square.
inline constexpr double kStandardRadius = 1.4;

// Sinusoidal embedding of the noise variances (the Keras DDIM's sinusoidal_embedding):
//   f_i = exp(ln f_min + i·(ln f_max − ln f_min)/(D/2 − 1)), i = 0 … D/2 − 1   (f_min = 1, f_max = max_frequency)
//   ω_i = 2π·f_i (rounded to float32, as the reference casts it)
//   e = [sin(ω_0·v), …, sin(ω_{D/2−1}·v), cos(ω_0·v), …, cos(ω_{D/2−1}·v)]
// noise_variances (N, 1, 1, 1) → (N, D, 1, 1) with D = embedding_dims (even, ≥ 4, so that there are at
// least two frequencies f_min … f_max). Computed on the host in double from the float32 ω and v, then rounded once; it carries no
// gradient (the variances are inputs, never trained), so the result is a constant tensor on v's device.
Tensor sinusoidal_embedding(const Tensor& noise_variances, int64_t embedding_dims = 32,
                            double max_frequency = 1000.0);
// The D/2 angular speeds ω_i = 2π·f_i above, as float32 values (exposed for tests).
std::vector<float> embedding_angular_speeds(int64_t embedding_dims, double max_frequency);

struct ResidualBlockOptions {
  int64_t in_channels = 0;  // channels of the input (known when the U-Net is assembled); > 0
  int64_t width = 0;        // output channels; > 0, divisible by groups
  double window2d_width = kStandardRadius;  // r < 1.4: the two 3×3 convolutions are mConv2D '2d'
  int64_t groups = 8;       // GroupNormalization groups (the reference scripts' norm_groups); must divide in_channels too
  double dropout = 0.1;
  double epsilon = 1e-3;    // GroupNormalization epsilon (Keras' default)
};

// ResidualBlock(width, r) of the reference script, in its order:
//   residual = x if in_channels == width else Conv2D(width, k1)(x)
//   h = GN(x) → conv3×3 → GN → swish → Dropout(0.1) → conv3×3;   y = h + residual
// conv3×3 = mConv2D(width, k3, "same", form '2d', input2d_width = output2d_width = default_2d_width(width),
// window2d_width = r) when r < 1.4, else Conv2D(width, k3, "same"). The grid width comes from the block's
// width even for the first convolution, whose x side (its input channels) may differ: the reference script does that.
// Keras defaults: glorot_uniform kernels, zero biases, GN γ = 1, β = 0. x (N, in_channels, H, W) →
// (N, width, H, W). Children: "residual" (only when the channels differ), "norm_in", "conv1", "norm_mid",
// "dropout", "conv2"; built at construction, drawing from global_generator() in that order.
class ResidualBlock : public Module {
 public:
  explicit ResidualBlock(ResidualBlockOptions options);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "ResidualBlock"; }
  const ResidualBlockOptions& options() const { return options_; }
  bool masked() const { return options_.window2d_width < kStandardRadius; }

  std::shared_ptr<Conv2D> residual;  // null when in_channels == width
  std::shared_ptr<GroupNormalization> norm_in, norm_mid;
  std::shared_ptr<Conv2D> conv1, conv2;  // mConv2D when masked()
  std::shared_ptr<Dropout> dropout;

 private:
  ResidualBlockOptions options_;
};

struct UNetStageOptions {
  int64_t in_channels = 0;  // channels entering the stage
  int64_t width = 0;
  int64_t block_depth = 2;
  int64_t resolution = 0;            // side of the feature maps the stage's residual blocks see
  int64_t attention_resolution = 16; // an AttentionBlock follows each residual block when resolution equals it
  double window2d_width = kStandardRadius;
  int64_t groups = 8;
  double dropout = 0.1;
};

// DownBlock (seed): block_depth × (ResidualBlock, AttentionBlock if at the attention resolution), each
// result appended to `skips`, then AveragePooling2D(2). x (N, in, R, R) → (N, width, R/2, R/2).
// Children "res<i>", "attn<i>".
class DownBlock : public Module {
 public:
  explicit DownBlock(UNetStageOptions options);
  Tensor forward(const Tensor& x, std::vector<Tensor>& skips);
  Tensor forward(const Tensor& x) override;  // an error: a DownBlock needs the skip list
  std::string type_name() const override { return "DownBlock"; }
  const UNetStageOptions& options() const { return options_; }
  bool has_attention() const { return !attention.empty(); }

  std::vector<std::shared_ptr<ResidualBlock>> blocks;
  std::vector<std::shared_ptr<AttentionBlock>> attention;  // empty, or one per residual block

 private:
  UNetStageOptions options_;
};

// UpBlock (seed): UpSampling2D(2, bilinear), then block_depth × (Concatenate([x, skips.pop()]) on the
// channel axis, ResidualBlock, AttentionBlock if at the attention resolution). `resolution` is the side
// AFTER upsampling. x (N, in, R/2, R/2) → (N, width, R, R). `skip_channels` lists the channels of the
// skips in the order they are popped. Children "res<i>", "attn<i>".
class UpBlock : public Module {
 public:
  UpBlock(UNetStageOptions options, std::vector<int64_t> skip_channels);
  Tensor forward(const Tensor& x, std::vector<Tensor>& skips);
  Tensor forward(const Tensor& x) override;  // an error: an UpBlock needs the skip list
  std::string type_name() const override { return "UpBlock"; }
  const UNetStageOptions& options() const { return options_; }
  bool has_attention() const { return !attention.empty(); }

  std::vector<std::shared_ptr<ResidualBlock>> blocks;
  std::vector<std::shared_ptr<AttentionBlock>> attention;

 private:
  UNetStageOptions options_;
};

}  // namespace murine
