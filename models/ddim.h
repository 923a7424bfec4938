// The reference scripts' DDIM (mouse/DDIM_AFHQcat_240901d: the Keras "Denoising Diffusion Implicit
// Models" example with GroupNormalization, dropout, attention at 16×16 and mouse-mimetic 3×3
// convolutions in the deep stages): the residual U-Net (DdimNetwork) and the diffusion model (Ddim)
// with the cosine-angle schedule, the training step, EMA weights and deterministic DDIM sampling. Its
// weight usage is measured by models/summary.h (weight_usage(): 43.969… % overall, 34.570… % masked).
// docs/spec/models.md ("DDIM") is the definition. NCHW; images in [0, 1].
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "layers/conv2d.h"
#include "layers/module.h"
#include "layers/normalization.h"
#include "models/unet_blocks.h"
#include "optim/adam.h"
#include "optim/ema.h"

namespace murine {

struct DdimOptions {
  int64_t image_size = 64;
  std::vector<int64_t> widths = {64, 128, 256, 512};  // the last one is the middle (bottleneck) width
  int64_t block_depth = 2;
  int64_t embedding_dims = 32;
  double embedding_max_frequency = 1000.0;
  // r, the mouse window radius. Used only to fill down_radii / up_radii when they are left empty;
  // r >= 1.4 gives the standard DDIM (every convolution a Conv2D).
  double window2d_width = 0.4;
  // Per-stage radii (the reference scripts' windowrad_dn / windowrad_up); a radius >= 1.4 means Conv2D.
  // down_radii: one per down stage, then the middle: widths.size() entries.
  // up_radii: one per up stage, from the deepest: at least widths.size() − 1 entries (the reference scripts' list has
  // widths.size() entries; the last is never used).
  // Empty: the reference scripts' pattern, generalised to any number of widths L: down = {1.4 × (L−2), r, r},
  // up = {r, r, 1.4 × (L−2)}; for L = 4 exactly the reference scripts' {1.4, 1.4, r, r} and {r, r, 1.4, 1.4}.
  std::vector<double> down_radii = {}, up_radii = {};
  // Attention follows every residual block whose feature map is attention_resolution × attention_resolution
  // (the reference script: 16 at image size 64, i.e. the third down stage and the first up stage). For a smaller image
  // pass image_size / 4 to keep attention at the same depth (16 → 4 for image 16, 8 for image 32); a value
  // that no stage reaches (e.g. 0) gives a U-Net without attention.
  int64_t attention_resolution = 16;
  double dropout = 0.1;
  int64_t groups = 8;  // GroupNormalization groups (the reference scripts' norm_groups)

  // Training and sampling (the reference scripts' values).
  double learning_rate = 2e-4;  // keras.optimizers.Adam(2e-4, beta_1 = 0.9): eps 1e-7, no weight decay
  double ema = 0.999;
  double min_signal_rate = 0.02, max_signal_rate = 0.95;

  // The radii actually used (down_radii / up_radii, or the pattern above when empty).
  std::vector<double> resolved_down_radii() const;
  std::vector<double> resolved_up_radii() const;
};

// The residual U-Net of the reference scripts' get_network. Inputs: noisy images (N, 3, S, S) and noise variances
// (N, 1, 1, 1); output: the predicted noise (N, 3, S, S).
//   e = sinusoidal_embedding(variance) (N, D, 1, 1), nearest-upsampled to (N, D, S, S)
//   x = concat([Conv2D(widths[0], k1)(images), e])                          (channels widths[0] + D)
//   for each width but the last: DownBlock (skips kept)                     (S → S/2 each)
//   middle: block_depth × ResidualBlock(widths.back(), down_radii.back()), an AttentionBlock after each but
//           the last when the middle's map is at the attention resolution
//   for each width but the last, in reverse: UpBlock (pops the skips)      (→ S)
//   y = Conv2D(3, k1, zeros kernel)(x)
// Children: "stem", "down<i>", "middle<i>", "middle_attn<i>", "up<i>", "output". Built at construction,
// drawing every initial weight from global_generator() (manual_seed makes it reproducible).
class DdimNetwork : public Module {
 public:
  explicit DdimNetwork(DdimOptions options = {});

  Tensor forward(const Tensor& noisy_images, const Tensor& noise_variances);
  Tensor operator()(const Tensor& noisy_images, const Tensor& noise_variances) {
    return forward(noisy_images, noise_variances);
  }
  Tensor forward(const Tensor& x) override;  // an error: the network takes (images, variances)
  std::string type_name() const override { return "DdimNetwork"; }
  const DdimOptions& options() const { return options_; }

