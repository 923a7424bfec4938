// The parameter-free layers and the attention block: Activation, LeakyReLU, Dropout, Flatten,
// Reshape, AveragePooling2D, UpSampling2D, Concatenate, Add and AttentionBlock. Values worked out by
// hand (Keras/TF semantics: half-pixel bilinear, "same" pooling over valid cells), gradients
// against finite differences, dropout's statistics and determinism, and the errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "layers/activation.h"
#include "layers/attention.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/merge.h"
#include "layers/pooling.h"
#include "layers/upsampling.h"
#include "tensor/error.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;

void expect_values(const Tensor& t, const Shape& shape, const std::vector<float>& expected, float tol = 1e-6f) {
  ASSERT_EQ(shape_str(t.shape()), shape_str(shape));
  std::vector<float> v = t.to_vector();
  ASSERT_EQ(v.size(), expected.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], expected[i], tol) << "element " << i;
}

// 0, 1, 2, … in the given shape.
Tensor iota(const Shape& shape) { return reshape(arange(0, (float)numel(shape)), shape); }

// ---- Activation, LeakyReLU ----

TEST(LayersMiscActivation, ActivationAppliesTheNamedFunction) {
  Tensor x = from_vector({-1, 0.5f, 2}, {1, 3});
  expect_values(Activation("relu")(x), {1, 3}, {0, 0.5f, 2});
  expect_values(Activation("linear")(x), {1, 3}, {-1, 0.5f, 2});
  expect_values(Activation("swish")(x), {1, 3}, silu(x).to_vector());
  EXPECT_EQ(Activation("tanh").type_name(), "Activation");
}

TEST(LayersMiscActivation, LeakyReLUDefaultSlopeIsKeras03) {
  Tensor x = from_vector({-2, 0, 3}, {3});
  expect_values(LeakyReLU()(x), {3}, {-0.6f, 0, 3});
  expect_values(LeakyReLU(0.2)(x), {3}, {-0.4f, 0, 3});
  Tensor p = uniform_param({2, 5}, -1, 1, 40);
  expect_gradients_match([](const Args& v) { return LeakyReLU(0.2)(v[0]); }, {p});
}

// ---- Dropout ----

TEST(LayersMiscDropout, InferenceIsTheIdentity) {
  Dropout d(0.5, 3);
  d.eval();
  Tensor x = iota({4, 5});
  EXPECT_EQ(d(x).to_vector(), x.to_vector());
  EXPECT_EQ(d.generator().offset, 0u) << "inference draws no mask";
  Dropout none(0.0, 3);  // rate 0: identity in training too
  EXPECT_EQ(none(x).to_vector(), x.to_vector());
}

TEST(LayersMiscDropout, DropsRateOfTheElementsAndScalesTheRest) {
  const double rate = 0.25;
  const int64_t n = 200000;
  Dropout d(rate, 7);
  std::vector<float> y = d(ones({n})).to_vector();
  int64_t zeros_seen = 0;
  double total = 0;
  for (float v : y) {
    if (v == 0.0f) ++zeros_seen;
    else EXPECT_FLOAT_EQ(v, 1.0f / 0.75f);
    total += v;
  }
  // Binomial(n, 0.25): standard deviation of the fraction ≈ 0.001; allow 5σ.
  EXPECT_NEAR((double)zeros_seen / n, rate, 0.005);
  EXPECT_NEAR(total / n, 1.0, 0.007) << "inverted dropout keeps the expectation";
}

TEST(LayersMiscDropout, SameSeedSameMasksAndTheStreamAdvances) {
  Tensor x = ones({1000});
  Dropout a(0.5, 11), b(0.5, 11), c(0.5, 12);
  std::vector<float> a1 = a(x).to_vector(), a2 = a(x).to_vector();
  EXPECT_EQ(a1, b(x).to_vector()) << "same seed, same first mask";
  EXPECT_EQ(a2, b(x).to_vector()) << "same seed, same second mask";
  EXPECT_NE(a1, a2) << "each call draws a new mask";
  EXPECT_NE(a1, c(x).to_vector()) << "another seed, another mask";
}

