// conv2d, conv_transpose2d and the im2col/col2im lowering: values against a direct 7-loop
// convolution, conv_transpose2d as the adjoint of conv2d, gradients against finite differences,
// and the errors a caller gets for bad shapes and options.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "tensor/backend.h"
#include "tensor/error.h"
#include "tests/conv_test_helpers.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::ColumnBudget;
using testing::conv_options;
using testing::expect_error;

using testing::expect_gradients_match;
using testing::uniform_param;

Tensor random_tensor(const Shape& shape, uint64_t seed) {
  Generator gen(seed);
  return randn(shape, gen);
}

std::vector<float> random_values(int64_t n, uint64_t seed) {
  return random_tensor({n}, seed).to_vector();
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double s = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) s += (double)a[i] * (double)b[i];
  return s;
}

void expect_values_near(const std::vector<float>& actual, const std::vector<double>& expected,
                        double tolerance, const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double max_diff = 0;
  size_t worst = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double diff = std::fabs(actual[i] - expected[i]) / (1.0 + std::fabs(expected[i]));
    if (diff > max_diff) max_diff = diff, worst = i;
  }
  EXPECT_LE(max_diff, tolerance) << what << ": element " << worst << " is " << actual[worst]
                                 << ", expected " << expected[worst];
}

// Inner products agree to `relative` of the larger magnitude of the two terms' scale.
void expect_inner_products_equal(double lhs, double rhs, double scale, const std::string& what) {
  EXPECT_NEAR(lhs, rhs, 1e-4 * std::max(1.0, scale)) << what;
}

// The definition, in double: y[n,o,oy,ox] = b[o] + Σ_{c,i,j} W[o,c,i,j] · x[n, g·C/G + c, iy, ix]
// with iy = oy·sh - pad_top + i·dh, ix = ox·sw - pad_left + j·dw, terms outside x dropped.
std::vector<double> naive_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                                 const ConvArgs& o) {
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3);
  const int64_t O = weight.size(0), Cg = weight.size(1), kh = weight.size(2), kw = weight.size(3);
  const int64_t OH = (H + o.pad_top + o.pad_bottom - o.dilation_h * (kh - 1) - 1) / o.stride_h + 1;
  const int64_t OW = (W + o.pad_left + o.pad_right - o.dilation_w * (kw - 1) - 1) / o.stride_w + 1;
  const int64_t Og = O / o.groups;
  std::vector<float> xv = x.to_vector(), wv = weight.to_vector();
  std::vector<float> bv = bias.defined() ? bias.to_vector() : std::vector<float>(O, 0.0f);
  std::vector<double> y(N * O * OH * OW);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t oc = 0; oc < O; ++oc)
      for (int64_t oy = 0; oy < OH; ++oy)
        for (int64_t ox = 0; ox < OW; ++ox) {
          double s = bv[oc];
          const int64_t group = oc / Og;
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                const int64_t iy = oy * o.stride_h - o.pad_top + i * o.dilation_h;
                const int64_t ix = ox * o.stride_w - o.pad_left + j * o.dilation_w;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                const int64_t xc = group * Cg + c;
                s += (double)wv[((oc * Cg + c) * kh + i) * kw + j] *
                     (double)xv[((n * C + xc) * H + iy) * W + ix];
              }
          y[((n * O + oc) * OH + oy) * OW + ox] = s;
        }
  return y;
}

struct ConvCase {
  const char* name;
  Shape x, weight;
  bool bias;
  ConvArgs opt;
};

