// Dense, Conv2D, Conv2DTranspose and their masked twins: shapes (Keras "same"/"valid" and PyTorch
// padding), gradients through the layers, the window applied in both directions, w_corr scaling,
// state dicts, and argument/input validation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "tensor/error.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;

TEST(Layers, KerasSameAndValidOutputShapes) {
  manual_seed(1);
  Tensor x = zeros({2, 3, 9, 8});
  // Conv2D "same": ceil(n/s); "valid": floor((n - k)/s) + 1.
  EXPECT_EQ(Conv2D({.filters = 4, .kernel_size = 3, .strides = 2, .padding = "same"})(x).shape(), (Shape{2, 4, 5, 4}));
  EXPECT_EQ(Conv2D({.filters = 4, .kernel_size = 4, .strides = 2, .padding = "valid"})(x).shape(), (Shape{2, 4, 3, 3}));
  EXPECT_EQ(Conv2D({.filters = 4, .kernel_size = {3, 5}, .padding = "same"})(x).shape(), (Shape{2, 4, 9, 8}));
  // Conv2DTranspose "same": n·s; "valid": n·s + max(k - s, 0).
  EXPECT_EQ(Conv2DTranspose({.filters = 5, .kernel_size = 5, .strides = 2, .padding = "same"})(x).shape(), (Shape{2, 5, 18, 16}));
  EXPECT_EQ(Conv2DTranspose({.filters = 5, .kernel_size = 3, .strides = 2, .padding = "valid"})(x).shape(), (Shape{2, 5, 19, 17}));
  EXPECT_EQ(Conv2DTranspose({.filters = 5, .kernel_size = 1, .strides = 2, .padding = "valid"})(x).shape(), (Shape{2, 5, 18, 16}));
  EXPECT_EQ(Conv2DTranspose({.filters = 5, .kernel_size = 4, .strides = 2, .padding = "same"})(x).shape(), (Shape{2, 5, 18, 16}));
}

TEST(Layers, TorchConventions) {
  manual_seed(2);
  // nn.ConvTranspose2d(100, 8, 4, 1, 0) on a 1x1 latent gives 4x4; (8, 4, 4, 2, 1) doubles.
  Conv2DTranspose g1(Conv2DTranspose::torch(100, 8, 4, 1, 0, 0, false));
  Conv2DTranspose g2(Conv2DTranspose::torch(8, 4, 4, 2, 1, 0, false));
  Tensor z = zeros({3, 100, 1, 1});
  Tensor h = g1(z);
  EXPECT_EQ(h.shape(), (Shape{3, 8, 4, 4}));
  EXPECT_EQ(g2(h).shape(), (Shape{3, 4, 8, 8}));
  EXPECT_FALSE(g1.bias.defined());
  EXPECT_EQ(g1.weight.shape(), (Shape{100, 8, 4, 4}));  // PyTorch's (in, out, kh, kw)
  Conv2D d(Conv2D::torch(3, 6, 4, 2, 1));
  EXPECT_EQ(d(zeros({1, 3, 8, 8})).shape(), (Shape{1, 6, 4, 4}));
  // kaiming_uniform(√5): |w| <= 1/√fan_in, and the bias the same bound.
  double bound = 1.0 / std::sqrt(3.0 * 16);
  for (float v : d.weight.to_vector()) EXPECT_LE(std::fabs(v), bound + 1e-7);
  for (float v : d.bias.to_vector()) EXPECT_LE(std::fabs(v), bound + 1e-7);
  Dense lin(Dense::torch(10, 3));
  EXPECT_EQ(lin.weight.shape(), (Shape{3, 10}));
}

TEST(Layers, GlorotUniformBounds) {
  manual_seed(3);
  Dense dense({.units = 30, .in_features = 20});
  double limit = std::sqrt(6.0 / (20 + 30));
  double sum2 = 0;
  for (float v : dense.weight.to_vector()) {
    EXPECT_LE(std::fabs(v), limit);
    sum2 += v * v;
  }
  EXPECT_NEAR(sum2 / 600, limit * limit / 3, 0.25 * limit * limit / 3);  // variance of U(±limit)
  for (float v : dense.bias.to_vector()) EXPECT_EQ(v, 0.0f);
}

