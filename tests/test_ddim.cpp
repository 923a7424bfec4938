// The reference scripts' DDIM: the U-Net's structure and weight usage, its blocks, the diffusion schedule, a training
// step with EMA, and DDIM sampling (models/ddim.h, models/unet_blocks.h).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "models/ddim.h"
#include "models/summary.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;

// The tiny configuration of the tests: image 16, widths {8, 16}, one block per stage, 4 groups.
DdimOptions tiny_options() {
  DdimOptions o;
  o.image_size = 16;
  o.widths = {8, 16};
  o.block_depth = 1;
  o.groups = 4;
  o.attention_resolution = 8;
  return o;
}

Tensor random_images(int64_t n, int64_t size, uint64_t seed) {
  Generator gen(seed);
  return rand({n, 3, size, size}, gen);  // in [0, 1)
}

bool all_equal(const Tensor& a, const Tensor& b) { return a.to_vector() == b.to_vector(); }

// ---- the reference scripts' network: structure and usage ----

TEST(Ddim, SeedNetworkUsageIs34Point6PercentMouseAnd44PercentOverall) {
  manual_seed(1);
  DdimNetwork net;  // image 64, widths 64…512, block depth 2, r = 0.4
  WeightUsage u = weight_usage(net);
  // Mouse convolutions: the 3×3 convolutions of the 256-wide down stage, the middle and the 256- and
  // 128-wide up stages.
  EXPECT_EQ(u.masked_weights, 15482880);
  EXPECT_EQ(u.masked_ones, 5352462);
  EXPECT_NEAR(u.masked_usage_percent, 34.570196242559526, 1e-9);
  // Every convolution kernel (attention 1×1s included; biases and GroupNormalization excluded).
  EXPECT_EQ(u.weights, 18080128);
  EXPECT_EQ(u.kept, 7949710);
  EXPECT_NEAR(u.usage_percent, 43.969323668505005, 1e-9);
  EXPECT_EQ(std::lround(u.usage_percent), 44);
  std::string table = summary(net, [&] { return net(zeros({1, 3, 64, 64}), full({1, 1, 1, 1}, 0.5f)); });
  EXPECT_NE(table.find("Overall %usage: 43.9693 % (7949710 of 18080128 kernel weights)"), std::string::npos) << table;
  EXPECT_NE(table.find("(1, 3, 64, 64)"), std::string::npos) << table;
  EXPECT_NE(table.find("middle0"), std::string::npos) << table;

  // Where the reference script puts attention (16×16 maps) and the mouse layers.
  ASSERT_EQ(net.down.size(), 3u);
  ASSERT_EQ(net.up.size(), 3u);
  EXPECT_FALSE(net.down[0]->has_attention());
  EXPECT_FALSE(net.down[1]->has_attention());
  EXPECT_TRUE(net.down[2]->has_attention());
  EXPECT_TRUE(net.up[0]->has_attention());
  EXPECT_FALSE(net.up[1]->has_attention());
  EXPECT_FALSE(net.up[2]->has_attention());
  for (const auto& a : net.middle_attention) EXPECT_EQ(a, nullptr);  // the middle is 8×8
  EXPECT_FALSE(net.down[1]->blocks[0]->masked());
  EXPECT_TRUE(net.down[2]->blocks[0]->masked());
  EXPECT_TRUE(net.middle[1]->masked());
  EXPECT_TRUE(net.up[1]->blocks[1]->masked());
  EXPECT_FALSE(net.up[2]->blocks[0]->masked());
  // Width 512 takes a 16-wide grid (Python's round(4.5) = 4), width 128 a 16-wide one too.
  EXPECT_EQ(net.middle[0]->conv1->options().window.input2d_width, 16);
  EXPECT_EQ(net.middle[0]->conv1->options().window.output2d_width, 16);
  EXPECT_EQ(net.up[1]->blocks[0]->conv1->options().window.input2d_width, 16);
  // Channels: concatenations of the up path.
  EXPECT_EQ(net.up[0]->blocks[0]->options().in_channels, 512 + 256);
  EXPECT_EQ(net.up[2]->blocks[1]->options().in_channels, 64 + 64);
  EXPECT_EQ(net.down[0]->blocks[0]->options().in_channels, 64 + 32);
}

TEST(Ddim, StandardNetworkUsesEveryWeight) {
  DdimOptions o = tiny_options();
  o.window2d_width = 1.4;
  DdimNetwork net(o);
  EXPECT_EQ(weight_usage(net).masked_weights, 0);
  EXPECT_DOUBLE_EQ(weight_usage(net).usage_percent, 100.0);
}