std::vector<ConvCase> value_cases() {
  ConvArgs asym = conv_options(1, 0);
  asym.stride_h = 2;
  asym.pad_top = 1, asym.pad_bottom = 0, asym.pad_left = 2, asym.pad_right = 3;
  ConvArgs mixed = conv_options(1, 0, 1, 2);
  mixed.stride_w = 2;
  mixed.dilation_h = 2;
  mixed.pad_top = 2, mixed.pad_bottom = 1, mixed.pad_left = 0, mixed.pad_right = 1;
  return {
      {"1x1 kernel", {2, 3, 5, 4}, {4, 3, 1, 1}, false, conv_options(1, 0)},
      {"3x3 pad 1 with bias", {2, 3, 6, 5}, {4, 3, 3, 3}, true, conv_options(1, 1)},
      {"2x2 stride 2", {1, 2, 6, 6}, {3, 2, 2, 2}, true, conv_options(2, 0)},
      {"5x5 stride 2 odd sizes", {2, 2, 11, 9}, {3, 2, 5, 5}, false, conv_options(2, 2)},
      {"2x4 asymmetric padding, stride (2, 1)", {2, 2, 7, 6}, {3, 2, 2, 4}, true, asym},
      {"3x3 dilation 2", {1, 3, 9, 8}, {2, 3, 3, 3}, true, conv_options(1, 2, 2)},
      {"3x3 groups 2 stride 2", {2, 4, 7, 7}, {6, 2, 3, 3}, true, conv_options(2, 1, 1, 2)},
      {"4x4 groups 2 dilation (2, 1) stride (1, 2) asymmetric", {2, 4, 9, 10}, {2, 2, 4, 4}, false,
       mixed},
      {"depthwise 3x3", {2, 3, 5, 5}, {3, 1, 3, 3}, true, conv_options(1, 1, 1, 3)},
  };
}

// ---- im2col / col2im ----

ConvGeometry geometry(Shape image, int64_t kh, int64_t kw, const ConvArgs& o) {
  ConvGeometry g{image[0], image[1], image[2], kh, kw};
  g.stride_h = o.stride_h, g.stride_w = o.stride_w;
  g.pad_top = o.pad_top, g.pad_bottom = o.pad_bottom, g.pad_left = o.pad_left, g.pad_right = o.pad_right;
  g.dilation_h = o.dilation_h, g.dilation_w = o.dilation_w;
  return g;
}

TEST(Im2col, ValuesMatchDefinition) {
  ConvArgs o = conv_options(2, 1, 2);
  o.pad_right = 3;
  ConvGeometry g = geometry({2, 6, 7}, 3, 2, o);
  std::vector<float> img = random_values(2 * 6 * 7, 1);
  const int64_t OH = g.out_h(), OW = g.out_w(), rows = 2 * 3 * 2;
  std::vector<float> col(rows * OH * OW, -1.0f);
  backend(Device::CPU).im2col_batch(g, 1, img.data(), col.data());
  std::vector<double> expected;
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 2; ++j)
        for (int64_t oy = 0; oy < OH; ++oy)
          for (int64_t ox = 0; ox < OW; ++ox) {
            int64_t iy = oy * 2 - 1 + i * 2, ix = ox * 2 - 1 + j * 2;
            bool inside = iy >= 0 && iy < 6 && ix >= 0 && ix < 7;
            expected.push_back(inside ? img[(c * 6 + iy) * 7 + ix] : 0.0);
          }
  expect_values_near(col, expected, 0.0, "im2col");
}

// [im2col adjoint] <im2col(x), c> = <x, col2im(c)>, for every geometry.
TEST(Im2col, Col2imIsTheAdjoint) {
  ConvArgs asym = conv_options(2, 0, 1);
  asym.pad_top = 2, asym.pad_left = 1, asym.pad_right = 3, asym.stride_w = 3, asym.dilation_h = 3;
  ConvArgs negative_bottom = conv_options(2, 1);  // as conv_transpose2d's output_padding makes it
  negative_bottom.pad_bottom = -1, negative_bottom.pad_right = 0;
  struct Case { Shape image; int64_t kh, kw; ConvArgs opt; };
  std::vector<Case> cases = {{{3, 5, 5}, 3, 3, conv_options(1, 1)},
                             {{2, 8, 7}, 2, 3, conv_options(2, 0)},
                             {{2, 9, 9}, 3, 3, conv_options(1, 2, 2)},
                             {{4, 10, 11}, 3, 2, asym},
                             {{1, 6, 6}, 1, 1, conv_options(3, 0)},
                             {{3, 7, 6}, 3, 3, negative_bottom},
                             {{16, 16, 16}, 3, 3, conv_options(1, 1)}};  // 36864 column elements: runs in parallel
  uint64_t seed = 10;
  for (const Case& k : cases) {
    ConvGeometry g = geometry(k.image, k.kh, k.kw, k.opt);
    int64_t img_size = numel(k.image), col_size = k.image[0] * k.kh * k.kw * g.out_h() * g.out_w();
    std::vector<float> x = random_values(img_size, seed++), c = random_values(col_size, seed++);
    std::vector<float> col(col_size), img(img_size, 0.0f);
    backend(Device::CPU).im2col_batch(g, 1, x.data(), col.data());
    backend(Device::CPU).col2im_batch(g, 1, c.data(), img.data());
    double lhs = dot(col, c), rhs = dot(x, img);
    expect_inner_products_equal(lhs, rhs, std::sqrt((double)col_size),
                                "image " + shape_str(k.image));
  }
}

