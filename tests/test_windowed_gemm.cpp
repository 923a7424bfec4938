// The window-aware products (autograd/windowed_gemm.h, autograd/window_blocks.h): the blocks and runs
// of a pattern, the cost estimate's choice, and — for every masked layer, window form and some awkward
// shapes — the same forward and gradients as the dense products of W ⊙ window (relative error under
// 1e-5), with dW exactly 0 outside the window.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "autograd/window_blocks.h"
#include "autograd/windowed_gemm.h"
#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"
#include "layers/masked_kernel.h"
#include "layers/window.h"
#include "tests/conv_test_helpers.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::ColumnBudget;
using testing::conv_options;

// max |a - b| / max |b|: the relative error of a against the reference b.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double diff = 0, scale = 1e-30;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, (double)std::fabs(a[i] - b[i]));
    scale = std::max(scale, (double)std::fabs(b[i]));
  }
  return diff / scale;
}

// Sets the process-wide window path for a scope.
class PathScope {
 public:
  explicit PathScope(WindowPath path) : saved_(window_path()) { set_window_path(path); }
  ~PathScope() { set_window_path(saved_); }

 private:
  WindowPath saved_;
};

// A '2d' window for `x_nodes` (weight axis 1) and `y_nodes` (axis 0), grids of about √n a row unless given.
WindowSpec two_d(double r, int64_t x_nodes, int64_t y_nodes, int64_t nx1 = 0, int64_t ny1 = 0) {
  return {.form = "2d", .input2d_width = nx1 ? nx1 : default_2d_width(x_nodes),
          .output2d_width = ny1 ? ny1 : default_2d_width(y_nodes), .window2d_width = r};
}

TEST(WindowBlocks, RunsAreTheRowsAnyColumnOfTheBlockConnects) {
  // (4, 6) pattern; blocks of 2 columns.
  const std::vector<uint8_t> p = {1, 0, 0, 1, 0, 0,
                                  0, 1, 0, 0, 0, 0,
                                  1, 0, 0, 0, 0, 0,
                                  0, 0, 0, 1, 0, 0};
  WindowBlocks wb = window_blocks(p, 4, 6, 9, 2);
  ASSERT_EQ(wb.blocks.size(), 3u);
  EXPECT_EQ(wb.taps, 9);
  // columns 0-1: rows 0, 1, 2 (one run); columns 2-3: rows 0 and 3 (two runs); columns 4-5: none
  ASSERT_EQ(wb.blocks[0].runs.size(), 1u);
  EXPECT_EQ(wb.blocks[0].runs[0].begin, 0);
  EXPECT_EQ(wb.blocks[0].runs[0].end, 3);
  ASSERT_EQ(wb.blocks[1].runs.size(), 2u);
  EXPECT_EQ(wb.blocks[1].runs[0].begin, 0);
  EXPECT_EQ(wb.blocks[1].runs[0].end, 1);
  EXPECT_EQ(wb.blocks[1].runs[1].begin, 3);
  EXPECT_EQ(wb.blocks[1].rows, 2);
  EXPECT_TRUE(wb.blocks[2].runs.empty());
  EXPECT_DOUBLE_EQ(wb.mac_fraction(), (3.0 * 2 + 2.0 * 2) / 24);
  EXPECT_EQ(wb.max_rows(), 3);
  // a width past dim1 is one block; the last block of an uneven split is narrower
  EXPECT_EQ(window_blocks(p, 4, 6, 1, 10).blocks.size(), 1u);
  EXPECT_EQ(window_blocks(p, 4, 6, 1, 4).blocks.back().col_end - window_blocks(p, 4, 6, 1, 4).blocks.back().col_begin, 2);
  testing::expect_error([&] { window_blocks(p, 4, 6, 1, 0); }, {"width must be >= 1"});
  testing::expect_error([&] { window_blocks(p, 4, 5, 1, 2); }, {"is not (4, 5)"});
}