TEST(Ddim, DefaultRadiiFollowTheSeedPattern) {
  DdimOptions o;
  EXPECT_EQ(o.resolved_down_radii(), (std::vector<double>{1.4, 1.4, 0.4, 0.4}));
  EXPECT_EQ(o.resolved_up_radii(), (std::vector<double>{0.4, 0.4, 1.4, 1.4}));
  o.widths = {8, 16};
  o.window2d_width = 0.5;
  EXPECT_EQ(o.resolved_down_radii(), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(o.resolved_up_radii(), (std::vector<double>{0.5, 0.5}));
  o.down_radii = {1.4, 0.3};
  EXPECT_EQ(o.resolved_down_radii(), (std::vector<double>{1.4, 0.3}));
}

// ---- tiny network ----

TEST(Ddim, TinyNetworkForwardShapeAndZeroInitialOutput) {
  manual_seed(3);
  DdimNetwork net(tiny_options());
  EXPECT_TRUE(net.middle[0]->masked());
  Tensor y = net(random_images(2, 16, 5), full({2, 1, 1, 1}, 0.3f));
  EXPECT_EQ(y.shape(), (Shape{2, 3, 16, 16}));
  // The output convolution starts with zero kernel and bias, as the reference script's.
  for (float v : y.to_vector()) EXPECT_EQ(v, 0.0f);
}

TEST(Ddim, AttentionWhereTheMapMatchesTheResolution) {
  DdimOptions o = tiny_options();
  o.widths = {8, 16, 16};  // down 16×16, 8×8; middle 4×4; up 8×8, 16×16
  o.attention_resolution = 8;
  o.block_depth = 2;
  manual_seed(4);
  DdimNetwork net(o);
  EXPECT_FALSE(net.down[0]->has_attention());
  EXPECT_TRUE(net.down[1]->has_attention());
  EXPECT_TRUE(net.up[0]->has_attention());
  EXPECT_FALSE(net.up[1]->has_attention());
  Tensor y = net(random_images(1, 16, 6), full({1, 1, 1, 1}, 0.5f));
  EXPECT_EQ(y.shape(), (Shape{1, 3, 16, 16}));
}

TEST(Ddim, BadOptionsAndInputsAreErrors) {
  DdimOptions o = tiny_options();
  o.image_size = 10;  // 2 widths need a multiple of 2; 10 is, so use 3 widths
  o.widths = {8, 16, 16};
  expect_error([&] { DdimNetwork net(o); }, {"image_size", "10", "multiple of 4"});
  o = tiny_options();
  o.widths = {8};
  expect_error([&] { DdimNetwork net(o); }, {"widths", "two"});
  o = tiny_options();
  o.down_radii = {0.4};
  expect_error([&] { DdimNetwork net(o); }, {"down_radii", "2"});
  DdimNetwork net(tiny_options());
  expect_error([&] { net(random_images(1, 8, 1), full({1, 1, 1, 1}, 0.1f)); }, {"DdimNetwork", "noisy_images"});
  expect_error([&] { net(random_images(2, 16, 1), full({1, 1, 1, 1}, 0.1f)); }, {"noise_variances", "(2, 1, 1, 1)"});
  expect_error([&] { net.forward(random_images(1, 16, 1)); }, {"DdimNetwork", "noise_variances"});
}

// ---- blocks ----

TEST(DdimBlocks, SinusoidalEmbeddingValues) {
  // D = 4: frequencies exp(linspace(ln 1, ln 1000, 2)) = {1, 1000}.
  std::vector<float> w = embedding_angular_speeds(4, 1000.0);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_FLOAT_EQ(w[0], (float)(2 * std::numbers::pi));
  EXPECT_FLOAT_EQ(w[1], (float)(2000 * std::numbers::pi));
  Tensor e = sinusoidal_embedding(from_vector({0.25f, 0.0f}, {2, 1, 1, 1}), 4, 1000.0);
  ASSERT_EQ(e.shape(), (Shape{2, 4, 1, 1}));
  std::vector<float> v = e.to_vector();
  const double x = 0.25;
  const std::vector<double> expected = {std::sin(w[0] * x), std::sin(w[1] * x), std::cos(w[0] * x), std::cos(w[1] * x),
                                        0, 0, 1, 1};
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], expected[i], 1e-6) << i;
  EXPECT_NEAR(v[0], 1.0, 1e-6);  // sin(π/2)
  // D = 32 (the reference script's): ω_i = 2π·1000^(i/15).
  std::vector<float> w32 = embedding_angular_speeds(32, 1000.0);
  ASSERT_EQ(w32.size(), 16u);
  for (int i = 0; i < 16; ++i) EXPECT_NEAR(w32[i], 2 * std::numbers::pi * std::pow(1000.0, i / 15.0), 1e-3 * w32[i]);
  Tensor e32 = sinusoidal_embedding(from_vector({0.7f}, {1, 1, 1, 1}));
  std::vector<float> v32 = e32.to_vector();
  for (int i = 0; i < 16; ++i) {
    EXPECT_NEAR(v32[i], std::sin((double)w32[i] * 0.7f), 1e-5);
    EXPECT_NEAR(v32[16 + i], std::cos((double)w32[i] * 0.7f), 1e-5);
  }
  expect_error([] { sinusoidal_embedding(zeros({2, 1})); }, {"sinusoidal_embedding", "(N, 1, 1, 1)"});
  expect_error([] { embedding_angular_speeds(5, 1000.0); }, {"embedding_dims", "5"});
}

