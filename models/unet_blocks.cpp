// Sinusoidal embedding, ResidualBlock, DownBlock, UpBlock of the DDIM U-Net.
#include "models/unet_blocks.h"

#include <cmath>
#include <numbers>

#include "layers/pooling.h"
#include "layers/upsampling.h"
#include "layers/window.h"
#include "tensor/error.h"

namespace murine {

std::vector<float> embedding_angular_speeds(int64_t embedding_dims, double max_frequency) {
  MURINE_CHECK(embedding_dims >= 4 && embedding_dims % 2 == 0,
               "sinusoidal_embedding: embedding_dims must be even and >= 4, got " << embedding_dims);
  MURINE_CHECK(std::isfinite(max_frequency) && max_frequency > 1.0,
               "sinusoidal_embedding: max_frequency must be > 1 (the minimum frequency), got " << max_frequency);
  const int64_t half = embedding_dims / 2;
  const double log_lo = std::log(1.0), log_hi = std::log(max_frequency);
  std::vector<float> speeds(half);
  for (int64_t i = 0; i < half; ++i) {
    // f_i = exp(linspace(ln 1, ln f_max, D/2)_i),  ω_i = 2π·f_i
    double f = std::exp(log_lo + (log_hi - log_lo) * (double)i / (double)(half - 1));
    speeds[i] = (float)(2.0 * std::numbers::pi * f);
  }
  return speeds;
}

// [sinusoidal embedding] e[n, i] = sin(ω_i·v_n), e[n, D/2 + i] = cos(ω_i·v_n), ω_i = 2π·exp(linspace(ln 1, ln f_max, D/2))_i
// noise_variances (N, 1, 1, 1) → (N, D, 1, 1), no graph.
Tensor sinusoidal_embedding(const Tensor& noise_variances, int64_t embedding_dims, double max_frequency) {
  const Shape& s = noise_variances.shape();
  MURINE_CHECK(s.size() == 4 && s[1] == 1 && s[2] == 1 && s[3] == 1,
               "sinusoidal_embedding: noise_variances must be (N, 1, 1, 1), got " << shape_str(s));
  std::vector<float> speeds = embedding_angular_speeds(embedding_dims, max_frequency);
  const int64_t n = s[0], half = embedding_dims / 2;
  std::vector<float> v = noise_variances.to_vector();
  std::vector<float> e((size_t)(n * embedding_dims));
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < half; ++i) {
      double angle = (double)speeds[i] * (double)v[b];
      e[b * embedding_dims + i] = (float)std::sin(angle);
      e[b * embedding_dims + half + i] = (float)std::cos(angle);
    }
  return from_vector(e, {n, embedding_dims, 1, 1}, noise_variances.device());
}

// ---- ResidualBlock ----

static std::shared_ptr<Conv2D> conv3x3(int64_t in_channels, int64_t width, double r) {
  Conv2DOptions o;
  o.in_channels = in_channels;  // builds now
  o.filters = width;
  o.kernel_size = 3;
  o.padding = "same";
  if (r >= kStandardRadius) return std::make_shared<Conv2D>(o);
  const int64_t grid = default_2d_width(width);  // 2^round_half_even(log2(width)/2): 64 → 8, 128 → 16, 512 → 16
  o.window = {.form = "2d", .input2d_width = grid, .output2d_width = grid, .window2d_width = r};
  return std::make_shared<mConv2D>(o);
}

static std::shared_ptr<GroupNormalization> group_norm(int64_t channels, int64_t groups, double epsilon) {
  GroupNormalizationOptions g;
  g.groups = groups;
  g.epsilon = epsilon;
  auto norm = std::make_shared<GroupNormalization>(g);
  norm->build(channels);
  return norm;
}

ResidualBlock::ResidualBlock(ResidualBlockOptions options) : options_(options) {
  const auto& o = options_;
  MURINE_CHECK(o.in_channels > 0 && o.width > 0, "ResidualBlock: in_channels and width must be positive, got "
                                                     << o.in_channels << " and " << o.width);
  MURINE_CHECK(o.groups > 0 && o.in_channels % o.groups == 0 && o.width % o.groups == 0,
               "ResidualBlock: groups " << o.groups << " must divide in_channels " << o.in_channels
                                        << " and width " << o.width);
  MURINE_CHECK(std::isfinite(o.window2d_width) && o.window2d_width > 0,
               "ResidualBlock: window2d_width must be positive, got " << o.window2d_width);
  if (o.in_channels != o.width) {
    Conv2DOptions c;
    c.in_channels = o.in_channels;
    c.filters = o.width;
    c.kernel_size = 1;
    residual = register_module("residual", std::make_shared<Conv2D>(c));
  }
  norm_in = register_module("norm_in", group_norm(o.in_channels, o.groups, o.epsilon));
  conv1 = register_module("conv1", conv3x3(o.in_channels, o.width, o.window2d_width));
  norm_mid = register_module("norm_mid", group_norm(o.width, o.groups, o.epsilon));
  dropout = register_module("dropout", std::make_shared<Dropout>(o.dropout));
  conv2 = register_module("conv2", conv3x3(o.width, o.width, o.window2d_width));
}