// col2im adds each pixel's taps in (i, j) order onto what the image held, as this direct loop does,
// so the phase-split strided path gives the same floats bit for bit (and the CUDA twin can match it).
TEST(Im2col, Col2imAddsTapsInOrder) {
  ConvArgs s2 = conv_options(2, 1), s3 = conv_options(3, 2, 2);
  s3.stride_h = 1, s3.pad_right = 0;
  struct Case { Shape image; int64_t kh, kw; ConvArgs opt; };
  for (const Case& k : std::vector<Case>{{{2, 8, 9}, 4, 4, s2}, {{3, 7, 11}, 3, 3, s3}}) {
    ConvGeometry g = geometry(k.image, k.kh, k.kw, k.opt);
    const int64_t C = k.image[0], H = k.image[1], W = k.image[2], OH = g.out_h(), OW = g.out_w();
    std::vector<float> c = random_values(C * k.kh * k.kw * OH * OW, 5);
    std::vector<float> img = random_values(C * H * W, 6), expected = img;
    for (int64_t ch = 0; ch < C; ++ch)
      for (int64_t i = 0; i < k.kh; ++i)
        for (int64_t j = 0; j < k.kw; ++j)
          for (int64_t oy = 0; oy < OH; ++oy)
            for (int64_t ox = 0; ox < OW; ++ox) {
              int64_t iy = oy * g.stride_h - g.pad_top + i * g.dilation_h;
              int64_t ix = ox * g.stride_w - g.pad_left + j * g.dilation_w;
              if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                expected[(ch * H + iy) * W + ix] += c[(((ch * k.kh + i) * k.kw + j) * OH + oy) * OW + ox];
            }
    backend(Device::CPU).col2im_batch(g, 1, c.data(), img.data());
    EXPECT_EQ(img, expected) << "image " << shape_str(k.image);
  }
}

TEST(Im2col, Col2imAccumulates) {
  ConvGeometry g = geometry({2, 5, 5}, 3, 3, conv_options(1, 1));
  int64_t col_size = 2 * 9 * 25;
  std::vector<float> c = random_values(col_size, 3);
  std::vector<float> fresh(50, 0.0f), accumulated(50, 1.5f);
  backend(Device::CPU).col2im_batch(g, 1, c.data(), fresh.data());
  backend(Device::CPU).col2im_batch(g, 1, c.data(), accumulated.data());
  std::vector<double> expected;
  for (float v : fresh) expected.push_back(v + 1.5);
  expect_values_near(accumulated, expected, 1e-6, "col2im += into a non-zero image");
}

// A batch's column matrix is the images' own column matrices side by side: row r of image n is
// columns [n·P, (n+1)·P) of row r; col2im_batch undoes it image by image.
TEST(Im2col, BatchIsImagesSideBySide) {
  ConvArgs o = conv_options(2, 1, 1);
  o.pad_bottom = 2;
  ConvGeometry g = geometry({3, 5, 6}, 3, 2, o);
  const int64_t batch = 3, image = 3 * 5 * 6, P = g.out_h() * g.out_w(), rows = 3 * 3 * 2;
  std::vector<float> images = random_values(batch * image, 20);
  std::vector<float> col(rows * batch * P, -1.0f), one(rows * P);
  Backend& be = backend(Device::CPU);
  be.im2col_batch(g, batch, images.data(), col.data());
  std::vector<float> c = random_values(rows * batch * P, 21);
  std::vector<float> folded(batch * image, 0.5f), folded_one(image);
  be.col2im_batch(g, batch, c.data(), folded.data());
  for (int64_t n = 0; n < batch; ++n) {
    be.im2col_batch(g, 1, images.data() + n * image, one.data());
    std::vector<float> slice(rows * P), c_one(rows * P);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t p = 0; p < P; ++p) {
        slice[r * P + p] = col[(r * batch + n) * P + p];
        c_one[r * P + p] = c[(r * batch + n) * P + p];
      }
    EXPECT_EQ(slice, one) << "image " << n;
    std::fill(folded_one.begin(), folded_one.end(), 0.5f);
    be.col2im_batch(g, 1, c_one.data(), folded_one.data());
    EXPECT_EQ(std::vector<float>(folded.begin() + n * image, folded.begin() + (n + 1) * image),
              folded_one)
        << "image " << n;
  }
}