TEST(DdimBlocks, ResidualBlockGradients) {
  manual_seed(11);
  ResidualBlockOptions o;
  o.in_channels = 4;
  o.width = 8;
  o.groups = 2;
  o.window2d_width = 0.4;  // mConv2D 3×3 with a 4-wide grid
  ResidualBlock block(o);
  ASSERT_TRUE(block.masked());
  ASSERT_NE(block.residual, nullptr);
  block.eval();  // dropout off
  Tensor x = testing::uniform_param({1, 4, 3, 3}, -1.0f, 1.0f, 21);
  auto f = [&](const std::vector<Tensor>& in) { return block.forward(in[0]); };
  testing::expect_gradients_match(f, {x, block.conv1->weight, block.conv2->bias, block.residual->weight});
  // A masked weight gets exactly zero gradient.
  std::vector<float> g = block.conv1->weight.grad().to_vector(), win = block.conv1->window.to_vector();
  bool some_masked = false;
  for (size_t i = 0; i < g.size(); ++i)
    if (win[i] == 0) {
      some_masked = true;
      EXPECT_EQ(g[i], 0.0f);
    }
  EXPECT_TRUE(some_masked);
}

TEST(DdimBlocks, ResidualBlockIdentityResidualWhenChannelsMatch) {
  manual_seed(12);
  ResidualBlockOptions o;
  o.in_channels = 8;
  o.width = 8;
  o.groups = 4;
  ResidualBlock block(o);
  EXPECT_EQ(block.residual, nullptr);
  EXPECT_FALSE(block.masked());
  // Zero second convolution: the block is the identity.
  {
    NoGradGuard no_grad;
    Tensor w = block.conv2->weight, b = block.conv2->bias;
    add_(w, mul(w, -1.0f));
    add_(b, mul(b, -1.0f));
  }
  block.eval();
  Generator gen(3);
  Tensor x = randn({1, 8, 4, 4}, gen);
  EXPECT_TRUE(all_equal(block.forward(x), x));
}

// ---- diffusion ----

TEST(Ddim, DiffusionScheduleAtTheEnds) {
  manual_seed(5);
  Ddim model(tiny_options());
  DiffusionRates r = model.diffusion_schedule(from_vector({0.0f, 1.0f, 0.5f}, {3, 1, 1, 1}));
  std::vector<float> s = r.signal_rates.to_vector(), n = r.noise_rates.to_vector();
  EXPECT_NEAR(s[0], 0.95, 1e-6);
  EXPECT_NEAR(n[0], std::sqrt(1 - 0.95 * 0.95), 1e-6);
  EXPECT_NEAR(s[1], 0.02, 1e-6);
  EXPECT_NEAR(n[1], std::sqrt(1 - 0.02 * 0.02), 1e-6);
  const double mid = (std::acos(0.95) + std::acos(0.02)) / 2;
  EXPECT_NEAR(s[2], std::cos(mid), 1e-6);
  EXPECT_NEAR(n[2], std::sin(mid), 1e-6);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i] * s[i] + n[i] * n[i], 1.0, 1e-6);
}