TEST(WindowBlocks, PatchBlocksAreCompactPiecesOfTheGrid) {
  // 10 channels on a grid 4 wide (rows 0-3, 4-7, and 8-9); patches 2 wide, 2 high
  const std::vector<uint8_t> p(3 * 10, 1);
  WindowBlocks wb = window_patch_blocks(p, 3, 10, 1, 4, 2, 2);
  EXPECT_EQ(wb.order, (std::vector<int64_t>{0, 1, 4, 5, 2, 3, 6, 7, 8, 9}));
  ASSERT_EQ(wb.blocks.size(), 3u);
  EXPECT_EQ(wb.blocks[0].col_begin, 0);
  EXPECT_EQ(wb.blocks[0].col_end, 4);
  EXPECT_EQ(wb.blocks[2].col_begin, 8);
  EXPECT_EQ(wb.blocks[2].col_end, 10);
  EXPECT_DOUBLE_EQ(wb.mac_fraction(), 1.0);
  testing::expect_error([&] { window_patch_blocks(p, 3, 10, 1, 0, 2, 2); }, {"must be positive"});
  auto blocks = std::make_shared<const WindowBlocks>(wb);
  Generator gen(2);
  testing::expect_error([&] { linear(randn({2, 10}, gen), randn({3, 10}, gen), Tensor(), blocks); },
                        {"linear: window blocks in a patch order are for convolutions only"});
}

TEST(WindowBlocks, TheCostEstimateTakesTheWindowWhereItSavesWork) {
  // The DCGAN generator's 512→256 4×4 transposed convolution at r = 0.4: about 35 % usage.
  mConv2DTranspose dcgan(
      [] {
        Conv2DOptions o = Conv2DTranspose::torch(512, 256, 4, 2, 1, 0, false);
        o.window = {.form = "2d", .input2d_width = 16, .output2d_width = 16, .window2d_width = 0.4};
        return o;
      }());
  const MaskedKernel& k = *dcgan.masked_kernel();
  EXPECT_NEAR(k.stats().usage_percent, 34.5, 0.1);
  EXPECT_TRUE(k.plan().use_window);
  EXPECT_LT(k.plan().blocks.mac_fraction(), 0.6);
  EXPECT_GE(k.plan().blocks.mac_fraction(), k.stats().usage_percent / 100);
  EXPECT_EQ(k.mac_fraction(Device::CPU), k.plan().blocks.mac_fraction());
  {
    PathScope dense(WindowPath::Dense);
    EXPECT_EQ(k.blocks(Device::CPU), nullptr);
    EXPECT_EQ(k.mac_fraction(Device::CPU), 1.0);
  }
  // A radius past √2 connects everything: nothing to skip, the dense path.
  mConv2D full([] {
    Conv2DOptions o = Conv2D::torch(32, 32, 3, 1, 1, false);
    o.window = two_d(1.5, 32, 32);
    return o;
  }());
  EXPECT_FALSE(full.masked_kernel()->plan().use_window);
  EXPECT_EQ(full.masked_kernel()->blocks(Device::CPU), nullptr);
  EXPECT_EQ(full.masked_kernel()->mac_fraction(Device::CPU), 1.0);
}

// One masked layer's forward, dx, dW (and db) on one path.
struct Results {
  std::vector<float> y, gx, gw, gb;
};

Results run_layer(const std::function<std::shared_ptr<KernelLayer>()>& make, const Shape& x_shape, WindowPath path) {
  PathScope scope(path);
  manual_seed(11);
  std::shared_ptr<KernelLayer> layer = make();
  Generator gen(5);
  Tensor x = randn(x_shape, gen);
  x.requires_grad_(true);
  Tensor y = layer->forward(x);
  Tensor gy = randn(y.shape(), gen);
  y.backward(gy);
  Results r{y.to_vector(), x.grad().to_vector(), layer->weight.grad().to_vector(), {}};
  if (layer->bias.defined()) r.gb = layer->bias.grad().to_vector();
  if (path == WindowPath::Window) {  // dW is exactly 0 outside the window
    const std::vector<float> window = layer->window.to_vector();
    for (size_t i = 0; i < window.size(); ++i)
      if (window[i] == 0.0f) {
        EXPECT_EQ(r.gw[i], 0.0f) << "weight " << i;
      }
  }
  return r;
}