  std::shared_ptr<Conv2D> stem, output;
  std::vector<std::shared_ptr<DownBlock>> down;
  std::vector<std::shared_ptr<ResidualBlock>> middle;
  std::vector<std::shared_ptr<AttentionBlock>> middle_attention;  // null entries where there is none
  std::vector<std::shared_ptr<UpBlock>> up;

 private:
  DdimOptions options_;
};

// Noise and signal rates of the diffusion schedule at continuous times t ∈ [0, 1]:
//   angle = acos(max_signal_rate) + t·(acos(min_signal_rate) − acos(max_signal_rate))
//   signal_rate = cos(angle), noise_rate = sin(angle)   (so signal² + noise² = 1)
struct DiffusionRates {
  Tensor noise_rates, signal_rates;  // t's shape each
};

// The diffusion model: network, EMA network, normaliser and optimiser.
class Ddim {
 public:
  explicit Ddim(DdimOptions options = {});

  // The trained network and the EMA network used for sampling (the reference scripts' ema_network: a second
  // network that starts as a copy of the first, s ← ema·s + (1 − ema)·w after every step).
  DdimNetwork& network() { return *network_; }
  DdimNetwork& ema_network();
  // Per-channel statistics of the training images (Keras' Normalization, adapted once). The reference script
  // normalises with it and de-normalises by mean + x·√variance itself (denormalize below).
  Normalization& normalizer() { return *normalizer_; }
  void adapt(const Tensor& images);
  void adapt(const std::vector<Tensor>& batches);
  Adam& optimizer() { return *optimizer_; }
  ExponentialMovingAverage& ema() { return *ema_; }
  const DdimOptions& options() const { return options_; }

  // The whole state as checkpoint parts (train/checkpoint.h): "network" (parameters and windows),
  // "ema" (the shadows, "ema.<name>" and "ema.num_updates"), "normalizer" (mean, variance) and
  // "optimizer" (Adam's moments and counts). load_state_parts restores every part (each strictly, as
  // the parts' own load_state_dict) and refreshes the EMA network from the loaded shadows. The dropout
  // layers' mask streams are not included: they are seeded from global_generator() at construction.
  std::map<std::string, std::map<std::string, Tensor>> state_parts() const;
  void load_state_parts(const std::map<std::string, std::map<std::string, Tensor>>& parts);

  // The schedule above, elementwise on diffusion_times (any shape, usually (N, 1, 1, 1)).
  DiffusionRates diffusion_schedule(const Tensor& diffusion_times) const;
  // predicted noise = net(noisy, noise_rate²);  predicted image = (noisy − noise_rate·noise) / signal_rate.
  // training: the trained network in training mode (dropout on), else the EMA network in inference mode.
  std::pair<Tensor, Tensor> denoise(const Tensor& noisy_images, const Tensor& noise_rates,
                                    const Tensor& signal_rates, bool training);

  // One training step on images (N, 3, S, S) in [0, 1] (the reference scripts' train_step):
  //   x0 = normalize(images); ε ~ N(0, 1) (N, 3, S, S), then t ~ U(0, 1) (N, 1, 1, 1), both from `gen`;
  //   noisy = s(t)·x0 + n(t)·ε;  loss = MSE(ε, net(noisy, n²));  Adam step;  EMA update.
  // Returns the noise loss; image_loss() holds MSE(x0, predicted image) of the same step (a metric only).
  float train_step(const Tensor& images, Generator& gen);
  float image_loss() const { return image_loss_; }

  // Deterministic DDIM sampling with the EMA network (the reference scripts' reverse_diffusion): for step k = 0 … steps−1,
  // t = 1 − k/steps; predict noise and image; re-noise the image to t − 1/steps:
  //   x ← s(t − 1/steps)·x̂0 + n(t − 1/steps)·ε̂.   Returns the last predicted image x̂0 (normalised space).
  Tensor reverse_diffusion(const Tensor& initial_noise, int64_t steps);
  // mean + x·√variance per channel, clipped to [0, 1] (the reference scripts' denormalize).
  Tensor denormalize(const Tensor& images) const;
  // n images (n, 3, S, S) in [0, 1]: initial noise N(0, 1) from `gen`, reverse_diffusion, denormalize.
  Tensor sample(int64_t n, int64_t steps, Generator& gen);

 private:
  DdimOptions options_;
  std::shared_ptr<DdimNetwork> network_, ema_network_;
  std::shared_ptr<Normalization> normalizer_;
  std::unique_ptr<Adam> optimizer_;
  std::unique_ptr<ExponentialMovingAverage> ema_;
  bool ema_network_stale_ = false;  // the shadows moved since they were last copied into ema_network_
  float image_loss_ = 0.0f;
};

}  // namespace murine