// The mask is drawn in one pass (Backend::dropout_mask) from the numbers rand() would draw from the
// layer's stream: the same scaled mask as (rand(...) ≥ rate) · 1/(1 − rate), bit for bit, and the
// stream advances by as many counters.
TEST(LayersMiscDropout, MaskIsTheUniformStreamThresholded) {
  const double rate = 0.25;
  Dropout d(rate, 21);
  Generator same(d.generator().seed);
  for (Shape shape : {Shape{1001}, Shape{3, 5, 7}}) {  // odd sizes: the second draw starts mid-block
    Tensor x = ones(shape);
    std::vector<float> want = mul(ge(rand(shape, same), scalar((float)rate)), 1.0f / (1.0f - (float)rate)).to_vector();
    EXPECT_EQ(d(x).to_vector(), want) << shape_str(shape);
    EXPECT_EQ(d.generator().offset, same.offset);
  }
}

TEST(LayersMiscDropout, UnseededLayersDrawTheirSeedFromTheGlobalGenerator) {
  Tensor x = ones({1000});
  manual_seed(5);
  Dropout a(0.5), b(0.5);
  std::vector<float> ya = a(x).to_vector();
  EXPECT_NE(ya, b(x).to_vector()) << "two unseeded layers draw different masks";
  manual_seed(5);
  Dropout again(0.5);
  EXPECT_EQ(ya, again(x).to_vector()) << "manual_seed makes them reproducible";
}

TEST(LayersMiscDropout, GradientIsTheScaledMask) {
  Tensor x = uniform_param({3, 4}, 0.5f, 1.5f, 41);  // nonzero, so y/x recovers the scaled mask
  // A fresh layer with the same seed draws the same mask on every evaluation.
  expect_gradients_match([](const Args& v) { return Dropout(0.3, 13)(v[0]); }, {x});
  x.zero_grad();
  Tensor y = Dropout(0.3, 13)(x);
  sum(y).backward();
  std::vector<float> yv = y.to_vector(), xv = x.to_vector(), g = x.grad().to_vector();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], yv[i] / xv[i], 1e-5f) << "element " << i;
}

TEST(LayersMiscDropout, RateMustBeInZeroOne) {
  expect_error([] { Dropout(1.0); }, {"Dropout", "rate", "[0, 1)", "1"});
  expect_error([] { Dropout(-0.1, 0); }, {"Dropout", "rate", "-0.1"});
}

// ---- Flatten, Reshape ----

TEST(LayersMiscFlatten, FlattenKeepsTheBatchAxisAndRowMajorOrder) {
  Tensor x = iota({2, 3, 2, 2});
  Tensor y = Flatten()(x);
  expect_values(y, {2, 12}, x.to_vector());
  expect_values(Flatten()(iota({3})), {3, 1}, {0, 1, 2});
}

TEST(LayersMiscFlatten, ReshapeTakesTheShapeWithoutBatchAndInfersMinusOne) {
  Tensor x = iota({2, 12});
  expect_values(Reshape({3, 4})(x), {2, 3, 4}, x.to_vector());
  expect_values(Reshape({2, -1})(x), {2, 2, 6}, x.to_vector());
  expect_values(Reshape({-1})(iota({2, 3, 4})), {2, 12}, x.to_vector());
  Tensor p = uniform_param({2, 6}, -1, 1, 42);
  expect_gradients_match([](const Args& v) { return mul(Reshape({3, 2})(v[0]), 2.0f); }, {p});
  expect_gradients_match([](const Args& v) { return mul(Flatten()(v[0]), 3.0f); }, {p});
}

TEST(LayersMiscFlatten, ReshapeErrorsNameTheShapes) {
  expect_error([] { Reshape({5})(zeros({2, 12})); }, {"Reshape", "(2, 12)", "(5,)"});
  expect_error([] { Reshape({5, -1})(zeros({2, 12})); }, {"Reshape", "(2, 12)", "(5, -1)"});
  expect_error([] { Reshape({-1, -1}); }, {"Reshape", "at most one -1", "(-1, -1)"});
  expect_error([] { Reshape({0, 2}); }, {"Reshape", "positive or -1", "(0, 2)"});
  expect_error([] { Flatten()(scalar(1)); }, {"Flatten", "0-d"});
}

// ---- AveragePooling2D ----

AveragePooling2D pooling(Pair pool, Pair strides, const char* padding) {
  AveragePooling2DOptions o;
  o.pool_size = pool;
  o.strides = strides;
  o.padding = padding;
  return AveragePooling2D(o);
}