// residual block: y = conv2(dropout(swish(GN(conv1(GN(x)))))) + (x or Conv1×1(x))
// x (N, in_channels, H, W) → (N, width, H, W)
Tensor ResidualBlock::forward(const Tensor& x) {
  MURINE_CHECK(x.rank() == 4 && x.size(1) == options_.in_channels,
               "ResidualBlock: expects input (N, " << options_.in_channels << ", H, W), got "
                                                   << shape_str(x.shape()));
  Tensor skip = residual ? residual->forward(x) : x;
  Tensor h = norm_in->forward(x);
  h = conv1->forward(h);
  h = norm_mid->forward(h);
  h = silu(h);  // Keras' swish
  h = dropout->forward(h);
  h = conv2->forward(h);
  return add(h, skip);
}

// ---- DownBlock / UpBlock ----

static void check_stage(const UNetStageOptions& o, const char* name) {
  MURINE_CHECK(o.in_channels > 0 && o.width > 0 && o.block_depth > 0 && o.resolution > 0,
               name << ": in_channels, width, block_depth and resolution must be positive, got "
                    << o.in_channels << ", " << o.width << ", " << o.block_depth << ", " << o.resolution);
}

static ResidualBlockOptions block_options(const UNetStageOptions& o, int64_t in_channels) {
  ResidualBlockOptions r;
  r.in_channels = in_channels;
  r.width = o.width;
  r.window2d_width = o.window2d_width;
  r.groups = o.groups;
  r.dropout = o.dropout;
  return r;
}

DownBlock::DownBlock(UNetStageOptions options) : options_(options) {
  check_stage(options_, "DownBlock");
  MURINE_CHECK(options_.resolution % 2 == 0,
               "DownBlock: resolution " << options_.resolution << " must be even (AveragePooling2D(2) follows)");
  const bool attend = options_.resolution == options_.attention_resolution;
  int64_t channels = options_.in_channels;
  for (int64_t i = 0; i < options_.block_depth; ++i) {
    blocks.push_back(register_module("res" + std::to_string(i),
                                     std::make_shared<ResidualBlock>(block_options(options_, channels))));
    channels = options_.width;
    if (attend)
      attention.push_back(register_module("attn" + std::to_string(i),
                                          std::make_shared<AttentionBlock>(options_.width, options_.groups)));
  }
}

Tensor DownBlock::forward(const Tensor& x) {
  throw Error("DownBlock: needs the skip list, call forward(x, skips); got only " + shape_str(x.shape()));
}

// x (N, in, R, R) → (N, width, R/2, R/2); appends block_depth skips of (N, width, R, R)
Tensor DownBlock::forward(const Tensor& x, std::vector<Tensor>& skips) {
  Tensor h = x;
  for (size_t i = 0; i < blocks.size(); ++i) {
    h = blocks[i]->forward(h);
    if (has_attention()) h = attention[i]->forward(h);
    skips.push_back(h);
  }
  AveragePooling2D pool(AveragePooling2DOptions{2});
  return pool.forward(h);
}

UpBlock::UpBlock(UNetStageOptions options, std::vector<int64_t> skip_channels) : options_(options) {
  check_stage(options_, "UpBlock");
  MURINE_CHECK((int64_t)skip_channels.size() == options_.block_depth,
               "UpBlock: needs one skip channel count per residual block (" << options_.block_depth << "), got "
                                                                             << skip_channels.size());
  const bool attend = options_.resolution == options_.attention_resolution;
  int64_t channels = options_.in_channels;
  for (int64_t i = 0; i < options_.block_depth; ++i) {
    blocks.push_back(register_module(
        "res" + std::to_string(i),
        std::make_shared<ResidualBlock>(block_options(options_, channels + skip_channels[i]))));
    channels = options_.width;
    if (attend)
      attention.push_back(register_module("attn" + std::to_string(i),
                                          std::make_shared<AttentionBlock>(options_.width, options_.groups)));
  }
}

Tensor UpBlock::forward(const Tensor& x) {
  throw Error("UpBlock: needs the skip list, call forward(x, skips); got only " + shape_str(x.shape()));
}

// x (N, in, R/2, R/2) → (N, width, R, R); pops block_depth skips
Tensor UpBlock::forward(const Tensor& x, std::vector<Tensor>& skips) {
  MURINE_CHECK(skips.size() >= blocks.size(), "UpBlock: needs " << blocks.size() << " skips, has " << skips.size());
  UpSampling2D upsample(UpSampling2DOptions{2, "bilinear"});
  Tensor h = upsample.forward(x);
  for (size_t i = 0; i < blocks.size(); ++i) {
    h = concat({h, skips.back()}, 1);  // Keras' Concatenate()([x, skip]) on the channel axis
    skips.pop_back();
    h = blocks[i]->forward(h);
    if (has_attention()) h = attention[i]->forward(h);
  }
  return h;
}

}  // namespace murine
