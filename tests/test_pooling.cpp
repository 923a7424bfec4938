// MaxPooling2D (Keras "valid"/"same" and PyTorch padding/ceil_mode), the max_pool2d op beneath it,
// and GlobalAveragePooling2D: values worked out by hand, the tie rule, gradients against finite
// differences on inputs without ties, and the errors for bad input. PyTorch's and Keras' own
// numbers are the reference cases (tests/reference/torch/maxpool2d_*, keras/maxpooling2d_*).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/ops.h"
#include "layers/pooling.h"
#include "tensor/error.h"
#include "tests/cuda_test_helpers.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;
using testing::expect_gradients_match;
using Args = std::vector<Tensor>;

void expect_values(const Tensor& t, const Shape& shape, const std::vector<float>& expected) {
  ASSERT_EQ(shape_str(t.shape()), shape_str(shape));
  EXPECT_EQ(t.to_vector(), expected);
}

// 0, 1, 2, … in the given shape.
Tensor iota(const Shape& shape) { return reshape(arange(0, (float)numel(shape)), shape); }

// Distinct values 0.05 apart in a scrambled order (no ties, none closer than the gradcheck step),
// requiring grad.
Tensor scrambled(const Shape& shape) {
  const int64_t n = numel(shape);
  int64_t stride = 37;
  while (n % stride == 0) ++stride;  // coprime, so i·stride mod n is a permutation
  std::vector<float> v((size_t)n);
  for (int64_t i = 0; i < n; ++i) v[(size_t)i] = 0.05f * (float)((i * stride) % n) - 1.0f;
  Tensor t = from_vector(v, shape);
  t.requires_grad_();
  return t;
}

MaxPooling2D keras_pool(Pair pool, Pair strides, const char* padding) {
  MaxPooling2DOptions o;
  o.pool_size = pool;
  o.strides = strides;
  o.padding = padding;
  return MaxPooling2D(o);
}

TEST(MaxPooling2D, ValidTakesEachWindowsMaximum) {
  expect_values(MaxPooling2D()(iota({1, 1, 4, 4})), {1, 1, 2, 2}, {5, 7, 13, 15});
  // odd sizes: the last row and column fit no window
  expect_values(MaxPooling2D()(iota({1, 1, 5, 5})), {1, 1, 2, 2}, {6, 8, 16, 18});
  // overlapping windows, k3 s1
  expect_values(keras_pool(3, 1, "valid")(iota({1, 1, 3, 4})), {1, 1, 1, 2}, {10, 11});
}

TEST(MaxPooling2D, SamePadsAtTheEndAndPaddingNeverWins) {
  // 5 → ⌈5/2⌉ = 3: one pad row/column at the end
  expect_values(keras_pool(2, 2, "same")(iota({1, 1, 5, 5})), {1, 1, 3, 3}, {6, 8, 9, 16, 18, 19, 21, 23, 24});
  // all negative: a zero in the padding must not win
  Tensor negative = neg(add(iota({1, 1, 3, 3}), 1.0f));
  expect_values(keras_pool(2, 2, "same")(negative), {1, 1, 2, 2}, {-1, -3, -7, -9});
  // k3 s2 on 4: total pad 1, at the end
  expect_values(keras_pool(3, 2, "same")(iota({1, 1, 1, 4})), {1, 1, 1, 2}, {2, 3});
}

TEST(MaxPooling2D, TorchPaddingAndCeilMode) {
  // nn.MaxPool2d(3, 2, 1) on 5×5: ⌊(5 + 2 − 3)/2⌋ + 1 = 3, windows start at −1, 1, 3
  expect_values(MaxPooling2D(MaxPooling2D::torch(3, 2, 1))(iota({1, 1, 5, 5})), {1, 1, 3, 3},
                {6, 8, 9, 16, 18, 19, 21, 23, 24});
  // floor mode drops the last row/column, ceil mode keeps a partial window
  expect_values(MaxPooling2D(MaxPooling2D::torch(2))(iota({1, 1, 5, 5})), {1, 1, 2, 2}, {6, 8, 16, 18});
  expect_values(MaxPooling2D(MaxPooling2D::torch(2, 2, 0, true))(iota({1, 1, 5, 5})), {1, 1, 3, 3},
                {6, 8, 9, 16, 18, 19, 21, 23, 24});
  // ceil mode, but a third window would start at 5 = n, in the right padding: PyTorch drops it
  expect_values(MaxPooling2D(MaxPooling2D::torch(3, 3, 1, true))(iota({1, 1, 5, 5})), {1, 1, 2, 2}, {6, 9, 21, 24});
  PoolArgs a = MaxPooling2D(MaxPooling2D::torch(3, 3, 1, true)).pool_args(5, 5);
  EXPECT_EQ(a.pad_top, 1);
  EXPECT_EQ(a.pad_bottom, 1);
  // stride defaults to the kernel; the PyTorch defaults
  EXPECT_EQ(MaxPooling2D(MaxPooling2D::torch(3)).options().strides.h, 3);
  EXPECT_FALSE(MaxPooling2D::torch(3).ceil_mode);
}