TEST(LayersMiscPooling, ValidNonOverlappingWindows) {
  // 4×4 of 0…15, 2×2 windows: (0+1+4+5)/4 = 2.5, …
  expect_values(AveragePooling2D()(iota({1, 1, 4, 4})), {1, 1, 2, 2}, {2.5f, 4.5f, 10.5f, 12.5f});
  // 5×5: the last row and column are in no window (Keras "valid").
  expect_values(AveragePooling2D()(iota({1, 1, 5, 5})), {1, 1, 2, 2}, {3, 5, 13, 15});
  // Channels and samples pool independently: channel 1 is channel 0 + 100.
  Tensor x = concat({iota({1, 1, 4, 4}), add(iota({1, 1, 4, 4}), 100.0f)}, 1);
  x = concat({x, mul(x, 2.0f)}, 0);
  expect_values(AveragePooling2D()(x), {2, 2, 2, 2},
                {2.5f, 4.5f, 10.5f, 12.5f, 102.5f, 104.5f, 110.5f, 112.5f,
                 5, 9, 21, 25, 205, 209, 221, 225});
}

TEST(LayersMiscPooling, ValidOverlappingAndRectangularWindows) {
  // 3×3 of 0…8, pool 2, stride 1.
  expect_values(pooling(2, 1, "valid")(iota({1, 1, 3, 3})), {1, 1, 2, 2}, {2, 3, 5, 6});
  // 2×4 of 0…7, pool (1, 2), default strides (1, 2).
  expect_values(pooling({1, 2}, 0, "valid")(iota({1, 1, 2, 4})), {1, 1, 2, 2}, {0.5f, 2.5f, 4.5f, 6.5f});
}

TEST(LayersMiscPooling, SameAveragesOverValidCellsOnly) {
  // 3×3 of 0…8, pool 2, stride 2: pads 0 before, 1 after; edge windows hold 2 and 1 cells.
  //   (0+1+3+4)/4 = 2, (2+5)/2 = 3.5, (6+7)/2 = 6.5, 8/1 = 8
  expect_values(pooling(2, 2, "same")(iota({1, 1, 3, 3})), {1, 1, 2, 2}, {2, 3.5f, 6.5f, 8});
  // pool 3, stride 1: one pixel of padding all round; corners average 4 cells, edges 6, centre 9.
  expect_values(pooling(3, 1, "same")(iota({1, 1, 3, 3})), {1, 1, 3, 3},
                {2, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6});
  // A constant image stays constant (no padded zeros pulled in).
  expect_values(pooling(3, 2, "same")(full({1, 2, 5, 4}, 7.0f)), {1, 2, 3, 2}, std::vector<float>(12, 7.0f));
}

TEST(LayersMiscPooling, GradientsMatchFiniteDifferences) {
  Tensor x = uniform_param({2, 2, 5, 4}, -1, 1, 43);
  for (const char* padding : {"valid", "same"})
    for (Pair pool : {Pair(2), Pair(3, 2)})
      for (Pair strides : {Pair(0), Pair(1), Pair(2, 1)}) {
        SCOPED_TRACE(::testing::Message() << padding << " pool (" << pool.h << ", " << pool.w << ") strides ("
                                          << strides.h << ", " << strides.w << ")");
        expect_gradients_match([&](const Args& v) { return pooling(pool, strides, padding)(v[0]); }, {x});
      }
}

TEST(LayersMiscPooling, ErrorsNameTheArgumentAndShapes) {
  expect_error([] { pooling({0, 2}, 0, "valid"); }, {"AveragePooling2D: pool_size must be positive, got (0, 2)"});
  expect_error([] { pooling(2, {1, -1}, "valid"); }, {"AveragePooling2D", "strides", "(1, -1)"});
  expect_error([] { pooling(2, 0, "full"); }, {"AveragePooling2D", "padding 'full'"});
  expect_error([] { AveragePooling2D()(zeros({1, 4, 4})); }, {"AveragePooling2D", "(N, C, H, W)", "(1, 4, 4)"});
  expect_error([] { pooling(3, 1, "valid")(zeros({1, 1, 2, 5})); }, {"AveragePooling2D", "(1, 1, 2, 5)", "(3, 3)"});
}

// ---- UpSampling2D ----

UpSampling2D upsampling(Pair size, const char* interpolation) {
  UpSampling2DOptions o;
  o.size = size;
  o.interpolation = interpolation;
  return UpSampling2D(o);
}

