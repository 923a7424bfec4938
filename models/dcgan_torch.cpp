// The PyTorch notebook's DCGAN: layers, weights_init and the training step (see dcgan_torch.h).
#include "models/dcgan_torch.h"

#include <algorithm>

#include "autograd/ops_inplace.h"
#include "layers/activation.h"
#include "layers/batch_normalization.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/initializers.h"
#include "layers/losses.h"
#include "layers/masked_kernel.h"
#include "layers/window.h"
#include "tensor/error.h"

namespace murine {

void check_dcgan_torch_options(const DcganTorchOptions& o) {
  MURINE_CHECK(o.image_size == 64 || o.image_size == 32,
               "DcganTorch: image_size must be 64 or 32, got " << o.image_size);
  MURINE_CHECK(o.latent > 0, "DcganTorch: latent must be > 0, got " << o.latent);
  MURINE_CHECK(o.ngf > 0, "DcganTorch: ngf must be > 0, got " << o.ngf);
  MURINE_CHECK(o.ndf > 0, "DcganTorch: ndf must be > 0, got " << o.ndf);
  MURINE_CHECK(o.channels > 0, "DcganTorch: channels must be > 0, got " << o.channels);
  MURINE_CHECK(o.standard || o.window2d_width > 0,
               "DcganTorch: window2d_width must be > 0, got " << o.window2d_width);
}

std::pair<int64_t, int64_t> dcgan_torch_grid_widths(int64_t ngf, int stage) {
  MURINE_CHECK(stage >= 0 && stage < 3, "dcgan_torch_grid_widths: stage must be 0, 1 or 2, got " << stage);
  if (ngf == 64) {
    static const std::pair<int64_t, int64_t> notebook[3] = {{16, 16}, {16, 8}, {8, 8}};
    return notebook[stage];
  }
  int64_t in = ngf << (3 - stage), out = ngf << (2 - stage);
  return {default_2d_width(out), default_2d_width(in)};
}

// ConvT(in→out, k4, s2, p1, no bias), masked ('2d', the stage's grid widths) unless `standard`.
static std::shared_ptr<Module> up_stage(const DcganTorchOptions& o, int stage) {
  int64_t in = o.ngf << (3 - stage), out = o.ngf << (2 - stage);
  Conv2DOptions c = Conv2DTranspose::torch(in, out, 4, 2, 1, 0, /*bias=*/false);
  if (o.standard) return std::make_shared<Conv2DTranspose>(c);
  auto [input2d, output2d] = dcgan_torch_grid_widths(o.ngf, stage);
  c.window = {.form = "2d", .input2d_width = input2d, .output2d_width = output2d, .window2d_width = o.window2d_width};
  return std::make_shared<mConv2DTranspose>(c);
}

DcganTorchGenerator::DcganTorchGenerator(DcganTorchOptions options) : options_(options) {
  check_dcgan_torch_options(options_);
  const DcganTorchOptions& o = options_;
  main_ = register_module("main", std::make_shared<Sequential>());
  // Generator: z (N, latent, 1, 1) → (N, 8ngf, 4, 4)
  main_->add(std::make_shared<Conv2DTranspose>(Conv2DTranspose::torch(o.latent, o.ngf * 8, 4, 1, 0, 0, false)));
  main_->add(std::make_shared<BatchNormalization>(BatchNormalization::torch(o.ngf * 8)));
  main_->add(std::make_shared<Activation>("relu"));
  // Masked stages: 8ngf→4ngf (8×8), 4ngf→2ngf (16×16), 2ngf→ngf (32×32; not at image_size 32).
  int stages = o.image_size == 64 ? 3 : 2;
  for (int s = 0; s < stages; ++s) {
    main_->add(up_stage(o, s));
    main_->add(std::make_shared<BatchNormalization>(BatchNormalization::torch(o.ngf << (2 - s))));
    main_->add(std::make_shared<Activation>("relu"));
  }
  int64_t last_in = o.ngf << (3 - stages);
  main_->add(std::make_shared<Conv2DTranspose>(Conv2DTranspose::torch(last_in, o.channels, 4, 2, 1, 0, false)));
  main_->add(std::make_shared<Activation>("tanh"));
}

Tensor DcganTorchGenerator::forward(const Tensor& z) {
  MURINE_CHECK(z.rank() == 4 && z.shape()[1] == options_.latent && z.shape()[2] == 1 && z.shape()[3] == 1,
               "DcganTorchGenerator: expects z of shape (N, " << options_.latent << ", 1, 1), got "
                                                              << shape_str(z.shape()));
  return main_->forward(z);
}

DcganTorchDiscriminator::DcganTorchDiscriminator(DcganTorchOptions options) : options_(options) {
  check_dcgan_torch_options(options_);
  const DcganTorchOptions& o = options_;
  main_ = register_module("main", std::make_shared<Sequential>());
  // Discriminator: image (N, channels, S, S) → (N, ndf, S/2, S/2), no BN on the first stage
  main_->add(std::make_shared<Conv2D>(Conv2D::torch(o.channels, o.ndf, 4, 2, 1, false)));
  main_->add(std::make_shared<LeakyReLU>(0.2));
  int stages = o.image_size == 64 ? 3 : 2;  // ndf→2ndf, 2ndf→4ndf, 4ndf→8ndf (not at 32)
  for (int s = 0; s < stages; ++s) {
    int64_t in = o.ndf << s, out = o.ndf << (s + 1);
    main_->add(std::make_shared<Conv2D>(Conv2D::torch(in, out, 4, 2, 1, false)));
    main_->add(std::make_shared<BatchNormalization>(BatchNormalization::torch(out)));
    main_->add(std::make_shared<LeakyReLU>(0.2));
  }
  // (N, ndf·2^stages, 4, 4) → (N, 1, 1, 1)
  main_->add(std::make_shared<Conv2D>(Conv2D::torch(o.ndf << stages, 1, 4, 1, 0, false)));
  main_->add(std::make_shared<Activation>("sigmoid"));
}

Tensor DcganTorchDiscriminator::forward(const Tensor& image) {
  const DcganTorchOptions& o = options_;
  MURINE_CHECK(image.rank() == 4 && image.shape()[1] == o.channels && image.shape()[2] == o.image_size &&
                   image.shape()[3] == o.image_size,
               "DcganTorchDiscriminator: expects images of shape (N, " << o.channels << ", " << o.image_size
                                                                        << ", " << o.image_size << "), got "
                                                                        << shape_str(image.shape()));
  return main_->forward(image);
}

// Writes `value` into the parameter's own storage (every handle stays valid).
static void assign(Tensor& param, const Tensor& value) {
  NoGradGuard no_grad;
  copy_(param, value.to(param.device()));
}

static void init_recursive(Module& m, Generator& gen) {
  // The notebook's weights_init: conv weights ~ N(0, 0.02) (⊙ window for masked layers), BN γ ~ N(1, 0.02), β = 0
  // (the notebook picks the layers by class name: 'Conv' in it, as Conv2D, mConv2DTranspose)
  if (Tensor kernel = m.kernel_weight(); kernel.defined() && m.type_name().find("Conv") != std::string::npos) {
    Tensor w = mul(randn(kernel.shape(), gen), 0.02f);
    if (const MaskedKernel* masked = m.masked_kernel()) w = mul(w, masked->window().to(Device::CPU));
    assign(kernel, w);
  } else if (auto* bn = dynamic_cast<BatchNormalization*>(&m)) {
    if (bn->weight.defined()) assign(bn->weight, add(mul(randn(bn->weight.shape(), gen), 0.02f), 1.0f));
    if (bn->bias.defined()) assign(bn->bias, zeros(bn->bias.shape()));
  }
  for (auto& [name, child] : m.named_children()) init_recursive(*child, gen);
}

void dcgan_torch_weights_init(Module& model, Generator& gen) { init_recursive(model, gen); }

// weights_init from global_generator(), then the parameter list for the optimizer.
static std::vector<Tensor> initialised_parameters(Module& net) {
  dcgan_torch_weights_init(net, global_generator());
  return net.parameters();
}

DcganTorch::DcganTorch(DcganTorchOptions opts, double lr, double beta1)
    : options(opts),
      generator(std::make_shared<DcganTorchGenerator>(opts)),
      discriminator(std::make_shared<DcganTorchDiscriminator>(opts)),
      optimizer_g(Adam::torch(initialised_parameters(*generator), lr, beta1, 0.999)),
      optimizer_d(Adam::torch(initialised_parameters(*discriminator), lr, beta1, 0.999)) {}

GanLosses DcganTorch::train_step(const Tensor& real, const Tensor& z) {
  MURINE_CHECK(real.rank() == 4 && z.rank() == 4 && real.shape()[0] == z.shape()[0] && real.shape()[0] > 0,
               "DcganTorch::train_step: real " << shape_str(real.shape()) << " and z " << shape_str(z.shape())
                                               << " must be non-empty batches of the same size");
  generator->train();
  discriminator->train();
  const int64_t n = real.shape()[0];
  Tensor ones_n = ones({n}, real.device()), zeros_n = zeros({n}, real.device());
  auto d_of = [&](const Tensor& x) { return reshape((*discriminator)(x), {n}); };

  // (1) D: maximise log D(x) + log(1 − D(G(z))); gradients of both halves accumulate before the step.
  optimizer_d.zero_grad();
  Tensor err_real = torch_bce(ones_n, d_of(real));
  err_real.backward();
  Tensor fake = (*generator)(z);
  Tensor err_fake = torch_bce(zeros_n, d_of(fake.detach()));
  err_fake.backward();
  optimizer_d.step();

  // (2) G: maximise log D(G(z)) through the updated D, on the same fake.
  optimizer_g.zero_grad();
  Tensor err_g = torch_bce(ones_n, d_of(fake));
  err_g.backward();
  optimizer_g.step();
  optimizer_d.zero_grad();  // D's gradients from (2) are not D's to use

  return {(double)err_real.item() + (double)err_fake.item(), (double)err_g.item()};
}

GanLosses DcganTorch::train_step(const Tensor& real, Generator& gen) {
  MURINE_CHECK(real.rank() == 4, "DcganTorch::train_step: real must be (N, C, H, W), got " << shape_str(real.shape()));
  Tensor z = randn({real.shape()[0], options.latent, 1, 1}, gen, real.device());
  return train_step(real, z);
}

}  // namespace murine