TEST(Ddim, TrainingStepLossEmaAndMasks) {
  manual_seed(7);
  Ddim model(tiny_options());
  Tensor images = random_images(4, 16, 8);
  expect_error([&] { Generator g(1); model.train_step(images, g); }, {"Normalization"});
  model.adapt(images);
  expect_error([&] { Generator g(1); model.train_step(random_images(4, 8, 1), g); },
               {"train_step", "(N, 3, 16, 16)"});

  Tensor out_before = model.network().output->weight.clone();
  Tensor stem_before = model.network().stem->weight.clone();
  Generator gen(9);
  float loss = model.train_step(images, gen);
  EXPECT_TRUE(std::isfinite(loss));
  EXPECT_NEAR(loss, 1.0, 0.5);  // the zero-initialised network predicts 0 for N(0, 1) noise
  EXPECT_TRUE(std::isfinite(model.image_loss()));
  EXPECT_FALSE(all_equal(model.network().output->weight, out_before));
  // EMA: s = 0.999·w0 + 0.001·w1 differs from both the old and the new weights.
  Tensor ema_out = model.ema_network().output->weight;
  EXPECT_FALSE(all_equal(ema_out, model.network().output->weight));
  std::vector<float> e = ema_out.to_vector(), w1 = model.network().output->weight.to_vector();
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(e[i], 0.001f * w1[i], 1e-9);  // w0 = 0

  float loss2 = model.train_step(images, gen);
  EXPECT_TRUE(std::isfinite(loss2));
  EXPECT_FALSE(all_equal(model.network().stem->weight, stem_before));  // gradient now reaches the stem
  // Masked weights stay exactly zero through Adam.
  auto& conv = *model.network().middle[0]->conv1;
  std::vector<float> w = conv.weight.to_vector(), win = conv.window.to_vector();
  for (size_t i = 0; i < w.size(); ++i)
    if (win[i] == 0) {
      EXPECT_EQ(w[i], 0.0f);
    }
  EXPECT_EQ(model.optimizer().iterations(), 2);
  EXPECT_EQ(model.ema().num_updates(), 2);
}

TEST(Ddim, SamplingShapeRangeAndDeterminism) {
  manual_seed(13);
  Ddim model(tiny_options());
  Tensor images = random_images(4, 16, 14);
  model.adapt(images);
  Generator train_gen(15);
  model.train_step(images, train_gen);
  Generator a(42), b(42), c(43);
  Tensor x = model.sample(3, 5, a);
  EXPECT_EQ(x.shape(), (Shape{3, 3, 16, 16}));
  for (float v : x.to_vector()) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  EXPECT_TRUE(all_equal(x, model.sample(3, 5, b)));
  EXPECT_FALSE(all_equal(x, model.sample(3, 5, c)));
  expect_error([&] { model.sample(2, 0, a); }, {"steps", "0"});
}

TEST(Ddim, StatePartsRoundTrip) {
  // Dropout masks come from each layer's own stream, seeded at construction and not part of the
  // state; without dropout, training continues bit for bit.
  DdimOptions o = tiny_options();
  o.dropout = 0.0;
  manual_seed(18);
  Ddim model(o);
  Tensor images = random_images(2, 16, 19);
  model.adapt(images);
  Generator gen(20);
  model.train_step(images, gen);
  auto parts = model.state_parts();
  EXPECT_EQ(parts.size(), 4u);

  manual_seed(99);  // different initial weights
  Ddim restored(o);
  restored.load_state_parts(parts);
  Generator a(5), b(5);
  EXPECT_TRUE(all_equal(model.sample(2, 3, a), restored.sample(2, 3, b)));
  // Training continues identically (same weights, moments, normaliser; same data and noise).
  Generator ga(6), gb(6);
  EXPECT_EQ(model.train_step(images, ga), restored.train_step(images, gb));
  EXPECT_TRUE(all_equal(model.network().stem->weight, restored.network().stem->weight));
  parts.erase("ema");
  expect_error([&] { restored.load_state_parts(parts); }, {"load_state_parts", "ema"});
}

TEST(Ddim, ReverseDiffusionFollowsTheDdimUpdate) {
  // With the zero-initialised output the predicted noise is 0, so every step returns x̂0 = x / s(t) and
  // re-noises it to s(t − 1/steps)·x̂0: after k steps x̂0 = x_T / s(1) exactly (the product telescopes).
  manual_seed(16);
  Ddim model(tiny_options());
  Tensor noise = random_images(1, 16, 17);
  Tensor x0 = model.reverse_diffusion(noise, 4);
  std::vector<float> got = x0.to_vector(), start = noise.to_vector();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], start[i] / 0.02f, 1e-3 * std::fabs(start[i] / 0.02f) + 1e-4);
}

}  // namespace
}  // namespace murine
