// MaskedKernel through the masked layers: given windows (tensor and .npy), their checks and figures,
// the w_corr rule, forward = x·(W ⊙ window)ᵀ, and a window that survives a save/load.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/expect_error.h"
#include "io/npy.h"
#include "tests/io_test_helpers.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "layers/masked_kernel.h"

namespace murine {
namespace {

using testing::expect_error;

// A (4, 6) 0/1 window with 9 ones, as a reference script might have drawn it.
Tensor drawn_window() {
  return from_vector({1, 0, 0, 1, 0, 0,  0, 1, 1, 0, 0, 0,  1, 0, 0, 0, 1, 1,  0, 0, 1, 0, 0, 1}, {4, 6});
}

TEST(MaskedKernel, GivenWindowIsUsedAndCounted) {
  manual_seed(7);
  Dense plain({.units = 4, .in_features = 6});
  manual_seed(7);
  mDense masked({.units = 4, .in_features = 6, .window = {.form = "random", .given = drawn_window()}});
  EXPECT_EQ(masked.window.to_vector(), drawn_window().to_vector());
  const MaskedKernel* k = masked.masked_kernel();
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(k->given());
  EXPECT_EQ(k->stats().num_weights, 24);
  EXPECT_EQ(k->stats().num_ones, 9.0);
  EXPECT_EQ(k->stats().usage_percent, 100.0 * 9 / 24);
  EXPECT_EQ(k->stats().w_corr, 24.0 / 9.0);
  EXPECT_EQ(k->stats().halfbandwidth, 0.0);
  // [w_corr init] as for a built window: W = W_drawn ⊙ window · w_corr.
  std::vector<float> w0 = plain.weight.to_vector(), w = masked.weight.to_vector(), win = drawn_window().to_vector();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(w[i], w0[i] * win[i] * (float)(24.0 / 9.0)) << i;
  // forward = x·(W ⊙ window)ᵀ + b
  Generator gen(3);
  Tensor x = randn({2, 6}, gen);
  Tensor want = linear(x, mul(masked.weight, drawn_window()), masked.bias);
  EXPECT_EQ(masked(x).to_vector(), want.to_vector());
  // an unmasked layer has no masked kernel but a kernel weight
  EXPECT_EQ(plain.masked_kernel(), nullptr);
  EXPECT_EQ(plain.kernel_weight().shape(), (Shape{4, 6}));
}

TEST(MaskedKernel, GivenWindowFromNpyFile) {
  const std::string path = io_test::temp_path("given_window.npy");
  save_npy(path, reshape(drawn_window(), {4, 6, 1, 1}));
  SzConv2D conv({.filters = 4, .kernel_size = 1, .in_channels = 6, .window = {.given_npy = path}});
  EXPECT_EQ(conv.window.shape(), (Shape{4, 6, 1, 1}));
  EXPECT_EQ(conv.window_stats().num_ones, 9.0);
  std::vector<float> w = conv.weight.to_vector(), win = drawn_window().to_vector();
  for (size_t i = 0; i < w.size(); ++i) {
    if (win[i] == 0) {
      EXPECT_EQ(w[i], 0.0f) << i;
    }
  }
}

TEST(MaskedKernel, GivenGaussianWindowCarriesItsWCorrAsABuiltOne) {
  // The built 'gaussian' window, given back: the same initial weight (W ⊙ window, no extra w_corr).
  WindowSpec gaussian{.form = "gaussian", .param_reduction = 0.5};
  manual_seed(9);
  mDense built({.units = 5, .in_features = 8, .window = gaussian});
  manual_seed(9);
  mDense given({.units = 5, .in_features = 8, .window = {.form = "gaussian", .given = built.window}});
  EXPECT_EQ(given.weight.to_vector(), built.weight.to_vector());
  EXPECT_TRUE(given.masked_kernel()->given());
}

TEST(MaskedKernel, ConvolutionReloadKeepsItsKernelWindow) {
  Conv2DOptions o{.filters = 6, .kernel_size = 3, .padding = "same", .in_channels = 4};
  o.window = {.form = "kernel", .param_reduction = 0.5, .seed = 1};
  mConv2D a(o);
  o.window.seed = 2;
  mConv2D b(o);
  ASSERT_NE(a.window.to_vector(), b.window.to_vector());
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.masked_kernel()->window().to_vector(), a.window.to_vector());
  EXPECT_EQ(b.window_stats().num_ones, a.window_stats().num_ones);
  Generator gen(4);
  Tensor x = randn({1, 4, 5, 5}, gen);
  EXPECT_EQ(b(x).to_vector(), a(x).to_vector());
}

TEST(MaskedKernel, GivenWindowErrorsNameLayerArgumentAndShapes) {
  expect_error([] { mDense({.units = 3, .in_features = 6, .window = {.given = drawn_window()}}); },
               {"mDense", "window.given", "(4, 6)", "(3, 6)"});
  expect_error([] { mConv2DTranspose({.filters = 6, .kernel_size = 2, .in_channels = 4,
                                      .window = {.given = drawn_window()}}); },
               {"mConv2DTranspose", "window.given", "(4, 6)", "(4, 6, 2, 2)"});
  Tensor bad = drawn_window().clone();
  {
    std::vector<float> v = bad.to_vector();
    v[5] = std::numeric_limits<float>::quiet_NaN();
    bad = from_vector(v, {4, 6});
  }
  expect_error([&] { mDense({.units = 4, .in_features = 6, .window = {.given = bad}}); },
               {"mDense", "non-finite", "index 5"});
  expect_error([] { mDense({.units = 4, .in_features = 6, .window = {.given_npy = "/nonexistent/w.npy"}}); },
               {"mDense", "window.given_npy", "/nonexistent/w.npy"});
  expect_error([] { Dense({.units = 4, .in_features = 6, .window = {.given = drawn_window()}}); },
               {"Dense", "given window", "mDense"});
  expect_error([] { mDense({.units = 4, .in_features = 6, .window = {.form = "kernel", .given = drawn_window()}}); },
               {"mDense", "kernel", "(4, 6)"});
}

TEST(MaskedKernel, LoadStateDictRestoresADrawnWindowAndItsFigures) {
  mDense a({.units = 16, .in_features = 24, .window = {.form = "random", .param_reduction = 0.5, .seed = 11}});
  mDense b({.units = 16, .in_features = 24, .window = {.form = "random", .param_reduction = 0.5, .seed = 12}});
  ASSERT_NE(a.window.to_vector(), b.window.to_vector());
  const std::string path = io_test::temp_path("masked_layer.safetensors");
  a.save(path);
  b.load(path);
  EXPECT_EQ(b.window.to_vector(), a.window.to_vector());
  EXPECT_EQ(b.masked_kernel()->window().to_vector(), a.window.to_vector());  // the kernel's view, too
  EXPECT_EQ(b.window_stats().num_ones, a.window_stats().num_ones);
  EXPECT_EQ(b.window_stats().usage_percent, a.window_stats().usage_percent);
  EXPECT_TRUE(b.masked_kernel()->given());   // seed 12 does not build this window any more
  EXPECT_FALSE(a.masked_kernel()->given());
  Generator gen(5);
  Tensor x = randn({3, 24}, gen);
  EXPECT_EQ(b(x).to_vector(), a(x).to_vector());
  // Reloading a layer's own window keeps the figures its spec built.
  a.load(path);
  EXPECT_FALSE(a.masked_kernel()->given());
}

}  // namespace
}  // namespace murine