void expect_same_both_ways(const std::string& what, const std::function<std::shared_ptr<KernelLayer>()>& make,
                           const Shape& x_shape) {
  SCOPED_TRACE(what);
  const Results dense = run_layer(make, x_shape, WindowPath::Dense);
  // one chunk for the whole batch, one image per chunk, and chunks of two (the last one short)
  for (int64_t budget : {int64_t(256) << 20, int64_t(1), int64_t(0)}) {
    SCOPED_TRACE("column budget " + std::to_string(budget));
    std::unique_ptr<ColumnBudget> scoped;
    if (budget > 0) scoped = std::make_unique<ColumnBudget>(budget);
    else if (x_shape.size() == 4) {
      // two images' worth of the larger of the two column matrices
      scoped = std::make_unique<ColumnBudget>(int64_t(2) * 4 * 64 * 64 * 16);
    }
    const Results window = run_layer(make, x_shape, WindowPath::Window);
    EXPECT_LT(relative_error(window.y, dense.y), 1e-5) << "forward";
    EXPECT_LT(relative_error(window.gx, dense.gx), 1e-5) << "dx";
    EXPECT_LT(relative_error(window.gw, dense.gw), 1e-5) << "dW";
    EXPECT_EQ(window.gb, dense.gb) << "db";
  }
}

std::function<std::shared_ptr<KernelLayer>()> dense_layer(bool sz, int64_t in, int64_t out, WindowSpec spec) {
  return [=] {
    DenseOptions o = Dense::torch(in, out);
    o.window = spec;
    if (sz) return std::shared_ptr<KernelLayer>(std::make_shared<SzDense>(o));
    return std::shared_ptr<KernelLayer>(std::make_shared<mDense>(o));
  };
}

std::function<std::shared_ptr<KernelLayer>()> conv_layer(bool sz, int64_t in, int64_t out, int64_t k, int64_t stride,
                                                        int64_t pad, int64_t groups, WindowSpec spec) {
  return [=] {
    Conv2DOptions o = Conv2D::torch(in, out, k, stride, pad, true);
    o.groups = groups;
    o.window = spec;
    if (sz) return std::shared_ptr<KernelLayer>(std::make_shared<SzConv2D>(o));
    return std::shared_ptr<KernelLayer>(std::make_shared<mConv2D>(o));
  };
}

std::function<std::shared_ptr<KernelLayer>()> conv_transpose_layer(int64_t in, int64_t out, int64_t k, int64_t stride,
                                                                  int64_t pad, int64_t groups, WindowSpec spec) {
  return [=] {
    Conv2DOptions o = Conv2DTranspose::torch(in, out, k, stride, pad, 0, true);
    o.groups = groups;
    o.window = spec;
    return std::shared_ptr<KernelLayer>(std::make_shared<mConv2DTranspose>(o));
  };
}


TEST(WindowedGemm, DenseLayersMatchTheDenseProducts) {
  for (double r : {0.001, 0.2, 0.4, 0.9, 1.5})
    expect_same_both_ways("mDense 2d r=" + std::to_string(r), dense_layer(false, 37, 23, two_d(r, 37, 23)), {5, 37});
  expect_same_both_ways("mDense 2d grid 5x3", dense_layer(false, 37, 23, two_d(0.4, 37, 23, 5, 3)), {5, 37});
  expect_same_both_ways("mDense diagonal, one output", dense_layer(false, 50, 1, {.form = "diagonal"}), {4, 50});
  expect_same_both_ways("mDense gaussian", dense_layer(false, 30, 20, {.form = "gaussian", .param_reduction = 0.6}),
                        {3, 30});
  expect_same_both_ways("mDense random",
                        dense_layer(false, 30, 20, {.form = "random", .param_reduction = 0.6, .seed = 3}), {3, 30});
  expect_same_both_ways("SzDense diagonal p=0.7", dense_layer(true, 64, 48, {.param_reduction = 0.7}), {6, 64});
  expect_same_both_ways("SzDense one input", dense_layer(true, 1, 9, {.param_reduction = 0.5}), {2, 1});
  expect_same_both_ways("SzDense batch of 3-D inputs", dense_layer(true, 20, 12, {.param_reduction = 0.5}), {2, 3, 20});
}