TEST(MaxPooling2D, TiesSendTheGradientToTheFirstCellInRowMajorOrder) {
  Tensor x = ones({1, 1, 2, 3});
  x.requires_grad_();
  Tensor y = keras_pool(2, 1, "valid")(x);  // windows at columns 0 and 1, all cells tie
  y.backward(ones_like(y));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1, 0, 0, 0, 0}));
  // the first maximum wins even when a later row holds an equal one
  Tensor z = from_vector({0, 2, 2, 1}, {1, 1, 2, 2});
  z.requires_grad_();
  MaxPooling2D()(z).backward(ones({1, 1, 1, 1}));
  EXPECT_EQ(z.grad().to_vector(), (std::vector<float>{0, 1, 0, 0}));
}

// The 2×2 stride-2 pooling has its own CPU loop (tensor/cpu_pool.cpp): the same maximum and the same
// winner as the rule "first maximum in row-major window order, a NaN wins", checked against that rule
// written out here, on planes with many ties, NaNs and odd sizes (the last row and column unused).
TEST(MaxPooling2D, TwoByTwoFastPathKeepsTheTieAndNaNRules) {
  const int64_t N = 2, C = 3, H = 7, W = 9, OH = H / 2, OW = W / 2;
  std::vector<float> v((size_t)(N * C * H * W));
  for (size_t i = 0; i < v.size(); ++i) v[i] = (float)((i * 7919) % 5);  // values 0..4: many ties
  for (size_t i = 0; i < v.size(); i += 23) v[i] = std::nanf("");
  Tensor x = from_vector(v, {N, C, H, W});
  x.requires_grad_();
  Tensor y = MaxPooling2D()(x);
  y.backward(ones_like(y));
  const std::vector<float> got = y.to_vector(), grad = x.grad().to_vector();
  std::vector<float> want_grad(v.size(), 0.0f);
  for (int64_t p = 0; p < N * C; ++p)
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        int64_t best = p * H * W + 2 * oy * W + 2 * ox;
        for (int64_t cell : {best + 1, best + W, best + W + 1}) {
          const float c = v[(size_t)cell], b = v[(size_t)best];
          if (c > b || (std::isnan(c) && !std::isnan(b))) best = cell;
        }
        const float out = got[(size_t)((p * OH + oy) * OW + ox)];
        if (std::isnan(v[(size_t)best]))
          EXPECT_TRUE(std::isnan(out));
        else
          EXPECT_EQ(out, v[(size_t)best]);
        want_grad[(size_t)best] += 1.0f;
      }
  EXPECT_EQ(grad, want_grad);
}

TEST(MaxPooling2D, OverlappingWindowsAccumulateGradient) {
  Tensor x = from_vector({0, 0, 0, 0, 9, 0, 0, 0, 0}, {1, 1, 3, 3});
  x.requires_grad_();
  Tensor y = MaxPooling2D(MaxPooling2D::torch(3, 1, 1))(x);  // all nine windows contain the 9
  y.backward(ones_like(y));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 0, 0, 0, 9, 0, 0, 0, 0}));
}

TEST(MaxPooling2D, GradientsMatchFiniteDifferences) {
  struct Case {
    const char* label;
    MaxPooling2DOptions options;
    Shape shape;
  };
  MaxPooling2DOptions same3;
  same3.pool_size = 3;
  same3.strides = 2;
  same3.padding = "same";
  for (const Case& c : {Case{"valid k2 s2", MaxPooling2DOptions{}, {2, 2, 5, 6}},
                        Case{"same k3 s2", same3, {1, 2, 5, 5}},
                        Case{"torch k3 s1 p1", MaxPooling2D::torch(3, 1, 1), {1, 2, 4, 5}},
                        Case{"torch k2 ceil", MaxPooling2D::torch(2, 2, 0, true), {2, 1, 5, 3}}}) {
    SCOPED_TRACE(c.label);
    MaxPooling2D pool(c.options);
    expect_gradients_match([&](const Args& a) { return pool(a[0]); }, {scrambled(c.shape)});
  }
}