TEST(LayersMiscUpSampling, NearestRepeatsRowsAndColumns) {
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  expect_values(UpSampling2D()(x), {1, 1, 4, 4}, {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  expect_values(upsampling({1, 2}, "nearest")(x), {1, 1, 2, 4}, {1, 1, 2, 2, 3, 3, 4, 4});
  expect_values(upsampling({3, 1}, "nearest")(x), {1, 1, 6, 2}, {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
}

TEST(LayersMiscUpSampling, BilinearUsesHalfPixelCentresClampedAtTheEdges) {
  // Output i reads input (i + ½)/2 − ½ = −¼, ¼, ¾, 1¼ → clamped 0, ¼, ¾, 1: rows [1, 1.25, 1.75, 2]
  // for [1, 2]; tf.image.resize / jax.image.resize give the same 4×4.
  Tensor x = from_vector({1, 2, 3, 4}, {1, 1, 2, 2});
  expect_values(upsampling(2, "bilinear")(x), {1, 1, 4, 4},
                {1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f, 3.75f, 4});
  // Factor 3 on two pixels: sources −⅓, 0, ⅓, ⅔, 1, 1⅓.
  expect_values(bilinear_matrix(2, 3), {6, 2}, {1, 0, 1, 0, 2.f / 3, 1.f / 3, 1.f / 3, 2.f / 3, 0, 1, 0, 1});
  // Rectangular factors, two channels: each (n, c) image is resized on its own.
  Tensor two = concat({x, mul(x, 10.0f)}, 1);
  Tensor y = upsampling({1, 2}, "bilinear")(two);
  expect_values(y, {1, 2, 2, 4}, {1, 1.25f, 1.75f, 2, 3, 3.25f, 3.75f, 4, 10, 12.5f, 17.5f, 20, 30, 32.5f, 37.5f, 40});
}

TEST(LayersMiscUpSampling, BilinearKeepsConstantsAndEveryRowSumsToOne) {
  expect_values(upsampling({2, 3}, "bilinear")(full({2, 1, 3, 2}, 5.0f)), {2, 1, 6, 6}, std::vector<float>(72, 5.0f));
  for (int64_t n : {1, 2, 5})
    for (int64_t s : {1, 2, 3}) {
      Tensor rows = sum(bilinear_matrix(n, s), {1});
      expect_values(rows, {n * s}, std::vector<float>((size_t)(n * s), 1.0f), 1e-6f);
    }
}

TEST(LayersMiscUpSampling, GradientsMatchFiniteDifferences) {
  Tensor x = uniform_param({2, 2, 3, 2}, -1, 1, 44);
  for (const char* interpolation : {"nearest", "bilinear"})
    for (Pair size : {Pair(2), Pair(3, 2)}) {
      SCOPED_TRACE(::testing::Message() << interpolation << " size (" << size.h << ", " << size.w << ")");
      expect_gradients_match([&](const Args& v) { return upsampling(size, interpolation)(v[0]); }, {x});
    }
}

TEST(LayersMiscUpSampling, ErrorsNameTheArgument) {
  expect_error([] { upsampling({0, 2}, "nearest"); }, {"UpSampling2D: size must be positive, got (0, 2)"});
  expect_error([] { upsampling(2, "cubic"); },
               {"UpSampling2D: unknown interpolation 'cubic' (use \"nearest\" or \"bilinear\")"});
  expect_error([] { UpSampling2D()(zeros({2, 2})); }, {"UpSampling2D", "(N, C, H, W)", "(2, 2)"});
}

// ---- Concatenate, Add ----

TEST(LayersMiscMerge, ConcatenateJoinsChannelsByDefault) {
  Tensor a = iota({1, 2, 1, 2}), b = add(iota({1, 1, 1, 2}), 10.0f);
  expect_values(Concatenate()({a, b}), {1, 3, 1, 2}, {0, 1, 2, 3, 10, 11});
  expect_values(Concatenate(-1)({a, iota({1, 2, 1, 1})}), {1, 2, 1, 3}, {0, 1, 0, 2, 3, 1});
  expect_values(Concatenate(0)({iota({1, 2}), iota({2, 2})}), {3, 2}, {0, 1, 0, 1, 2, 3});
}

TEST(LayersMiscMerge, AddSumsEveryInput) {
  Tensor a = iota({2, 3});
  expect_values(Add()({a, a, ones({2, 3})}), {2, 3}, {1, 3, 5, 7, 9, 11});
  expect_values(Add()({a, from_vector({10, 20, 30}, {1, 3})}), {2, 3}, {10, 21, 32, 13, 24, 35});
  expect_values(Add()({a}), {2, 3}, a.to_vector());
}

TEST(LayersMiscMerge, GradientsMatchFiniteDifferences) {
  Tensor a = uniform_param({2, 2, 2, 3}, -1, 1, 45), b = uniform_param({2, 1, 2, 3}, -1, 1, 46);
  Tensor c = uniform_param({2, 2, 2, 3}, -1, 1, 47);
  expect_gradients_match([](const Args& v) { return Concatenate()({v[0], v[1], v[2]}); }, {a, b, c});
  expect_gradients_match([](const Args& v) { return mul(Add()({v[0], v[1], v[2]}), v[0]); }, {a, b, c});
}

TEST(LayersMiscMerge, ErrorsNameTheLayerAndShapes) {
  expect_error([] { Concatenate()({}); }, {"Concatenate", "at least one"});
  expect_error([] { Concatenate()({zeros({1, 2, 4, 4}), zeros({1, 2, 3, 4})}); },
               {"Concatenate", "axis 1", "(1, 2, 4, 4)", "(1, 2, 3, 4)"});
  expect_error([] { Concatenate(4)({zeros({1, 2, 4, 4})}); }, {"Concatenate", "axis 4", "rank 4"});
  expect_error([] { Add()({zeros({2, 3}), zeros({2, 4})}); }, {"Add", "(2, 3)", "(2, 4)"});
  expect_error([] { Add()({}); }, {"Add", "at least one"});
  Concatenate concatenate;
  Add add_layer;
  Module &as_module_c = concatenate, &as_module_a = add_layer;  // the single-tensor call of Module
  expect_error([&] { as_module_c(zeros({2})); }, {"Concatenate", "list", "(2,)"});
  expect_error([&] { as_module_a(zeros({2})); }, {"Add", "list"});
}

// ---- AttentionBlock ----

void set_values(Tensor t, const std::vector<float>& values) {
  ASSERT_EQ((size_t)t.numel(), values.size());
  std::copy(values.begin(), values.end(), t.data());
}

TEST(LayersMiscAttention, ShapeAndParametersFollowTheReference) {
  AttentionBlock block(4, 2);
  Generator gen(50);
  EXPECT_EQ(shape_str(block(randn({2, 4, 3, 3}, gen)).shape()), "(2, 4, 3, 3)");
  std::vector<std::string> names;
  for (const auto& [name, t] : block.named_parameters()) names.push_back(name + " " + shape_str(t.shape()));
  EXPECT_EQ(names, (std::vector<std::string>{"norm.weight (4,)", "norm.bias (4,)", "query.weight (4, 4, 1, 1)",
                                             "query.bias (4,)", "key.weight (4, 4, 1, 1)", "key.bias (4,)",
                                             "value.weight (4, 4, 1, 1)", "value.bias (4,)",
                                             "proj.weight (4, 4, 1, 1)", "proj.bias (4,)"}));
}

TEST(LayersMiscAttention, OnePositionAttendsOnlyToItself) {
  // One position: softmax over a single key is 1, so y = h + proj(v(h)) whatever q and k are.
  // x = (1, 3), one group: mean 2, variance 1, h = (−1, 1)/√(1 + 1e-3). With v = identity and
  // proj = diag(2, 3) + (0.5, 0): y = (3·h₀ + 0.5, 4·h₁).
  AttentionBlock block(2, 1);
  set_values(block.value->weight, {1, 0, 0, 1});
  set_values(block.proj->weight, {2, 0, 0, 3});
  set_values(block.proj->bias, {0.5f, 0});
  const float h1 = 1.0f / std::sqrt(1.0f + 1e-3f);
  expect_values(block(from_vector({1, 3}, {1, 2, 1, 1})), {1, 2, 1, 1}, {-3 * h1 + 0.5f, 4 * h1}, 1e-6f);
}

TEST(LayersMiscAttention, ZeroQueriesAverageTheValuesOverAllPositions) {
  // q = 0 makes every score 0, so each position attends uniformly: y[c, i] = h[c, i] + mean_j h[c, j]
  // with v and proj the identity.
  AttentionBlock block(2, 1);
  set_values(block.query->weight, {0, 0, 0, 0});
  for (Tensor w : {block.value->weight, block.proj->weight}) set_values(w, {1, 0, 0, 1});
  Tensor x = from_vector({0.5f, -1, 2, 3, 0, 1}, {1, 2, 1, 3});
  Tensor h = block.norm->forward(x);
  std::vector<float> hv = h.to_vector(), expected(6);
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i)
      expected[c * 3 + i] = hv[c * 3 + i] + (hv[c * 3] + hv[c * 3 + 1] + hv[c * 3 + 2]) / 3;
  expect_values(block(x), {1, 2, 1, 3}, expected, 1e-6f);
}

TEST(LayersMiscAttention, MatchesTheDefinitionComputedDirectly) {
  const int64_t N = 2, U = 4, H = 2, W = 3, P = H * W;
  AttentionBlock block(U, 2);
  Generator gen(51);
  for (Tensor b : {block.query->bias, block.key->bias, block.value->bias, block.proj->bias})
    set_values(b, randn({U}, gen).to_vector());  // nonzero biases, so they are exercised
  Tensor x = randn({N, U, H, W}, gen);
  Tensor h = block.norm->forward(x);
  std::vector<float> q = block.query->forward(h).to_vector(), k = block.key->forward(h).to_vector(),
                     v = block.value->forward(h).to_vector();
  // S_ij = Σ_u q[u,i]·k[u,j]/√U, A = softmax_j S, mixed[u,i] = Σ_j A_ij·v[u,j], in double.
  std::vector<float> mixed(N * U * P);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < P; ++i) {
      std::vector<double> a(P);
      double top = -1e300, total = 0;
      for (int64_t j = 0; j < P; ++j) {
        double s = 0;
        for (int64_t u = 0; u < U; ++u) s += (double)q[(n * U + u) * P + i] * k[(n * U + u) * P + j];
        a[j] = s / std::sqrt((double)U);
        top = std::max(top, a[j]);
      }
      for (double& e : a) total += (e = std::exp(e - top));
      for (int64_t u = 0; u < U; ++u) {
        double m = 0;
        for (int64_t j = 0; j < P; ++j) m += a[j] / total * v[(n * U + u) * P + j];
        mixed[(n * U + u) * P + i] = (float)m;
      }
    }
  Tensor expected = add(h, block.proj->forward(from_vector(mixed, {N, U, H, W})));
  expect_values(block(x), {N, U, H, W}, expected.to_vector(), 2e-5f);
}

TEST(LayersMiscAttention, GradientsMatchFiniteDifferences) {
  AttentionBlock block(4, 2);
  Generator gen(52);
  for (Tensor b : {block.query->bias, block.value->bias, block.proj->bias}) set_values(b, randn({4}, gen).to_vector());
  Tensor x = uniform_param({2, 4, 2, 2}, -1, 1, 53);
  // The parameters are checked through the layers' public handles: each evaluation points them at
  // the (possibly perturbed) argument, then they are put back.
  Tensor query_w = block.query->weight, value_b = block.value->bias, proj_w = block.proj->weight,
         gamma = block.norm->weight;
  expect_gradients_match(
      [&](const Args& v) {
        block.query->weight = v[1];
        block.value->bias = v[2];
        block.proj->weight = v[3];
        block.norm->weight = v[4];
        return block(v[0]);
      },
      {x, query_w, value_b, proj_w, gamma});
  block.query->weight = query_w, block.value->bias = value_b, block.proj->weight = proj_w, block.norm->weight = gamma;
}

TEST(LayersMiscAttention, ErrorsNameTheLayerAndShapes) {
  expect_error([] { AttentionBlock(0, 1); }, {"AttentionBlock", "units", "0"});
  expect_error([] { AttentionBlock(6, 4); }, {"AttentionBlock", "groups 4", "units 6"});
  AttentionBlock block(4, 2);
  expect_error([&] { block(zeros({1, 8, 2, 2})); }, {"AttentionBlock", "(1, 8, 2, 2)", "8 channels", "units is 4"});
  expect_error([&] { block(zeros({4, 4})); }, {"AttentionBlock", "(N, C, H, W)", "(4, 4)"});
}

}  // namespace
}  // namespace murine