TEST(WindowedGemm, ConvolutionsMatchTheDenseProducts) {
  for (double r : {0.001, 0.3, 0.6, 1.5})
    expect_same_both_ways("mConv2D 2d r=" + std::to_string(r), conv_layer(false, 12, 20, 3, 1, 1, 1, two_d(r, 12, 20)),
                          {5, 12, 6, 6});
  expect_same_both_ways("mConv2D 2d k4 s2, grid 5", conv_layer(false, 13, 7, 4, 2, 1, 1, two_d(0.4, 13, 7, 5)),
                        {5, 13, 8, 8});
  expect_same_both_ways("mConv2D 2d groups 2", conv_layer(false, 12, 20, 3, 1, 1, 2, two_d(0.3, 6, 20)), {5, 12, 5, 5});
  expect_same_both_ways("mConv2D 1x1", conv_layer(false, 16, 24, 1, 1, 0, 1, two_d(0.3, 16, 24)), {5, 16, 4, 4});
  expect_same_both_ways("mConv2D diagonal, one output", conv_layer(false, 10, 1, 3, 1, 1, 1, {.form = "diagonal"}),
                        {5, 10, 5, 5});
  expect_same_both_ways("mConv2D individual",
                        conv_layer(false, 9, 11, 3, 1, 1, 1, {.form = "individual", .param_reduction = 0.5, .seed = 2}),
                        {5, 9, 5, 5});
  expect_same_both_ways("mConv2D kernel",
                        conv_layer(false, 9, 11, 3, 1, 1, 1, {.form = "kernel", .param_reduction = 0.5, .seed = 2}),
                        {5, 9, 5, 5});
  expect_same_both_ways("SzConv2D diagonal p=0.7", conv_layer(true, 24, 16, 3, 1, 1, 1, {.param_reduction = 0.7}),
                        {5, 24, 5, 5});
  expect_same_both_ways("SzConv2D groups 4", conv_layer(true, 16, 8, 3, 1, 1, 4, {.param_reduction = 0.5}),
                        {5, 16, 4, 4});
}

TEST(WindowedGemm, TransposedConvolutionsMatchTheDenseProducts) {
  for (double r : {0.001, 0.4, 1.5})
    expect_same_both_ways("mConv2DTranspose 2d r=" + std::to_string(r),
                          conv_transpose_layer(24, 12, 4, 2, 1, 1, two_d(r, 12, 24)), {5, 24, 3, 3});
  expect_same_both_ways("mConv2DTranspose 2d grid 16/8", conv_transpose_layer(64, 32, 4, 2, 1, 1, two_d(0.4, 32, 64, 8, 8)),
                        {5, 64, 4, 4});
  expect_same_both_ways("mConv2DTranspose groups 3", conv_transpose_layer(24, 12, 4, 2, 1, 3, two_d(0.4, 4, 24)),
                        {5, 24, 3, 3});
  expect_same_both_ways("mConv2DTranspose diagonal, one output",
                        conv_transpose_layer(10, 1, 3, 1, 1, 1, {.form = "diagonal"}), {5, 10, 4, 4});
  expect_same_both_ways("mConv2DTranspose kernel",
                        conv_transpose_layer(9, 11, 3, 2, 1, 1, {.form = "kernel", .param_reduction = 0.5, .seed = 4}),
                        {5, 9, 4, 4});
}

