// The paper's GAN, Keras flavour (mouse/DCGAN_AFHQcat_240805b_git.py, described in
// docs/spec/models.md, "DCGAN, Keras flavour"): generator, spectral-normalised discriminator and
// the training step. murine is NCHW; images are in [0, 1] (sigmoid output), latent z is (N, latent).
//
// Layout at image_size 64, width_scale 1 (C = 1024, 512, 256, 128 in G; 64, 128, 256, 512 in D):
//   G:  0 Dense(4·4·1024)  1 BN  2 ReLU  3 Reshape(1024, 4, 4)
//       4 mConv2DTranspose(512, k5, s2, same, input2d 32, output2d 32, r)  5 BN  6 ReLU      8×8
//       7 mConv2DTranspose(256, …, 32, 16, r)                              8 BN  9 ReLU     16×16
//      10 mConv2DTranspose(128, …, 16, 16, r)                             11 BN 12 ReLU     32×32
//      13 Conv2DTranspose(3, k5, s2, same, sigmoid)                                          64×64
//   D:  0 SN(Conv2D(64, k4, s2, same)) 1 LReLU(0.2)  2 SN(Conv2D(128)) 3 LReLU  4 SN(Conv2D(256)) 5 LReLU
//       6 SN(Conv2D(512)) 7 LReLU  8 Flatten  9 Dropout(0.2)  10 Dense(1, sigmoid)
// Keras defaults throughout: glorot_uniform kernels, zero biases (every layer has one), BatchNormalization
// momentum 0.99 and epsilon 1e-3; the mouse layers start from W ⊙ window · w_corr as in mouselayers.py.
// Reshape: Keras reshapes the Dense output to (4, 4, 1024) channels-last; murine reshapes to
// (1024, 4, 4), i.e. the Dense units are read in another order: a relabelling of the units (the same model
// family), but a Keras checkpoint's Dense kernel and bias would need their columns permuted.
//
// Options: width_scale multiplies every channel count (rounded, at least 1); the grid widths are the
// table above at width_scale 1 and otherwise input2d = default_2d_width(filters) (the output-channel
// grid, transposed role swap) and output2d = default_2d_width(input channels). image_size 32 drops the
// LAST mouse stage (128 filters, its BN and ReLU): 4 → 8 → 16 → 32, the two kept mouse layers keep their
// channel counts and grid widths; D is unchanged (its last map is 2×2, Flatten gives 512·2·2).
// standard = true uses Conv2DTranspose for the three mouse stages.
//
// Training flag: models.md's algorithm (Keras' usual train_step) runs G and D in training mode, and so
// does murine: BatchNormalization uses batch statistics and updates its moving ones, SpectralNormalization
// runs its power iteration and divides by σ, Dropout drops. The reference script calls generator(z) and
// discriminator(x) without training=True, so there (Keras 3) BN runs on its never-updated moving
// statistics, SpectralNormalization never normalises and Dropout is off (tests/reference/README.md).
// murine does not reproduce that; it follows models.md.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "layers/module.h"
#include "models/dcgan_torch.h"  // GanLosses
#include "optim/adam.h"

namespace murine {

struct DcganKerasOptions {
  int64_t latent = 100;
  int64_t image_size = 64;      // 64 or 32
  int64_t channels = 3;
  double width_scale = 1.0;     // multiplies G's 1024/512/256/128 and D's 64/128/256/512
  double window2d_width = 0.4;  // r
  bool standard = false;        // Conv2DTranspose instead of mConv2DTranspose
};

void check_dcgan_keras_options(const DcganKerasOptions& o);
// Channel counts after width_scale: G {dense map, stage 0, 1, 2}; D {conv 0..3}.
std::vector<int64_t> dcgan_keras_generator_widths(const DcganKerasOptions& o);
std::vector<int64_t> dcgan_keras_discriminator_widths(const DcganKerasOptions& o);
// (input2d_width, output2d_width) of mouse stage 0..2.
std::pair<int64_t, int64_t> dcgan_keras_grid_widths(const DcganKerasOptions& o, int stage);

class DcganKerasGenerator : public Sequential {
 public:
  explicit DcganKerasGenerator(DcganKerasOptions options = {});
  // z (N, latent) → images (N, channels, S, S) in [0, 1].
  Tensor forward(const Tensor& z) override;
  std::string type_name() const override { return "DcganKerasGenerator"; }
  const DcganKerasOptions& options() const { return options_; }

 private:
  DcganKerasOptions options_;
};

class DcganKerasDiscriminator : public Sequential {
 public:
  explicit DcganKerasDiscriminator(DcganKerasOptions options = {});
  // images (N, channels, S, S) → probability (N, 1) that the image is FAKE (the reference labels fake 1).
  Tensor forward(const Tensor& images) override;
  std::string type_name() const override { return "DcganKerasDiscriminator"; }
  const DcganKerasOptions& options() const { return options_; }

 private:
  DcganKerasOptions options_;
};

// G, D (weights from global_generator()) and two Adam::keras(lr 1e-4, beta1 0.5, beta2 0.999, eps 1e-7).
class DcganKeras {
 public:
  explicit DcganKeras(DcganKerasOptions options = {}, double lr = 1e-4, double beta1 = 0.5);

  // One step of models.md's algorithm, G and D in training mode, Keras' binary cross-entropy:
  //   1. fake = G(z_d) (no gradient); D sees concat(fake, real) with labels 1 (fake) / 0 (real) plus
  //      label_noise; d_loss = BCE(labels, D(·)); D step.
  //   2. g_loss = BCE(0, D(G(z_g))) ("real" labels); G step; D is not updated.
  // real (N, channels, S, S) in [0, 1]; z_d, z_g (N, latent); label_noise (2N, 1).
  GanLosses train_step(const Tensor& real, const Tensor& z_d, const Tensor& label_noise, const Tensor& z_g);
  // As above with z_d, z_g ~ N(0, 1) and label_noise = 0.05·U(0, 1) drawn from `gen` (in that order).
  GanLosses train_step(const Tensor& real, Generator& gen);

  DcganKerasOptions options;
  std::shared_ptr<DcganKerasGenerator> generator;
  std::shared_ptr<DcganKerasDiscriminator> discriminator;
  Adam optimizer_g, optimizer_d;
};

}  // namespace murine