// ---- conv2d values ----

TEST(Conv2d, ValuesMatchDirectConvolution) {
  uint64_t seed = 100;
  for (const ConvCase& k : value_cases()) {
    Tensor x = random_tensor(k.x, seed++), w = random_tensor(k.weight, seed++);
    Tensor b = k.bias ? random_tensor({k.weight[0]}, seed++) : Tensor();
    Tensor y = conv2d(x, w, b, k.opt);
    std::vector<double> expected = naive_conv2d(x, w, b, k.opt);
    const int64_t OH = (k.x[2] + k.opt.pad_top + k.opt.pad_bottom -
                        k.opt.dilation_h * (k.weight[2] - 1) - 1) / k.opt.stride_h + 1;
    const int64_t OW = (k.x[3] + k.opt.pad_left + k.opt.pad_right -
                        k.opt.dilation_w * (k.weight[3] - 1) - 1) / k.opt.stride_w + 1;
    EXPECT_EQ(y.shape(), (Shape{k.x[0], k.weight[0], OH, OW})) << k.name;
    expect_values_near(y.to_vector(), expected, 1e-5, k.name);
  }
}

TEST(Conv2d, HandComputedSmallCase) {
  // 3x3 image 1..9, 2x2 kernel [[1, 0], [0, -1]]: y[oy, ox] = x[oy, ox] - x[oy+1, ox+1] = -4.
  Tensor x = from_vector({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  Tensor w = from_vector({1, 0, 0, -1}, {1, 1, 2, 2});
  Tensor b = from_vector({0.5f}, {1});
  Tensor y = conv2d(x, w, b, conv_options(1, 0));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{-3.5f, -3.5f, -3.5f, -3.5f}));
}

// ---- conv_transpose2d values ----

TEST(ConvTranspose2d, HandComputedStride2Kernel2) {
  // Each input pixel stamps its own 2x2 block with the kernel scaled by its value.
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor w = from_vector({1, 10, 100, 1000}, {1, 1, 2, 2});
  Tensor y = conv_transpose2d(x, w, Tensor(), conv_options(2, 0));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 10, 2, 20,          //
                                               100, 1000, 200, 2000,  //
                                               3, 30, 4, 40,          //
                                               300, 3000, 400, 4000}));
}

TEST(ConvTranspose2d, HandComputedOverlappingStride1) {
  // Overlapping stamps of an all-ones 2x2 kernel add up.
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor w = ones({1, 1, 2, 2});
  Tensor y = conv_transpose2d(x, w, Tensor(), conv_options(1, 0));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(y.to_vector(), (std::vector<float>{1, 3, 2, 4, 10, 6, 3, 7, 4}));
}

TEST(ConvTranspose2d, OutputPaddingAddsBottomRightRowsThatGetOnlyBias) {
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor w = from_vector({1, 10, 100, 1000}, {1, 1, 2, 2});
  ConvArgs o = conv_options(2, 0);
  o.output_padding_h = 1, o.output_padding_w = 1;
  Tensor y = conv_transpose2d(x, w, from_vector({0.5f}, {1}), o);
  ASSERT_EQ(y.shape(), (Shape{1, 1, 5, 5}));
  std::vector<float> v = y.to_vector();
  std::vector<float> stamps = {1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000};
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      float expected = 0.5f + (r < 4 && c < 4 ? stamps[r * 4 + c] : 0.0f);
      EXPECT_EQ(v[r * 5 + c], expected) << "row " << r << ", column " << c;
    }
}