// Products large enough to share their blocks among threads (autograd/windowed_gemm.cpp) give the
// dense results at 1, 2 and 3 threads (3: an uneven split on this machine's cores).
TEST(WindowedGemm, ThreadsShareTheBlocksOfLargeProducts) {
  const int saved = omp_get_max_threads();
  struct Case {
    std::string what;
    std::function<std::shared_ptr<KernelLayer>()> make;
    Shape x;
    int64_t columns;  // of the layer's products: batch·positions (convolutions), batch rows (Dense)
  };
  const std::vector<Case> cases = {
      {"mConv2DTranspose 128->64 k4", conv_transpose_layer(128, 64, 4, 2, 1, 1, two_d(0.4, 64, 128)), {8, 128, 4, 4},
       8 * 4 * 4},
      {"mConv2D 64->48 k3", conv_layer(false, 64, 48, 3, 1, 1, 1, two_d(0.4, 64, 48)), {8, 64, 8, 8}, 8 * 8 * 8},
      {"SzDense 512->256 p=0.6", dense_layer(true, 512, 256, {.param_reduction = 0.6}), {160, 512}, 160},
  };
  for (const Case& c : cases) {
    const std::shared_ptr<KernelLayer> layer = c.make();
    std::shared_ptr<const WindowBlocks> blocks;
    {
      PathScope scope(WindowPath::Window);
      blocks = layer->masked_kernel()->blocks(Device::CPU);
    }
    ASSERT_TRUE(blocks) << c.what << ": the layer plans no window-aware path";
    omp_set_num_threads(2);
    EXPECT_EQ(WindowedGemm(*blocks, 1).threads(Device::CPU, c.columns), 2) << c.what << ": too small to share";
    EXPECT_EQ(WindowedGemm(*blocks, 1).threads(Device::CUDA, c.columns), 1) << c.what;
    omp_set_num_threads(1);
    const Results dense = run_layer(c.make, c.x, WindowPath::Dense);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(c.what + ", " + std::to_string(threads) + " threads");
      omp_set_num_threads(threads);
      const Results window = run_layer(c.make, c.x, WindowPath::Window);
      EXPECT_LT(relative_error(window.y, dense.y), 1e-5) << "forward";
      EXPECT_LT(relative_error(window.gx, dense.gx), 1e-5) << "dx";
      EXPECT_LT(relative_error(window.gw, dense.gw), 1e-5) << "dW";
    }
  }
  omp_set_num_threads(saved);
}