// Mean and variance of a drawn tensor.
std::pair<double, double> moments(const Tensor& t) {
  double s = 0, s2 = 0;
  std::vector<float> v = t.to_vector();
  for (float x : v) s += x, s2 += (double)x * x;
  double m = s / v.size();
  return {m, s2 / v.size() - m * m};
}

TEST(Initializers, MomentsAndBoundsOfEachRule) {
  Generator gen(21);
  Shape conv{64, 32, 3, 3};  // fan_in = 288, fan_out = 576
  // he_normal: truncated N(0, √(2/fan_in)/0.8796) cut at 2σ, so its variance is 2/fan_in.
  Tensor he = initialize(Initializer::he_normal(), conv, gen);
  double sd = std::sqrt(2.0 / 288) / 0.87962566103423978;
  for (float v : he.to_vector()) ASSERT_LE(std::fabs(v), 2 * sd + 1e-6);
  EXPECT_NEAR(moments(he).second, 2.0 / 288, 0.05 * 2.0 / 288);
  // VarianceScaling(1, fan_avg, uniform) = glorot_uniform: variance 1/fan_avg.
  Tensor vs = initialize(Initializer::variance_scaling(1.0, "fan_avg", "uniform"), conv, gen);
  EXPECT_NEAR(moments(vs).second, 1.0 / 432, 0.05 / 432);
  // normal(0, 0.02), PyTorch's DCGAN init.
  auto [m, var] = moments(initialize(Initializer::normal(0.0, 0.02), conv, gen));
  EXPECT_NEAR(m, 0.0, 0.001);
  EXPECT_NEAR(std::sqrt(var), 0.02, 0.001);
  // torch_default: U(±1/√fan_in), variance 1/(3·fan_in).
  Tensor td = initialize(Initializer::torch_default(), conv, gen);
  for (float v : td.to_vector()) ASSERT_LE(std::fabs(v), 1 / std::sqrt(288.0) + 1e-7);
  EXPECT_NEAR(moments(td).second, 1.0 / (3 * 288), 0.05 / (3 * 288));
  EXPECT_EQ(initialize(Initializer::ones(), {3}, gen).to_vector(), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(initialize(Initializer::zeros(), {2}, gen).to_vector(), (std::vector<float>{0, 0}));
  // ConvTranspose weight (in, out/groups, kh, kw): fan_in = shape[1]·kh·kw, as PyTorch.
  Fans f = compute_fans({8, 4, 5, 5});
  EXPECT_EQ(f.fan_in, 100);
  EXPECT_EQ(f.fan_out, 200);
  expect_error([&] { initialize(Initializer::variance_scaling(1.0, "fan_max", "uniform"), conv, gen); },
               {"fan_max"});
}

TEST(Layers, DenseGradients) {
  manual_seed(4);
  Dense dense({.units = 3, .activation = "tanh", .in_features = 4});
  Tensor x = uniform_param({2, 4}, -1, 1, 5);
  expect_gradients_match([&](const Args& v) { return dense(v[0]); }, {x, dense.weight, dense.bias});
}

TEST(Layers, MaskedDenseAppliesTheWindowBothWays) {
  manual_seed(5);
  mDense layer({.units = 8, .in_features = 16, .window = {.form = "2d", .input2d_width = 4, .output2d_width = 4,
                .window2d_width = 0.4}});
  std::vector<float> win = layer.window.to_vector(), w = layer.weight.to_vector();
  int zeros_in_window = 0;
  for (size_t i = 0; i < win.size(); ++i) {
    if (win[i] == 0.0f) {
      ++zeros_in_window;
      EXPECT_EQ(w[i], 0.0f) << "initial weight outside the window must be 0";
    }
  }
  EXPECT_GT(zeros_in_window, 0);
  Tensor x = uniform_param({3, 16}, -1, 1, 6);
  expect_gradients_match([&](const Args& v) { return layer(v[0]); }, {x, layer.weight, layer.bias});
  layer.weight.zero_grad();
  sum(layer(x)).backward();
  std::vector<float> g = layer.weight.grad().to_vector();
  for (size_t i = 0; i < win.size(); ++i)
    if (win[i] == 0.0f) {
      EXPECT_EQ(g[i], 0.0f);
    }
}

TEST(Layers, WCorrScalesTheInitialWeights) {
  // Same seed, same draws: masked weight = unmasked weight ⊙ window · w_corr.
  manual_seed(7);
  Dense plain({.units = 8, .in_features = 16});
  manual_seed(7);
  mDense masked({.units = 8, .in_features = 16, .window = {.form = "2d", .input2d_width = 4, .output2d_width = 4,
                 .window2d_width = 0.5}});
  WindowStats st = masked.window_stats();
  EXPECT_GT(st.w_corr, 1.0);
  std::vector<float> p = plain.weight.to_vector(), m = masked.weight.to_vector(), win = masked.window.to_vector();
  for (size_t i = 0; i < p.size(); ++i) EXPECT_FLOAT_EQ(m[i], p[i] * win[i] * (float)st.w_corr);
}

TEST(Layers, ConvGradientsPlainAndMasked) {
  manual_seed(8);
  Tensor x = uniform_param({2, 4, 5, 5}, -1, 1, 9);
  Conv2D conv({.filters = 4, .kernel_size = 3, .strides = 2, .padding = "same", .in_channels = 4});
  expect_gradients_match([&](const Args& v) { return conv(v[0]); }, {x, conv.weight, conv.bias});
  mConv2D mconv({.filters = 4, .kernel_size = 3, .padding = "valid", .in_channels = 4, .window = {.form = "2d",
                 .input2d_width = 2, .output2d_width = 2, .window2d_width = 0.6}});
  expect_gradients_match([&](const Args& v) { return mconv(v[0]); }, {x, mconv.weight, mconv.bias});
  mConv2DTranspose mt({.filters = 6, .kernel_size = 4, .strides = 2, .padding = "same", .in_channels = 4,
                       .window = {.form = "2d", .input2d_width = 3, .output2d_width = 2, .window2d_width = 0.5}});
  expect_gradients_match([&](const Args& v) { return mt(v[0]); }, {x, mt.weight, mt.bias});
  EXPECT_EQ(mt.window.shape(), (Shape{4, 6, 4, 4}));  // (in, filters, kh, kw)
}

TEST(Layers, SchizoLayersUseTheDiagonalForm) {
  manual_seed(10);
  SzDense sd({.units = 16, .in_features = 16});
  EXPECT_NEAR(sd.window_stats().usage_percent, 100.0 * sd.window_stats().num_ones / 256, 1e-9);
  EXPECT_LT(sd.window_stats().usage_percent, 100.0);
  SzConv2D sc({.filters = 8, .kernel_size = 3, .in_channels = 8});
  EXPECT_LT(sc.window_stats().usage_percent, 100.0);
}

TEST(Layers, StateDictRoundTripsThroughSafetensors) {
  manual_seed(11);
  Sequential net({std::make_shared<mConv2D>(Conv2DOptions{.filters = 4, .kernel_size = 3, .in_channels = 2,
                                                          .window = {.form = "2d", .input2d_width = 2, .output2d_width = 2,
                                                          .window2d_width = 0.5}}),
                  std::make_shared<Conv2D>(Conv2DOptions{.filters = 2, .kernel_size = 1, .in_channels = 4})});
  auto names = net.state_dict();
  EXPECT_TRUE(names.count("0.weight") && names.count("0.bias") && names.count("0.window") &&
              names.count("1.weight") && names.count("1.bias"));
  EXPECT_EQ(net.parameters().size(), 4u);  // the window is a buffer, not a parameter
  std::string path = ::testing::TempDir() + "/murine_state.safetensors";
  net.save(path);
  Tensor x = uniform_param({1, 2, 5, 5}, -1, 1, 12);
  Tensor before = net(x);
  manual_seed(99);
  Sequential other({std::make_shared<mConv2D>(Conv2DOptions{.filters = 4, .kernel_size = 3, .in_channels = 2,
                                                            .window = {.form = "2d", .input2d_width = 2, .output2d_width = 2,
                                                            .window2d_width = 0.5}}),
                    std::make_shared<Conv2D>(Conv2DOptions{.filters = 2, .kernel_size = 1, .in_channels = 4})});
  Tensor handle = other.parameters()[0];
  other.load(path);
  EXPECT_EQ(other(x).to_vector(), before.to_vector());
  EXPECT_EQ(handle.to_vector(), net.parameters()[0].to_vector());  // loaded in place
  std::remove(path.c_str());
}

TEST(Layers, LoadStateDictNamesTheMismatch) {
  manual_seed(13);
  Dense a({.units = 3, .in_features = 4});
  Dense b({.units = 3, .in_features = 5});
  expect_error([&] { b.load_state_dict(a.state_dict()); }, {"weight", "(3, 5)", "(3, 4)"});
  Dense c({.units = 3, .use_bias = false, .in_features = 4});
  expect_error([&] { c.load_state_dict(a.state_dict()); }, {"unexpected", "bias"});
}

TEST(Layers, ArgumentAndInputValidation) {
  expect_error([] { Conv2D({.filters = 0, .kernel_size = 3}); }, {"Conv2D", "filters", "0"});
  expect_error([] { Conv2D({.filters = 4, .kernel_size = 0}); }, {"Conv2D", "kernel_size"});
  expect_error([] { Conv2D({.filters = 4, .kernel_size = 3, .strides = 0}); }, {"Conv2D", "strides"});
  expect_error([] { Conv2D({.filters = 4, .kernel_size = 3, .strides = 2, .dilation_rate = 2}); },
               {"Conv2D", "strides", "dilation"});
  expect_error([] { Conv2D({.filters = 4, .kernel_size = 3, .padding = "full"}); }, {"Conv2D", "padding", "full"});
  expect_error([] { Conv2D({.filters = 4, .kernel_size = 3, .window = {.form = "2d"}}); }, {"Conv2D", "form", "mConv2D"});
  expect_error([] { Dense({.units = -1}); }, {"Dense", "units", "-1"});
  expect_error([] { Dense({.units = 2, .activation = "gelu2"}); }, {"Dense", "activation", "gelu2"});
  expect_error([] { mConv2D({.filters = 4, .kernel_size = 3, .in_channels = 4, .window = {.form = "hexagonal"}}); },
               {"mConv2D", "hexagonal"});
  expect_error([] { mConv2D({.filters = 4, .kernel_size = 3, .in_channels = 4, .window = {.form = "2d", .input2d_width = 2,
                             .output2d_width = 2, .window2d_width = 0}}); },
               {"mConv2D", "window2d_width"});
  expect_error([] { mConv2D({.filters = 4, .kernel_size = 3, .in_channels = 4, .window = {.form = "2d", .input2d_width = 8,
                             .output2d_width = 2, .window2d_width = 0.5}}); },
               {"mConv2D", "input2d_width", "8"});
  Conv2D conv({.filters = 4, .kernel_size = 3, .in_channels = 3});
  expect_error([&] { conv(zeros({2, 3, 8})); }, {"Conv2D", "(2, 3, 8)"});
  expect_error([&] { conv(zeros({2, 5, 8, 8})); }, {"Conv2D", "(2, 5, 8, 8)", "3"});
  Dense dense({.units = 2, .in_features = 3});
  expect_error([&] { dense(zeros({4, 5})); }, {"Dense", "(4, 5)", "3"});
}

}  // namespace
}  // namespace murine