TEST(ConvTranspose2d, OutputShapeFormula) {
  // OH = (H-1)·stride - pad_top - pad_bottom + dilation·(kh-1) + output_padding + 1
  struct Case { int64_t H, kernel, stride, pad, dilation, output_padding, expected; };
  std::vector<Case> cases = {{5, 3, 2, 1, 1, 1, 10},  // PyTorch's usual "double the size" decoder
                             {5, 4, 2, 1, 1, 0, 10},
                             {4, 3, 1, 1, 1, 0, 4},   // same size
                             {3, 3, 3, 0, 1, 2, 11},
                             {4, 3, 1, 0, 2, 1, 9},   // output_padding < dilation, not < stride
                             {1, 1, 1, 0, 1, 0, 1}};
  for (const Case& k : cases) {
    ConvArgs o = conv_options(k.stride, k.pad, k.dilation);
    o.output_padding_h = o.output_padding_w = k.output_padding;
    Tensor y = conv_transpose2d(ones({1, 2, k.H, k.H}), ones({2, 3, k.kernel, k.kernel}), Tensor(), o);
    EXPECT_EQ(y.shape(), (Shape{1, 3, k.expected, k.expected}))
        << "H " << k.H << ", kernel " << k.kernel << ", stride " << k.stride << ", pad " << k.pad
        << ", dilation " << k.dilation << ", output_padding " << k.output_padding;
  }
}

// [conv_transpose2d adjoint] <conv_transpose2d(y, W), x> = <y, conv2d(x, W)> for the same W,
// with output_padding choosing the rows of x that conv2d's last window does not reach.
TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  uint64_t seed = 200;
  for (const ConvCase& k : value_cases()) {
    const ConvArgs& o = k.opt;
    Tensor x = random_tensor(k.x, seed++), w = random_tensor(k.weight, seed++);
    Tensor conv = conv2d(x, w, Tensor(), o);
    Tensor y = random_tensor(conv.shape(), seed++);
    ConvArgs t = o;  // the rows/columns past conv2d's last window, each < stride
    t.output_padding_h =
        (k.x[2] + o.pad_top + o.pad_bottom - o.dilation_h * (k.weight[2] - 1) - 1) % o.stride_h;
    t.output_padding_w =
        (k.x[3] + o.pad_left + o.pad_right - o.dilation_w * (k.weight[3] - 1) - 1) % o.stride_w;
    Tensor transposed = conv_transpose2d(y, w, Tensor(), t);
    ASSERT_EQ(transposed.shape(), x.shape()) << k.name;
    double lhs = dot(transposed.to_vector(), x.to_vector());
    double rhs = dot(y.to_vector(), conv.to_vector());
    double terms = (double)conv.numel() * k.weight[1] * k.weight[2] * k.weight[3];
    expect_inner_products_equal(lhs, rhs, std::sqrt(terms), k.name);
  }
}

// output_padding >= stride (allowed when < dilation): the output has rows that conv2d over it
// would turn into an extra window row; conv_transpose2d is the adjoint restricted to y's windows.
TEST(ConvTranspose2d, OutputPaddingBeyondStrideIsAdjointOfCroppedConv2d) {
  ConvArgs o = conv_options(1, 0, 2);
  o.output_padding_h = 1;
  Tensor y = random_tensor({2, 3, 4, 5}, 300), w = random_tensor({3, 2, 2, 2}, 301);
  Tensor transposed = conv_transpose2d(y, w, Tensor(), o);
  ASSERT_EQ(transposed.shape(), (Shape{2, 2, 7, 7}));  // OH = 3 + 2·1 + 1 + 1, OW = 4 + 2·1 + 1
  Tensor x = random_tensor(transposed.shape(), 302);
  ConvArgs c = o;
  c.output_padding_h = 0;
  Tensor conv = conv2d(x, w, Tensor(), c);  // (2, 3, 5, 5): one window row more than y has
  ASSERT_EQ(conv.shape(), (Shape{2, 3, 5, 5}));
  std::vector<float> cv = conv.to_vector(), yv = y.to_vector();
  double rhs = 0;
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t ch = 0; ch < 3; ++ch)
      for (int64_t r = 0; r < 4; ++r)
        for (int64_t col = 0; col < 5; ++col)
          rhs += (double)yv[((n * 3 + ch) * 4 + r) * 5 + col] * cv[((n * 3 + ch) * 5 + r) * 5 + col];
  double lhs = dot(transposed.to_vector(), x.to_vector());
  expect_inner_products_equal(lhs, rhs, 30.0, "stride 1, dilation 2, output_padding 1");
}