// The ops themselves, for every block width (one run, several, empty blocks) against the dense ones,
// with a weight that is zero outside a random pattern.
TEST(WindowedGemm, OpsMatchForEveryBlockWidth) {
  Generator gen(9);
  const int64_t dim0 = 6, dim1 = 7, taps = 4;
  std::vector<uint8_t> pattern(dim0 * dim1);
  std::vector<float> keep(dim0 * dim1 * taps);
  const std::vector<float> u = rand({dim0 * dim1}, gen).to_vector();
  for (int64_t i = 0; i < dim0 * dim1; ++i) pattern[i] = u[i] < 0.4f && i % dim1 != dim1 - 1;  // last column empty
  for (int64_t i = 0; i < dim0 * dim1; ++i)
    for (int64_t t = 0; t < taps; ++t) keep[i * taps + t] = pattern[i];
  const Tensor w4 = mul(randn({dim0, dim1, 2, 2}, gen), from_vector(keep, {dim0, dim1, 2, 2}));
  std::vector<float> keep2(dim0 * dim1);
  for (int64_t i = 0; i < dim0 * dim1; ++i) keep2[i] = pattern[i];
  const Tensor w2 = mul(randn({dim0, dim1}, gen), from_vector(keep2, {dim0, dim1}));
  const Tensor x_conv = randn({3, dim1 * 2, 5, 5}, gen);    // conv2d, groups 2: C = 2·dim1
  const Tensor x_convt = randn({3, dim0, 4, 4}, gen);       // conv_transpose2d, groups 2: C = dim0
  const Tensor x_dense = randn({4, dim1}, gen);

  using Op = std::function<Tensor(const Tensor& x, const Tensor& w, std::shared_ptr<const WindowBlocks>)>;
  auto compare = [&](const std::string& what, const Op& op, const Tensor& x0, const Tensor& w0, int64_t t) {
    auto run = [&](std::shared_ptr<const WindowBlocks> blocks) {
      Tensor x = x0.detach(), w = w0.detach();
      x.requires_grad_(true), w.requires_grad_(true);
      Tensor y = op(x, w, blocks);
      y.backward(full(y.shape(), 0.5f));
      return Results{y.to_vector(), x.grad().to_vector(), w.grad().to_vector(), {}};
    };
    const Results dense = run(nullptr);
    std::vector<WindowBlocks> blockings;
    for (int64_t width : {1, 2, 3, 7}) blockings.push_back(window_blocks(pattern, dim0, dim1, t, width));
    if (t > 1)  // convolutions: patches of a 3-wide grid (its last row short), channels permuted
      for (auto [pw, ph] : {std::pair<int64_t, int64_t>{2, 2}, {1, 2}, {3, 2}, {2, 4}})
        blockings.push_back(window_patch_blocks(pattern, dim0, dim1, t, 3, pw, ph));
    for (const WindowBlocks& b : blockings) {
      SCOPED_TRACE(what + ", block width " + std::to_string(b.width) + ", patch " + std::to_string(b.patch_w) + "x" +
                   std::to_string(b.patch_h));
      auto blocks = std::make_shared<const WindowBlocks>(b);
      const Results window = run(blocks);
      EXPECT_LT(relative_error(window.y, dense.y), 1e-5);
      EXPECT_LT(relative_error(window.gx, dense.gx), 1e-5);
      // dW: the same inside the pattern; outside it either the same (inside a block's rows and
      // columns: the layer's mul by the window zeroes it) or 0 (outside every block)
      for (size_t i = 0; i < window.gw.size(); ++i) {
        const bool same = std::fabs(window.gw[i] - dense.gw[i]) <= 1e-5 * (1 + std::fabs(dense.gw[i]));
        if (pattern[i / t]) EXPECT_TRUE(same) << i << ": " << window.gw[i] << " vs " << dense.gw[i];
        else EXPECT_TRUE(same || window.gw[i] == 0.0f) << i << ": " << window.gw[i] << " vs " << dense.gw[i];
      }
    }
  };
  compare("conv2d groups 2", [](const Tensor& x, const Tensor& w, std::shared_ptr<const WindowBlocks> b) {
    ConvArgs o = conv_options(1, 1, 1, 2);
    o.window = b;
    return conv2d(x, w, Tensor(), o);
  }, x_conv, w4, taps);
  compare("conv_transpose2d groups 2", [](const Tensor& x, const Tensor& w, std::shared_ptr<const WindowBlocks> b) {
    ConvArgs o = conv_options(2, 1, 1, 2);
    o.window = b;
    return conv_transpose2d(x, w, Tensor(), o);
  }, x_convt, w4, taps);
  compare("linear", [](const Tensor& x, const Tensor& w, std::shared_ptr<const WindowBlocks> b) {
    return linear(x, w, Tensor(), b);
  }, x_dense, w2, 1);
}

TEST(WindowedGemm, BlocksThatDoNotFitTheWeightAreAnError) {
  Generator gen(1);
  auto blocks = std::make_shared<const WindowBlocks>(window_blocks(std::vector<uint8_t>(12, 1), 3, 4, 9, 2));
  ConvArgs o = conv_options(1, 1);
  o.window = blocks;
  testing::expect_error([&] { conv2d(randn({1, 4, 5, 5}, gen), randn({3, 4, 2, 2}, gen), Tensor(), o); },
                        {"conv2d: window blocks of (3, 4) × 9 taps do not fit weight (3, 4, 2, 2)"});
  testing::expect_error([&] { linear(randn({2, 4}, gen), randn({3, 4}, gen), Tensor(), blocks); },
                        {"linear: window blocks of (3, 4) × 9 taps do not fit weight (3, 4)"});
}

}  // namespace
}  // namespace murine
