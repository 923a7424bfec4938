// The PyTorch notebook's DCGAN (mouse_pytorch/DCGAN_AFHQcat_mouse250710h.ipynb, described in
// docs/spec/models.md, "DCGAN, PyTorch flavour"): generator, discriminator, the notebook's
// weights_init, and its training step. NCHW, images in [-1, 1], latent (N, latent, 1, 1).
//
// Layout (image_size 64; ngf = ndf = 64 gives the notebook's numbers; no biases anywhere):
//   G.main: 0 ConvT(latent→8ngf, k4, s1, p0)  1 BN  2 ReLU                          4×4
//           3 mConvT(8ngf→4ngf, k4, s2, p1)   4 BN  5 ReLU                          8×8
//           6 mConvT(4ngf→2ngf)               7 BN  8 ReLU                         16×16
//           9 mConvT(2ngf→ngf)               10 BN 11 ReLU                         32×32
//          12 ConvT(ngf→channels, k4, s2, p1) 13 Tanh                              64×64
//   D.main: 0 Conv(channels→ndf, k4, s2, p1) 1 LReLU(0.2)                          32×32
//           2 Conv(ndf→2ndf) 3 BN 4 LReLU    5 Conv(2ndf→4ndf) 6 BN 7 LReLU        16, 8
//           8 Conv(4ndf→8ndf) 9 BN 10 LReLU  11 Conv(8ndf→1, k4, s1, p0) 12 Sigmoid  4×4 → 1×1
// image_size 32 drops one stage from each net:
//   G drops the LAST masked stage (2ngf→ngf, with its BN and ReLU); the final ConvT goes 2ngf→channels.
//     The two remaining masked layers keep the channel counts (and so the grid widths) they have at 64.
//   D drops its last strided stage (4ndf→8ndf, BN, LReLU); the final Conv goes 4ndf→1.
//   So G.main is 0..10 (ConvT, BN, ReLU, mConvT, BN, ReLU, mConvT, BN, ReLU, ConvT, Tanh) and
//   D.main is 0..9 (Conv, LReLU, Conv, BN, LReLU, Conv, BN, LReLU, Conv, Sigmoid).
//
// Grid widths of the mConvTranspose2d (input2d_width = grid of the OUTPUT channels, output2d_width =
// grid of the INPUT channels, the role swap of connection-windows.md): for ngf = 64 the notebook's
// (16, 16), (16, 8), (8, 8). For any other ngf both come from default_2d_width (2^round(log2(n)/2),
// half to even) of the channel counts: input2d = default_2d_width(out), output2d = default_2d_width(in).
// (The notebook's widths follow no single rule: 512 → 16, 256 → 8 on the input side.)
//
// Names: G and D each hold one Sequential "main", so the state dict reads "main.3.weight",
// "main.4.running_mean", "main.3.window" exactly like the notebook's module (whose mConvTranspose2d
// keeps its window as a Parameter "main.3.window"; here it is a constant buffer, see
// connection-windows.md). PyTorch's "num_batches_tracked" buffers have no counterpart here.
//
// Init (dcgan_torch_weights_init, the notebook's weights_init applied after construction): every
// Conv/ConvT weight ← N(0, 0.02), BN γ ← N(1, 0.02), β ← 0. The notebook's weights_init matches the
// class name "Conv", so it also re-draws the mConvTranspose2d weights, replacing the constructor's
// W ⊙ window · w_corr: the reference trains from plain N(0, 0.02) weights with NO w_corr. murine
// follows it and then zeroes the masked entries (W ← N(0, 0.02) ⊙ window), which leaves the forward
// pass (W ⊙ window) and every update unchanged and keeps "a masked weight is 0".
#pragma once
#include <cstdint>
#include <memory>

#include "layers/module.h"
#include "optim/adam.h"

namespace murine {

struct DcganTorchOptions {
  int64_t latent = 100;       // nz
  int64_t ngf = 64, ndf = 64;  // feature maps of G and D
  int64_t image_size = 64;    // 64 or 32
  int64_t channels = 3;       // nc
  double window2d_width = 0.4;  // r of the three mConvTranspose2d
  bool standard = false;      // plain ConvTranspose2d everywhere (no windows)
};

// Validates the options (image_size 64 or 32, positive sizes, r > 0); throws murine::Error naming the field.
void check_dcgan_torch_options(const DcganTorchOptions& o);
// The (input2d_width, output2d_width) of masked stage `stage` (0, 1, 2: 8ngf→4ngf, 4ngf→2ngf, 2ngf→ngf).
std::pair<int64_t, int64_t> dcgan_torch_grid_widths(int64_t ngf, int stage);

class DcganTorchGenerator : public Module {
 public:
  explicit DcganTorchGenerator(DcganTorchOptions options = {});
  // z (N, latent, 1, 1) → image (N, channels, image_size, image_size) in [-1, 1].
  Tensor forward(const Tensor& z) override;
  std::string type_name() const override { return "DcganTorchGenerator"; }
  Sequential& main() { return *main_; }
  const DcganTorchOptions& options() const { return options_; }

 private:
  DcganTorchOptions options_;
  std::shared_ptr<Sequential> main_;
};

class DcganTorchDiscriminator : public Module {
 public:
  explicit DcganTorchDiscriminator(DcganTorchOptions options = {});
  // image (N, channels, image_size, image_size) → probability of "real" (N, 1, 1, 1).
  Tensor forward(const Tensor& image) override;
  std::string type_name() const override { return "DcganTorchDiscriminator"; }
  Sequential& main() { return *main_; }
  const DcganTorchOptions& options() const { return options_; }

 private:
  DcganTorchOptions options_;
  std::shared_ptr<Sequential> main_;
};

// The notebook's weights_init over every layer of `model`, drawing from `gen` in layer order.
void dcgan_torch_weights_init(Module& model, Generator& gen);

struct GanLosses {
  double d_loss = 0.0, g_loss = 0.0;
};

// G, D, weights_init (from global_generator(), after both nets are built) and the notebook's two
// Adam optimizers (Adam::torch, lr 2e-4, betas (0.5, 0.999), eps 1e-8).
class DcganTorch {
 public:
  explicit DcganTorch(DcganTorchOptions options = {}, double lr = 2e-4, double beta1 = 0.5);

  // One step of the notebook's loop (BCE = PyTorch's BCELoss, labels real 1, fake 0), both nets in
  // training mode:
  //   D: fake = G(z); errD = BCE(D(real), 1) + BCE(D(fake.detach()), 0) (gradients summed); D step.
  //   G: errG = BCE(D(fake), 1) through the updated D, the same fake (no fresh z); G step.
  // real (N, channels, S, S) in [-1, 1], z (N, latent, 1, 1). Returns d_loss = errD, g_loss = errG.
  GanLosses train_step(const Tensor& real, const Tensor& z);
  // As above with z ~ N(0, 1) drawn from `gen`.
  GanLosses train_step(const Tensor& real, Generator& gen);

  DcganTorchOptions options;
  std::shared_ptr<DcganTorchGenerator> generator;
  std::shared_ptr<DcganTorchDiscriminator> discriminator;
  Adam optimizer_g, optimizer_d;
};

}  // namespace murine