TEST(ConvTranspose2d, BiasAddsPerOutputChannel) {
  Tensor x = random_tensor({2, 4, 3, 3}, 400), w = random_tensor({4, 3, 3, 3}, 401);
  Tensor b = from_vector({1.0f, -2.0f, 0.25f, 3.0f, 0.0f, -1.0f}, {6});
  ConvArgs o = conv_options(2, 1, 1, 2);
  std::vector<float> without = conv_transpose2d(x, w, Tensor(), o).to_vector();
  Tensor with = conv_transpose2d(x, w, b, o);
  ASSERT_EQ(with.shape(), (Shape{2, 6, 5, 5}));
  std::vector<float> bv = b.to_vector();
  std::vector<double> expected;
  for (size_t i = 0; i < without.size(); ++i) expected.push_back(without[i] + bv[(i / 25) % 6]);
  expect_values_near(with.to_vector(), expected, 1e-6, "bias");
}

// ---- gradients ----

ConvArgs with_output_padding(ConvArgs o, int64_t h, int64_t w) {
  o.output_padding_h = h, o.output_padding_w = w;
  return o;
}

TEST(Conv2d, GradientsMatchFiniteDifferences) {
  ConvArgs asym = conv_options(1, 0, 2);
  asym.pad_top = 0, asym.pad_bottom = 1, asym.pad_left = 2, asym.pad_right = 0;
  ConvArgs grouped = conv_options(1, 1, 1, 2);
  grouped.stride_w = 2;
  struct Case { const char* name; Shape x, weight; ConvArgs opt; };
  std::vector<Case> cases = {{"stride 2, pad 1", {2, 2, 5, 5}, {3, 2, 3, 3}, conv_options(2, 1)},
                             {"dilation 2, asymmetric padding", {2, 2, 5, 5}, {2, 2, 2, 3}, asym},
                             {"groups 2, stride (1, 2)", {2, 4, 5, 5}, {4, 2, 3, 3}, grouped},
                             {"1x1 stride 1 unpadded (no im2col)", {3, 3, 2, 3}, {4, 3, 1, 1},
                              conv_options(1, 0)},
                             {"1x1 groups 3", {2, 3, 2, 2}, {3, 1, 1, 1}, conv_options(1, 0, 1, 3)}};
  uint64_t seed = 500;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    Tensor x = uniform_param(k.x, -1, 1, seed++), w = uniform_param(k.weight, -1, 1, seed++);
    Tensor b = uniform_param({k.weight[0]}, -1, 1, seed++);
    ConvArgs o = k.opt;
    expect_gradients_match(
        [o](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], o); }, {x, w, b});
  }
}

TEST(ConvTranspose2d, GradientsMatchFiniteDifferences) {
  ConvArgs asym = conv_options(1, 0, 2, 2);
  asym.pad_top = 1, asym.pad_right = 1;
  struct Case { const char* name; Shape x, weight; ConvArgs opt; };
  std::vector<Case> cases = {
      {"stride 2, pad 1, output_padding 1", {2, 2, 3, 3}, {2, 3, 3, 3},
       with_output_padding(conv_options(2, 1), 1, 1)},
      {"groups 2, dilation 2, asymmetric padding", {2, 4, 3, 3}, {4, 1, 2, 2}, asym},
      {"output_padding 1 >= stride 1, < dilation 2", {2, 2, 3, 4}, {2, 2, 2, 2},
       with_output_padding(conv_options(1, 0, 2), 1, 0)}};
  uint64_t seed = 600;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    Tensor x = uniform_param(k.x, -1, 1, seed++), w = uniform_param(k.weight, -1, 1, seed++);
    Tensor b = uniform_param({k.weight[1] * k.opt.groups}, -1, 1, seed++);
    ConvArgs o = k.opt;
    expect_gradients_match(
        [o](const std::vector<Tensor>& in) { return conv_transpose2d(in[0], in[1], in[2], o); },
        {x, w, b});
  }
}

// ---- chunking ----
// The batch is lowered in chunks that fit the column budget; every chunking gives the same output
// and gradients as lowering one image at a time (a budget of one byte) and as the whole batch.

// y, dx, dW, db of one conv (transposed or not) for a fixed upstream gradient.
std::vector<std::vector<float>> conv_results(bool transposed, const Tensor& x, const Tensor& w,
                                             const Tensor& b, const ConvArgs& o, uint64_t seed) {
  Tensor xs = x.detach().requires_grad_(), ws = w.detach().requires_grad_();
  Tensor bs = b.detach().requires_grad_();
  Tensor y = transposed ? conv_transpose2d(xs, ws, bs, o) : conv2d(xs, ws, bs, o);
  y.backward(random_tensor(y.shape(), seed));
  return {y.to_vector(), xs.grad().to_vector(), ws.grad().to_vector(), bs.grad().to_vector()};
}

