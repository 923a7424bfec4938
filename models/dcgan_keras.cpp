// The Keras-flavour DCGAN: layers and the training step (see dcgan_keras.h).
#include "models/dcgan_keras.h"

#include <algorithm>
#include <cmath>

#include "layers/activation.h"
#include "layers/batch_normalization.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/losses.h"
#include "layers/spectral_normalization.h"
#include "layers/window.h"
#include "tensor/error.h"

namespace murine {

void check_dcgan_keras_options(const DcganKerasOptions& o) {
  MURINE_CHECK(o.image_size == 64 || o.image_size == 32,
               "DcganKeras: image_size must be 64 or 32, got " << o.image_size);
  MURINE_CHECK(o.latent > 0, "DcganKeras: latent must be > 0, got " << o.latent);
  MURINE_CHECK(o.channels > 0, "DcganKeras: channels must be > 0, got " << o.channels);
  MURINE_CHECK(o.width_scale > 0, "DcganKeras: width_scale must be > 0, got " << o.width_scale);
  MURINE_CHECK(o.standard || o.window2d_width > 0,
               "DcganKeras: window2d_width must be > 0, got " << o.window2d_width);
}

static int64_t scaled(int64_t c, double s) { return std::max<int64_t>(1, (int64_t)std::llround((double)c * s)); }

std::vector<int64_t> dcgan_keras_generator_widths(const DcganKerasOptions& o) {
  return {scaled(1024, o.width_scale), scaled(512, o.width_scale), scaled(256, o.width_scale),
          scaled(128, o.width_scale)};
}

std::vector<int64_t> dcgan_keras_discriminator_widths(const DcganKerasOptions& o) {
  return {scaled(64, o.width_scale), scaled(128, o.width_scale), scaled(256, o.width_scale),
          scaled(512, o.width_scale)};
}

std::pair<int64_t, int64_t> dcgan_keras_grid_widths(const DcganKerasOptions& o, int stage) {
  MURINE_CHECK(stage >= 0 && stage < 3, "dcgan_keras_grid_widths: stage must be 0, 1 or 2, got " << stage);
  if (o.width_scale == 1.0) {
    static const std::pair<int64_t, int64_t> paper[3] = {{32, 32}, {32, 16}, {16, 16}};
    return paper[stage];
  }
  std::vector<int64_t> c = dcgan_keras_generator_widths(o);
  return {default_2d_width(c[stage + 1]), default_2d_width(c[stage])};
}

DcganKerasGenerator::DcganKerasGenerator(DcganKerasOptions options) : options_(options) {
  check_dcgan_keras_options(options_);
  const DcganKerasOptions& o = options_;
  std::vector<int64_t> c = dcgan_keras_generator_widths(o);
  // Generator: z (N, latent) → (N, 16·C0) → (N, C0, 4, 4)
  add(std::make_shared<Dense>(DenseOptions{.units = 16 * c[0], .in_features = o.latent}));
  add(std::make_shared<BatchNormalization>(BatchNormalizationOptions{.in_channels = 16 * c[0]}));
  add(std::make_shared<Activation>("relu"));
  add(std::make_shared<Reshape>(Shape{c[0], 4, 4}));
  int stages = o.image_size == 64 ? 3 : 2;
  for (int s = 0; s < stages; ++s) {
    Conv2DOptions conv{.filters = c[s + 1], .kernel_size = 5, .strides = 2, .padding = "same", .in_channels = c[s]};
    if (o.standard) {
      add(std::make_shared<Conv2DTranspose>(conv));
    } else {
      auto [input2d, output2d] = dcgan_keras_grid_widths(o, s);
      conv.window = {.form = "2d", .input2d_width = input2d, .output2d_width = output2d,
                     .window2d_width = o.window2d_width};
      add(std::make_shared<mConv2DTranspose>(conv));
    }
    add(std::make_shared<BatchNormalization>(BatchNormalizationOptions{.in_channels = c[s + 1]}));
    add(std::make_shared<Activation>("relu"));
  }
  add(std::make_shared<Conv2DTranspose>(Conv2DOptions{.filters = o.channels, .kernel_size = 5, .strides = 2,
                                                      .padding = "same", .activation = "sigmoid",
                                                      .in_channels = c[stages]}));
}

Tensor DcganKerasGenerator::forward(const Tensor& z) {
  MURINE_CHECK(z.rank() == 2 && z.shape()[1] == options_.latent,
               "DcganKerasGenerator: expects z of shape (N, " << options_.latent << "), got " << shape_str(z.shape()));
  return Sequential::forward(z);
}

DcganKerasDiscriminator::DcganKerasDiscriminator(DcganKerasOptions options) : options_(options) {
  check_dcgan_keras_options(options_);
  const DcganKerasOptions& o = options_;
  std::vector<int64_t> c = dcgan_keras_discriminator_widths(o);
  int64_t in = o.channels;
  // Discriminator: four SN(Conv2D(k4, s2, same)) + LeakyReLU(0.2): S → S/16
  for (int s = 0; s < 4; ++s) {
    auto conv = std::make_shared<Conv2D>(
        Conv2DOptions{.filters = c[s], .kernel_size = 4, .strides = 2, .padding = "same", .in_channels = in});
    add(std::make_shared<SpectralNormalization>(conv));
    add(std::make_shared<LeakyReLU>(0.2));
    in = c[s];
  }
  int64_t side = o.image_size / 16;
  add(std::make_shared<Flatten>());
  add(std::make_shared<Dropout>(0.2));
  add(std::make_shared<Dense>(DenseOptions{.units = 1, .activation = "sigmoid", .in_features = in * side * side}));
}

Tensor DcganKerasDiscriminator::forward(const Tensor& images) {
  const DcganKerasOptions& o = options_;
  MURINE_CHECK(images.rank() == 4 && images.shape()[1] == o.channels && images.shape()[2] == o.image_size &&
                   images.shape()[3] == o.image_size,
               "DcganKerasDiscriminator: expects images of shape (N, " << o.channels << ", " << o.image_size << ", "
                                                                        << o.image_size << "), got "
                                                                        << shape_str(images.shape()));
  return Sequential::forward(images);
}

DcganKeras::DcganKeras(DcganKerasOptions opts, double lr, double beta1)
    : options(opts),
      generator(std::make_shared<DcganKerasGenerator>(opts)),
      discriminator(std::make_shared<DcganKerasDiscriminator>(opts)),
      optimizer_g(Adam::keras(generator->parameters(), lr, beta1, 0.999, 1e-7)),
      optimizer_d(Adam::keras(discriminator->parameters(), lr, beta1, 0.999, 1e-7)) {}

GanLosses DcganKeras::train_step(const Tensor& real, const Tensor& z_d, const Tensor& label_noise, const Tensor& z_g) {
  MURINE_CHECK(real.rank() == 4 && real.shape()[0] > 0,
               "DcganKeras::train_step: real must be a non-empty (N, C, H, W) batch, got " << shape_str(real.shape()));
  const int64_t n = real.shape()[0];
  MURINE_CHECK(z_d.rank() == 2 && z_d.shape()[0] == n && z_g.rank() == 2 && z_g.shape()[0] == n,
               "DcganKeras::train_step: z_d " << shape_str(z_d.shape()) << " and z_g " << shape_str(z_g.shape())
                                              << " must have the batch size " << n << " of real");
  MURINE_CHECK(label_noise.shape() == (Shape{2 * n, 1}),
               "DcganKeras::train_step: label_noise must be (" << 2 * n << ", 1), got " << shape_str(label_noise.shape()));
  generator->train();
  discriminator->train();
  const Device dev = real.device();

  // 1. D on concat(fake, real), labels 1 (fake) / 0 (real) + noise.
  Tensor fake;
  {
    NoGradGuard no_grad;  // G is not trained here (its BN statistics still move: training mode)
    fake = (*generator)(z_d);
  }
  Tensor combined = concat({fake, real}, 0);
  Tensor labels = add(concat({ones({n, 1}, dev), zeros({n, 1}, dev)}, 0), label_noise);
  optimizer_d.zero_grad();
  Tensor d_loss = binary_crossentropy(labels, (*discriminator)(combined));
  d_loss.backward();
  optimizer_d.step();

  // 2. G through D against the "real" labels 0; only G is updated.
  optimizer_g.zero_grad();
  Tensor g_loss = binary_crossentropy(zeros({n, 1}, dev), (*discriminator)((*generator)(z_g)));
  g_loss.backward();
  optimizer_g.step();
  optimizer_d.zero_grad();
  return {(double)d_loss.item(), (double)g_loss.item()};
}

GanLosses DcganKeras::train_step(const Tensor& real, Generator& gen) {
  MURINE_CHECK(real.rank() == 4, "DcganKeras::train_step: real must be (N, C, H, W), got " << shape_str(real.shape()));
  const int64_t n = real.shape()[0];
  Tensor z_d = randn({n, options.latent}, gen, real.device());
  Tensor noise = mul(rand({2 * n, 1}, gen, real.device()), 0.05f);
  Tensor z_g = randn({n, options.latent}, gen, real.device());
  return train_step(real, z_d, noise, z_g);
}

}  // namespace murine
