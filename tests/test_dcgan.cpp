// The two DCGANs (models/dcgan_torch.h, models/dcgan_keras.h) and summary(): shapes at 64 and 32, the
// standard switch, the notebook's window figures, PyTorch's forward passes and one training step
// (tests/reference/dcgan_torch/, written by gen_dcgan_torch.py), and finite losses of a tiny step.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "io/safetensors.h"
#include "layers/conv2d_transpose.h"
#include "models/dcgan_keras.h"
#include "models/dcgan_torch.h"
#include "models/summary.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::expect_error;

std::string reference_path(const std::string& name) {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root && *root ? root : ".") + "/tests/reference/dcgan_torch/" + name;
}

// max|a − b| / max|b| (the tolerance measure of the reference checks).
double relative_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  std::vector<float> x = a.to_vector(), y = b.to_vector();
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    diff = std::max(diff, (double)std::fabs(x[i] - y[i]));
    scale = std::max(scale, (double)std::fabs(y[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

DcganTorchOptions reference_options() {
  // tests/reference/dcgan_torch/config.json
  return {.latent = 16, .ngf = 8, .ndf = 8, .image_size = 64, .channels = 3, .window2d_width = 0.4};
}

bool all_finite(const Tensor& t) {
  for (float v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

TEST(DcganTorch, ShapesAt64And32) {
  manual_seed(11);
  DcganTorchOptions o{.latent = 10, .ngf = 8, .ndf = 8, .image_size = 64};
  DcganTorchGenerator g(o);
  DcganTorchDiscriminator d(o);
  g.eval();
  d.eval();
  Tensor z = zeros({2, 10, 1, 1});
  EXPECT_EQ(g(z).shape(), (Shape{2, 3, 64, 64}));
  EXPECT_EQ(d(g(z)).shape(), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(g.main().size(), 14u);
  EXPECT_EQ(d.main().size(), 13u);
  o.image_size = 32;
  DcganTorchGenerator g32(o);
  DcganTorchDiscriminator d32(o);
  g32.eval();
  d32.eval();
  EXPECT_EQ(g32(z).shape(), (Shape{2, 3, 32, 32}));
  EXPECT_EQ(d32(g32(z)).shape(), (Shape{2, 1, 1, 1}));
  EXPECT_EQ(g32.main().size(), 11u);
  EXPECT_EQ(d32.main().size(), 10u);
  // The 32 generator keeps the first two masked stages (8ngf→4ngf, 4ngf→2ngf).
  EXPECT_EQ(g32.main()[3].type_name(), "mConv2DTranspose");
  EXPECT_EQ(g32.main()[6].type_name(), "mConv2DTranspose");
  EXPECT_EQ(g32.main()[9].type_name(), "Conv2DTranspose");
}

TEST(DcganTorch, StandardSwitchHasNoWindows) {
  manual_seed(12);
  DcganTorchOptions o{.latent = 10, .ngf = 8, .ndf = 8, .standard = true};
  DcganTorchGenerator g(o);
  for (const auto& [name, t] : g.state_dict()) EXPECT_EQ(name.find("window"), std::string::npos) << name;
  WeightUsage u = weight_usage(g);
  EXPECT_EQ(u.masked_weights, 0);
  EXPECT_DOUBLE_EQ(u.usage_percent, 100.0);
  o.standard = false;
  DcganTorchGenerator m(o);
  EXPECT_EQ(m.state_dict().count("main.3.window"), 1u);
  EXPECT_LT(weight_usage(m).usage_percent, 100.0);
}

TEST(DcganTorch, NotebookWindowUsagesAndSummary) {
  manual_seed(13);
  DcganTorchGenerator g;  // the notebook's sizes: latent 100, ngf 64, r 0.4
  EXPECT_EQ(layer_usage_percent(g.main()[3]), 34.515380859375);
  EXPECT_EQ(layer_usage_percent(g.main()[6]), 34.4970703125);
  EXPECT_EQ(layer_usage_percent(g.main()[9]), 35.888671875);
  EXPECT_EQ(layer_usage_percent(g.main()[0]), -1.0);
  std::string s = summary(g, zeros({1, 100, 1, 1}));
  EXPECT_NE(s.find("34.5154 %"), std::string::npos) << s;
  EXPECT_NE(s.find("34.4971 %"), std::string::npos) << s;
  EXPECT_NE(s.find("35.8887 %"), std::string::npos) << s;
  EXPECT_NE(s.find("main.3"), std::string::npos) << s;
  EXPECT_NE(s.find("(1, 3, 64, 64)"), std::string::npos) << s;
  EXPECT_NE(s.find("Overall %usage"), std::string::npos) << s;
  // Overall: every kernel weight counts, a masked-out weight does not; BatchNorm γ, β are not weights.
  WeightUsage u = weight_usage(g);
  int64_t p = 0;
  for (const auto& [name, t] : g.named_parameters())
    if (name.find("main.1.") == std::string::npos && name.find("main.4.") == std::string::npos &&
        name.find("main.7.") == std::string::npos && name.find("main.10.") == std::string::npos)
      p += t.numel();
  EXPECT_EQ(u.weights, p);
  double masked = 0, kept = 0;
  for (int i : {3, 6, 9}) {
    auto& layer = dynamic_cast<Conv2DTranspose&>(g.main()[i]);
    masked += (double)layer.weight.numel();
    kept += layer.window_stats().num_ones;
  }
  EXPECT_NEAR(u.usage_percent, 100.0 * ((double)p - masked + kept) / (double)p, 1e-9);
  EXPECT_NEAR(u.masked_usage_percent, 100.0 * kept / masked, 1e-9);
}

TEST(DcganTorch, WeightsInitFollowsTheNotebook) {
  manual_seed(14);
  DcganTorch gan(DcganTorchOptions{.latent = 10, .ngf = 8, .ndf = 8});
  auto& bn = gan.generator->main()[1];
  std::vector<float> gamma = bn.state_dict().at("weight").to_vector();
  for (float v : gamma) EXPECT_NEAR(v, 1.0, 0.15);
  for (float v : bn.state_dict().at("bias").to_vector()) EXPECT_EQ(v, 0.0f);
  auto& masked = dynamic_cast<Conv2DTranspose&>(gan.generator->main()[3]);
  std::vector<float> w = masked.weight.to_vector(), win = masked.window.to_vector();
  double sum2 = 0;
  int64_t kept = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (win[i] == 0.0f) {
      EXPECT_EQ(w[i], 0.0f);
    } else {
      sum2 += (double)w[i] * w[i];
      ++kept;
    }
  }
  EXPECT_NEAR(std::sqrt(sum2 / (double)kept), 0.02, 0.002);  // N(0, 0.02), no w_corr
}

TEST(DcganTorch, MatchesPyTorchForwardEvalAndTrain) {
  auto init_g = load_safetensors(reference_path("init_G.safetensors"));
  auto init_d = load_safetensors(reference_path("init_D.safetensors"));
  auto io = load_safetensors(reference_path("io.safetensors"));
  manual_seed(15);
  DcganTorchGenerator g(reference_options());
  DcganTorchDiscriminator d(reference_options());
  // The windows murine builds are the reference's, bit for bit.
  for (const char* name : {"main.3.window", "main.6.window", "main.9.window"})
    EXPECT_EQ(g.state_dict().at(name).to_vector(), init_g.at(name).to_vector()) << name;
  // PyTorch names map one to one onto murine's (num_batches_tracked is not exported).
  g.load_state_dict(init_g);
  d.load_state_dict(init_d);
  g.eval();
  d.eval();
  double e;
  EXPECT_LT(e = relative_error(g(io.at("z")), io.at("G_eval")), 1e-4);
  std::printf("  G eval  max rel err %.3g\n", e);
  EXPECT_LT(e = relative_error(d(io.at("real")), io.at("D_eval")), 1e-4);
  std::printf("  D eval  max rel err %.3g\n", e);
  g.train();
  d.train();
  EXPECT_LT(e = relative_error(g(io.at("z")), io.at("G_train")), 1e-4);
  std::printf("  G train max rel err %.3g\n", e);
  EXPECT_LT(e = relative_error(d(io.at("real")), io.at("D_train")), 1e-4);
  std::printf("  D train max rel err %.3g\n", e);
}

TEST(DcganTorch, OneTrainingStepMatchesPyTorch) {
  auto io = load_safetensors(reference_path("io.safetensors"));
  manual_seed(16);
  DcganTorch gan(reference_options());
  gan.generator->load_state_dict(load_safetensors(reference_path("init_G.safetensors")));
  gan.discriminator->load_state_dict(load_safetensors(reference_path("init_D.safetensors")));
  GanLosses losses = gan.train_step(io.at("real"), io.at("z"));
  EXPECT_NEAR(losses.d_loss, io.at("errD").item(), 1e-4 * std::fabs(io.at("errD").item()));
  EXPECT_NEAR(losses.g_loss, io.at("errG").item(), 1e-4 * std::fabs(io.at("errG").item()));
  double worst = 0;
  std::string worst_name;
  for (auto [net, file] : {std::pair<Module*, const char*>{gan.generator.get(), "step_G.safetensors"},
                           {gan.discriminator.get(), "step_D.safetensors"}}) {
    auto expected = load_safetensors(reference_path(file));
    auto got = net->state_dict();
    ASSERT_EQ(got.size(), expected.size()) << file;
    for (const auto& [name, want] : expected) {
      ASSERT_EQ(got.count(name), 1u) << file << " " << name;
      double e = relative_error(got.at(name), want);
      EXPECT_LT(e, 1e-4) << file << " " << name;
      if (e > worst) worst = e, worst_name = std::string(file) + " " + name;
    }
  }
  std::printf("  one step: worst max rel err %.3g (%s)\n", worst, worst_name.c_str());
}

TEST(DcganTorch, TinyTrainingStepsGiveFiniteLosses) {
  manual_seed(17);
  DcganTorch gan(DcganTorchOptions{.latent = 8, .ngf = 4, .ndf = 4, .image_size = 32});
  Generator gen(5);
  Tensor real = add(mul(rand({4, 3, 32, 32}, gen), 2.0f), -1.0f);
  for (int i = 0; i < 3; ++i) {
    GanLosses l = gan.train_step(real, gen);
    EXPECT_TRUE(std::isfinite(l.d_loss) && std::isfinite(l.g_loss));
    EXPECT_GT(l.d_loss, 0.0);
    EXPECT_LT(l.d_loss, 20.0);
    EXPECT_LT(l.g_loss, 20.0);
  }
  for (const auto& [name, t] : gan.generator->state_dict()) EXPECT_TRUE(all_finite(t)) << name;
  auto& masked = dynamic_cast<Conv2DTranspose&>(gan.generator->main()[3]);
  std::vector<float> w = masked.weight.to_vector(), win = masked.window.to_vector();
  for (size_t i = 0; i < w.size(); ++i) {
    if (win[i] == 0.0f) {
      EXPECT_EQ(w[i], 0.0f);  // masked weights stay 0
    }
  }
}

TEST(DcganTorch, BadOptionsAndInputs) {
  expect_error([] { DcganTorchGenerator g(DcganTorchOptions{.image_size = 48}); }, {"DcganTorch", "image_size", "48"});
  expect_error([] { DcganTorchDiscriminator d(DcganTorchOptions{.ndf = 0}); }, {"DcganTorch", "ndf"});
  expect_error([] { DcganTorchGenerator g(DcganTorchOptions{.window2d_width = -1}); }, {"window2d_width"});
  manual_seed(18);
  DcganTorchGenerator g(DcganTorchOptions{.latent = 10, .ngf = 4});
  expect_error([&] { g(zeros({2, 11, 1, 1})); }, {"DcganTorchGenerator", "(N, 10, 1, 1)", "(2, 11, 1, 1)"});
}

TEST(DcganKeras, ShapesWidthsAndStandardSwitch) {
  manual_seed(21);
  DcganKerasOptions o{.latent = 12, .image_size = 64, .width_scale = 1.0 / 16};
  EXPECT_EQ(dcgan_keras_generator_widths(o), (std::vector<int64_t>{64, 32, 16, 8}));
  EXPECT_EQ(dcgan_keras_discriminator_widths(o), (std::vector<int64_t>{4, 8, 16, 32}));
  DcganKerasOptions paper;
  EXPECT_EQ(dcgan_keras_grid_widths(paper, 0), (std::pair<int64_t, int64_t>{32, 32}));
  EXPECT_EQ(dcgan_keras_grid_widths(paper, 1), (std::pair<int64_t, int64_t>{32, 16}));
  EXPECT_EQ(dcgan_keras_grid_widths(paper, 2), (std::pair<int64_t, int64_t>{16, 16}));
  DcganKerasGenerator g(o);
  DcganKerasDiscriminator d(o);
  g.eval();
  d.eval();
  Tensor z = zeros({2, 12});
  EXPECT_EQ(g(z).shape(), (Shape{2, 3, 64, 64}));
  EXPECT_EQ(d(g(z)).shape(), (Shape{2, 1}));
  EXPECT_EQ(g[4].type_name(), "mConv2DTranspose");
  EXPECT_EQ(g[13].type_name(), "Conv2DTranspose");
  EXPECT_EQ(d[0].type_name(), "SpectralNormalization");
  EXPECT_LT(weight_usage(g).usage_percent, 100.0);
  EXPECT_DOUBLE_EQ(weight_usage(d).usage_percent, 100.0);
  o.image_size = 32;
  DcganKerasGenerator g32(o);
  DcganKerasDiscriminator d32(o);
  g32.eval();
  d32.eval();
  EXPECT_EQ(g32(z).shape(), (Shape{2, 3, 32, 32}));
  EXPECT_EQ(d32(g32(z)).shape(), (Shape{2, 1}));
  EXPECT_EQ(g32.size(), 11u);
  o.standard = true;
  DcganKerasGenerator gs(o);
  EXPECT_EQ(weight_usage(gs).masked_weights, 0);
  for (const auto& [name, t] : gs.state_dict()) EXPECT_EQ(name.find("window"), std::string::npos) << name;
  std::string s = summary(g32, zeros({1, 12}));
  EXPECT_NE(s.find("mConv2DTranspose"), std::string::npos) << s;
  EXPECT_NE(s.find("(1, 3, 32, 32)"), std::string::npos) << s;
  std::string sd = summary(d32, zeros({1, 3, 32, 32}));
  EXPECT_NE(sd.find("SpectralNormalization"), std::string::npos) << sd;
  EXPECT_NE(sd.find("(1, 1)"), std::string::npos) << sd;
}

TEST(DcganKeras, TinyTrainingStepsGiveFiniteLosses) {
  manual_seed(22);
  DcganKeras gan(DcganKerasOptions{.latent = 8, .image_size = 32, .width_scale = 1.0 / 16});
  Generator gen(6);
  Tensor real = rand({4, 3, 32, 32}, gen);
  std::map<std::string, Tensor> before = gan.generator->state_dict();
  for (auto& [k, v] : before) v = v.clone();
  for (int i = 0; i < 3; ++i) {
    GanLosses l = gan.train_step(real, gen);
    EXPECT_TRUE(std::isfinite(l.d_loss) && std::isfinite(l.g_loss));
    EXPECT_GT(l.d_loss, 0.0);
    EXPECT_LT(l.d_loss, 20.0);
    EXPECT_LT(l.g_loss, 20.0);
  }
  // G's weights moved (both nets train), and its BN moving statistics too (training mode).
  EXPECT_GT(relative_error(gan.generator->state_dict().at("4.weight"), before.at("4.weight")), 0.0);
  EXPECT_GT(relative_error(gan.generator->state_dict().at("1.running_mean"), before.at("1.running_mean")), 0.0);
  for (const auto& [name, t] : gan.discriminator->state_dict()) EXPECT_TRUE(all_finite(t)) << name;
  expect_error([&] { gan.train_step(real, zeros({4, 8}), zeros({4, 1}), zeros({4, 8})); },
               {"DcganKeras::train_step", "label_noise", "(8, 1)"});
  expect_error([] { DcganKerasGenerator g(DcganKerasOptions{.width_scale = 0}); }, {"DcganKeras", "width_scale"});
}

}  // namespace
}  // namespace murine