void expect_chunkings_agree(bool transposed, const Shape& x_shape, const Shape& w_shape,
                            const ConvArgs& o, int64_t bias_size, uint64_t seed) {
  Tensor x = random_tensor(x_shape, seed), w = random_tensor(w_shape, seed + 1);
  Tensor b = random_tensor({bias_size}, seed + 2);
  std::vector<std::vector<float>> per_image;
  {
    ColumnBudget one_image(1);
    per_image = conv_results(transposed, x, w, b, o, seed + 3);
  }
  // one image's column bytes: (C·kh·kw or, transposed, O·kh·kw) rows × positions × 4
  Tensor probe = transposed ? conv_transpose2d(x, w, b, o) : conv2d(x, w, b, o);
  const int64_t rows = w_shape[1] * o.groups * w_shape[2] * w_shape[3];
  const int64_t positions = transposed ? x_shape[2] * x_shape[3] : probe.size(2) * probe.size(3);
  const int64_t image_bytes = rows * positions * 4;
  const char* names[] = {"y", "dx", "dW", "db"};
  for (int64_t images : {2, 3, 1000}) {
    SCOPED_TRACE("chunks of " + std::to_string(images) + " images");
    ColumnBudget budget(images * image_bytes);
    std::vector<std::vector<float>> chunked = conv_results(transposed, x, w, b, o, seed + 3);
    for (size_t k = 0; k < chunked.size(); ++k) {
      std::vector<double> expected(per_image[k].begin(), per_image[k].end());
      expect_values_near(chunked[k], expected, 1e-5, names[k]);
    }
  }
}

TEST(Conv2d, ChunkedBatchMatchesOneImageAtATime) {
  expect_chunkings_agree(false, {5, 3, 6, 7}, {4, 3, 3, 3}, conv_options(1, 1), 4, 900);
  expect_chunkings_agree(false, {5, 4, 9, 8}, {6, 2, 4, 4}, conv_options(2, 1, 1, 2), 6, 910);
  expect_chunkings_agree(false, {5, 3, 4, 4}, {4, 3, 1, 1}, conv_options(1, 0), 4, 920);
  expect_chunkings_agree(false, {4, 3, 5, 5}, {2, 3, 2, 2}, conv_options(1, 0, 2), 2, 930);
}

TEST(ConvTranspose2d, ChunkedBatchMatchesOneImageAtATime) {
  expect_chunkings_agree(true, {5, 3, 4, 5}, {3, 2, 4, 4}, conv_options(2, 1), 2, 940);
  expect_chunkings_agree(true, {5, 4, 3, 3}, {4, 3, 3, 3}, conv_options(1, 1, 1, 2), 6, 950);
  expect_chunkings_agree(true, {5, 3, 1, 1}, {3, 4, 4, 4}, conv_options(1, 0), 4, 960);
}

// The values of a larger batch against the definition, lowered in one chunk and in several.
TEST(Conv2d, BatchValuesMatchDirectConvolutionWhateverTheChunks) {
  Tensor x = random_tensor({7, 3, 6, 6}, 970), w = random_tensor({5, 3, 3, 3}, 971);
  Tensor b = random_tensor({5}, 972);
  std::vector<double> expected = naive_conv2d(x, w, b, conv_options(1, 1));
  for (int64_t budget : {int64_t(1), int64_t(3 * 27 * 36 * 4), int64_t(1) << 30}) {
    ColumnBudget chunks(budget);
    expect_values_near(conv2d(x, w, b, conv_options(1, 1)).to_vector(), expected, 1e-5,
                       "budget " + std::to_string(budget));
  }
}

TEST(Conv2d, OnlyRequestedGradientsAreComputed) {
  Tensor x = random_tensor({1, 2, 4, 4}, 700);  // no requires_grad
  Tensor w = uniform_param({3, 2, 3, 3}, -1, 1, 701);
  Tensor y = conv2d(x, w, Tensor(), conv_options(1, 1));
  y.backward(ones(y.shape()));
  EXPECT_FALSE(x.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(w.grad().shape(), w.shape());
}

TEST(Conv2d, BiasOnlyGradientSumsOverBatchAndPositions) {
  Tensor x = random_tensor({2, 1, 3, 3}, 800), w = random_tensor({2, 1, 2, 2}, 801);
  Tensor b = uniform_param({2}, -1, 1, 802);
  Tensor y = conv2d(x, w, b, conv_options(1, 0));  // (2, 2, 2, 2): 8 positions per channel
  y.backward(ones(y.shape()));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<float>{8.0f, 8.0f}));
}