TEST(MaxPooling2D, ErrorsNameTheOpTheArgumentAndTheShapes) {
  expect_error([] { MaxPooling2D()(zeros({2, 3, 4})); }, {"MaxPooling2D", "(N, C, H, W)", "(2, 3, 4)"});
  expect_error([] { MaxPooling2D(MaxPooling2DOptions{3})(zeros({1, 1, 2, 5})); },
               {"MaxPooling2D", "(1, 1, 2, 5)", "pool_size (3, 3)", "valid"});
  expect_error([] { MaxPooling2D(MaxPooling2DOptions{0}); }, {"MaxPooling2D", "pool_size", "(0, 0)"});
  expect_error([] { keras_pool(2, 2, "full"); }, {"MaxPooling2D", "full"});
  expect_error([] { MaxPooling2D(MaxPooling2D::torch(2, 2, 2)); }, {"MaxPooling2D", "padding (2, 2)", "half"});
  MaxPooling2DOptions ceil_valid;
  ceil_valid.ceil_mode = true;
  expect_error([&] { MaxPooling2D pool(ceil_valid); }, {"MaxPooling2D", "ceil_mode", "valid"});

  expect_error([] { max_pool2d(zeros({3, 3}), PoolArgs{}); }, {"max_pool2d", "4-D", "(3, 3)"});
  PoolArgs big{.kernel_h = 5, .kernel_w = 5};
  expect_error([&] { max_pool2d(zeros({1, 1, 3, 3}), big); },
               {"max_pool2d", "window 5x5", "larger than the padded input 3x3", "(1, 1, 3, 3)"});
  PoolArgs in_padding{.kernel_h = 2, .kernel_w = 2, .pad_bottom = 3};
  expect_error([&] { max_pool2d(zeros({1, 1, 2, 2}), in_padding); },
               {"max_pool2d", "entirely in the padding", "height", "bottom 3"});
  PoolArgs no_stride{.kernel_h = 2, .kernel_w = 2, .stride_h = 0};
  expect_error([&] { max_pool2d(zeros({1, 1, 2, 2}), no_stride); }, {"max_pool2d", "stride", "(0, 1)"});
}

TEST(GlobalAveragePooling2D, MeansOverHeightAndWidth) {
  expect_values(GlobalAveragePooling2D()(iota({2, 3, 2, 2})), {2, 3}, {1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f});
  GlobalAveragePooling2D keep(GlobalAveragePooling2DOptions{.keepdims = true});
  EXPECT_EQ(shape_str(keep(iota({2, 3, 2, 5})).shape()), shape_str({2, 3, 1, 1}));
  GlobalAveragePooling2D gap;
  expect_gradients_match([&](const Args& a) { return gap(a[0]); }, {scrambled({2, 3, 3, 4})});
  expect_error([] { GlobalAveragePooling2D()(zeros({2, 3})); }, {"GlobalAveragePooling2D", "(N, C, H, W)", "(2, 3)"});
}

// The CUDA twin (cuda/cuda_pool.cu) against the CPU: values, argmax and gradients bit-identical,
// ties included (skipped without a GPU).
TEST(CudaMaxPool2d, ForwardAndBackwardMatchCpuExactly) {
  SKIP_WITHOUT_CUDA();
  Generator gen(7);
  for (bool ties : {false, true}) {
    Tensor host = randn({3, 4, 9, 11}, gen);
    if (ties) host = clip(host, -0.5f, 0.5f);  // many equal maxima
    for (const MaxPooling2DOptions& o : {MaxPooling2DOptions{}, MaxPooling2D::torch(3, 2, 1, true),
                                         MaxPooling2D::torch(3, 1, 1), MaxPooling2DOptions{3, 2, "same"}}) {
      MaxPooling2D pool(o);
      Tensor x_cpu = host.detach().clone(), x_cuda = host.to(Device::CUDA).detach();
      x_cpu.requires_grad_();
      x_cuda.requires_grad_();
      Tensor y_cpu = pool(x_cpu), y_cuda = pool(x_cuda);
      EXPECT_EQ(y_cpu.to_vector(), y_cuda.to_vector());
      Tensor gy = randn(y_cpu.shape(), gen);
      y_cpu.backward(gy);
      y_cuda.backward(gy.to(Device::CUDA));
      EXPECT_EQ(x_cpu.grad().to_vector(), x_cuda.grad().to_vector());
    }
  }
}

}  // namespace
}  // namespace murine