// ---- errors ----

TEST(Conv2d, ShapeErrorsNameOpArgumentAndShapes) {
  Tensor none;
  expect_error([&] { conv2d(ones({4, 8, 8}), ones({5, 4, 3, 3}), none, conv_options(1, 0)); },
               {"conv2d", "x", "(4, 8, 8)"});
  expect_error([&] { conv2d(ones({2, 4, 8, 8}), ones({5, 4, 3}), none, conv_options(1, 0)); },
               {"conv2d", "weight", "(5, 4, 3)"});
  expect_error([&] { conv2d(ones({2, 4, 8, 8}), ones({5, 3, 3, 3}), none, conv_options(1, 0)); },
               {"conv2d", "(2, 4, 8, 8)", "(5, 3, 3, 3)", "groups=1"});
  expect_error([&] { conv2d(ones({1, 4, 5, 5}), ones({3, 2, 3, 3}), none, conv_options(1, 0, 1, 2)); },
               {"conv2d", "(3, 2, 3, 3)", "groups=2"});
  expect_error([&] { conv2d(ones({1, 3, 5, 5}), ones({3, 1, 3, 3}), none, conv_options(1, 0, 1, 2)); },
               {"conv2d", "(1, 3, 5, 5)", "groups=2"});
  expect_error([&] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), ones({5}), conv_options(1, 0)); },
               {"conv2d", "bias", "(5,)", "(4, 3, 3, 3)"});
  expect_error([&] { conv2d(ones({1, 1, 2, 2}), ones({1, 1, 5, 5}), none, conv_options(1, 1)); },
               {"conv2d", "(1, 1, 2, 2)", "(1, 1, 5, 5)", "larger"});
  expect_error([&] { conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, conv_options(1, 0, 3)); },
               {"conv2d", "dilation", "larger"});
  expect_error([&] { conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, conv_options(0, 0)); },
               {"conv2d", "stride"});
  expect_error([&] { conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, conv_options(1, 0, 0)); },
               {"conv2d", "dilation"});
  expect_error([&] { conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, conv_options(1, -1)); },
               {"conv2d", "padding"});
  expect_error([&] { conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, conv_options(1, 0, 1, 0)); },
               {"conv2d", "groups"});
  expect_error([&] {
    conv2d(ones({1, 1, 5, 5}), ones({1, 1, 3, 3}), none, with_output_padding(conv_options(2, 0), 1, 0));
  }, {"conv2d", "output_padding"});
}

TEST(ConvTranspose2d, ShapeErrorsNameOpArgumentAndShapes) {
  Tensor none;
  expect_error([&] { conv_transpose2d(ones({1, 4, 3, 3}), ones({3, 2, 3, 3}), none, conv_options(1, 0)); },
               {"conv_transpose2d", "(1, 4, 3, 3)", "(3, 2, 3, 3)"});
  expect_error([&] {
    conv_transpose2d(ones({1, 3, 3, 3}), ones({3, 2, 3, 3}), none, conv_options(1, 0, 1, 2));
  }, {"conv_transpose2d", "(1, 3, 3, 3)", "groups=2"});
  expect_error([&] {
    conv_transpose2d(ones({1, 4, 3, 3}), ones({4, 2, 3, 3}), ones({2}), conv_options(1, 0, 1, 2));
  }, {"conv_transpose2d", "bias", "(4,)", "(2,)"});
  expect_error([&] {
    ConvArgs o = with_output_padding(conv_options(2, 0), 2, 0);
    conv_transpose2d(ones({1, 1, 3, 3}), ones({1, 1, 3, 3}), none, o);
  }, {"conv_transpose2d", "output_padding", "stride", "dilation"});
  expect_error([&] { conv_transpose2d(ones({1, 1, 1, 1}), ones({1, 1, 1, 1}), none, conv_options(1, 1)); },
               {"conv_transpose2d", "output size", "(1, 1, 1, 1)"});
}

}  // namespace
}  // namespace murine
