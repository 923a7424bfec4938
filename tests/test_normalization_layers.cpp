// BatchNormalization, GroupNormalization, Normalization and SpectralNormalization: values against
// statistics recomputed here in double, both running-statistics conventions (Keras, PyTorch), adapt()
// streamed over batches, the spectral norm's power iteration (its first step in closed form, and σ
// against a largest singular value found independently), gradients against finite differences, errors.
#include <gtest/gtest.h>

#include <cmath>
#include <type_traits>

#include "layers/batch_normalization.h"
#include "layers/group_normalization.h"
#include "layers/normalization.h"
#include "layers/spectral_normalization.h"
#include "tensor/error.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;
using Vec = std::vector<double>;

// Uniform values in [lo, hi) without gradient.
Tensor random_tensor(const Shape& shape, float lo, float hi, uint64_t seed) {
  return uniform_param(shape, lo, hi, seed).detach();
}

Vec to_double(const Tensor& t) {
  std::vector<float> f = t.to_vector();
  return Vec(f.begin(), f.end());
}

// Writes values into a CPU tensor in place (parameters and buffers keep their handles).
void assign(const Tensor& t, const std::vector<float>& values) {
  ASSERT_EQ((int64_t)values.size(), t.numel());
  std::copy(values.begin(), values.end(), const_cast<Tensor&>(t).data());
}

void expect_near_all(const Tensor& actual, const Vec& expected, double tol, const char* what) {
  Vec a = to_double(actual);
  ASSERT_EQ(a.size(), expected.size()) << what;
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], expected[i], tol * (1.0 + std::fabs(expected[i]))) << what << " [" << i << "]";
}

// Per-channel mean and biased variance of x (N, C, …) over every axis but 1, in double.
struct ChannelStats {
  Vec mean, var;
  int64_t count = 0;
};
ChannelStats channel_stats(const Vec& x, const Shape& shape) {
  const int64_t c = shape[1], inner = (int64_t)x.size() / (shape[0] * c);
  ChannelStats s{Vec(c, 0.0), Vec(c, 0.0), shape[0] * inner};
  for (size_t i = 0; i < x.size(); ++i) s.mean[(i / inner) % c] += x[i];
  for (double& m : s.mean) m /= (double)s.count;
  for (size_t i = 0; i < x.size(); ++i) s.var[(i / inner) % c] += std::pow(x[i] - s.mean[(i / inner) % c], 2);
  for (double& v : s.var) v /= (double)s.count;
  return s;
}

// y = γ·(x − μ)/√(σ² + ε) + β per channel, in double.
Vec batch_norm_reference(const Vec& x, const Shape& shape, const Vec& mu, const Vec& var, const Vec& gamma,
                         const Vec& beta, double eps) {
  const int64_t c = shape[1], inner = (int64_t)x.size() / (shape[0] * c);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    int64_t ch = (i / inner) % c;
    y[i] = gamma[ch] * (x[i] - mu[ch]) / std::sqrt(var[ch] + eps) + beta[ch];
  }
  return y;
}

// ---------------------------------------------------------------- BatchNormalization

TEST(BatchNorm, TrainingNormalisesWithBatchStatisticsKerasRunningUpdate) {
  manual_seed(10);
  BatchNormalization bn({.momentum = 0.9});
  bn.build(3);
  assign(bn.weight, {0.5f, 1.5f, -1.0f});
  assign(bn.bias, {0.1f, -0.2f, 0.3f});
  assign(bn.running_mean, {0.2f, -0.1f, 0.0f});
  assign(bn.running_var, {1.5f, 0.5f, 2.0f});
  Tensor x = random_tensor({4, 3, 2, 5}, -2, 3, 11);
  Tensor y = bn(x);

  Vec xd = to_double(x);
  ChannelStats s = channel_stats(xd, x.shape());
  expect_near_all(y, batch_norm_reference(xd, x.shape(), s.mean, s.var, {0.5, 1.5, -1}, {0.1, -0.2, 0.3}, 1e-3),
                  1e-5, "y");
  // Keras: running = 0.9·running + 0.1·batch, with the biased batch variance.
  Vec rm{0.2, -0.1, 0.0}, rv{1.5, 0.5, 2.0};
  for (int c = 0; c < 3; ++c) {
    rm[c] = 0.9 * rm[c] + 0.1 * s.mean[c];
    rv[c] = 0.9 * rv[c] + 0.1 * s.var[c];
  }
  expect_near_all(bn.running_mean, rm, 1e-6, "running_mean");
  expect_near_all(bn.running_var, rv, 1e-6, "running_var");
}

TEST(BatchNorm, TorchConventionFoldsTheUnbiasedVariance) {
  manual_seed(12);
  BatchNormalization bn(BatchNormalization::torch(2));  // nn.BatchNorm2d(2): eps 1e-5, momentum 0.1
  EXPECT_DOUBLE_EQ(bn.options().momentum, 0.9);
  EXPECT_DOUBLE_EQ(bn.options().epsilon, 1e-5);
  EXPECT_TRUE(bn.options().unbiased_running_var);
  EXPECT_EQ(bn.weight.to_vector(), (std::vector<float>{1, 1}));  // PyTorch: weight ones, bias zeros
  EXPECT_EQ(bn.bias.to_vector(), (std::vector<float>{0, 0}));
  Tensor x = random_tensor({3, 2, 2, 2}, -1, 2, 13);
  Tensor y = bn(x);

  Vec xd = to_double(x);
  ChannelStats s = channel_stats(xd, x.shape());  // n = 12 per channel
  // Normalised with the biased variance…
  expect_near_all(y, batch_norm_reference(xd, x.shape(), s.mean, s.var, {1, 1}, {0, 0}, 1e-5), 1e-5, "y");
  // …but running_var = 0.9·1 + 0.1·σ²·n/(n − 1).
  Vec rm(2), rv(2);
  for (int c = 0; c < 2; ++c) {
    rm[c] = 0.1 * s.mean[c];
    rv[c] = 0.9 + 0.1 * s.var[c] * 12.0 / 11.0;
  }
  expect_near_all(bn.running_mean, rm, 1e-6, "running_mean");
  expect_near_all(bn.running_var, rv, 1e-6, "running_var");

  BatchNormalization plain(BatchNormalization::torch(2, 1e-5, 0.1, /*affine=*/false));
  EXPECT_TRUE(plain.named_parameters().empty());
  EXPECT_EQ(plain.named_buffers().size(), 2u);
}

TEST(BatchNorm, EvalUsesTheRunningStatisticsAndLeavesThem) {
  manual_seed(14);
  BatchNormalization bn({.epsilon = 1e-2, .in_channels = 3});
  assign(bn.weight, {2.0f, 0.5f, 1.0f});
  assign(bn.bias, {0.0f, 1.0f, -1.0f});
  assign(bn.running_mean, {0.5f, -0.5f, 1.0f});
  assign(bn.running_var, {0.25f, 4.0f, 1.0f});
  bn.eval();
  for (Shape shape : {Shape{5, 3}, Shape{2, 3, 3, 2}}) {  // (N, C) and (N, C, H, W)
    Tensor x = random_tensor(shape, -2, 2, 15);
    Vec expected = batch_norm_reference(to_double(x), shape, {0.5, -0.5, 1.0}, {0.25, 4.0, 1.0}, {2, 0.5, 1},
                                        {0, 1, -1}, 1e-2);
    expect_near_all(bn(x), expected, 1e-5, "y");
  }
  EXPECT_EQ(bn.running_mean.to_vector(), (std::vector<float>{0.5f, -0.5f, 1.0f}));
  EXPECT_EQ(bn.running_var.to_vector(), (std::vector<float>{0.25f, 4.0f, 1.0f}));
}

TEST(BatchNorm, NamesAndOptionalAffine) {
  manual_seed(16);
  BatchNormalization bn;
  bn(zeros({2, 4}));  // lazy build from (N, C)
  auto sd = bn.state_dict();
  for (const char* name : {"weight", "bias", "running_mean", "running_var"}) {
    ASSERT_TRUE(sd.count(name)) << name;
    EXPECT_EQ(sd[name].shape(), (Shape{4}));
  }
  BatchNormalization bare({.center = false, .scale = false});
  Tensor x = random_tensor({6, 2}, 0, 5, 17);
  Tensor y = bare(x);
  EXPECT_TRUE(bare.named_parameters().empty());
  ChannelStats s = channel_stats(to_double(y), y.shape());
  for (int c = 0; c < 2; ++c) EXPECT_NEAR(s.mean[c], 0.0, 1e-5);
}

TEST(BatchNorm, GradientsInTrainingAndEval) {
  manual_seed(18);
  BatchNormalization bn({.in_channels = 2});
  assign(bn.weight, {0.7f, -1.2f});
  assign(bn.bias, {0.3f, 0.1f});
  Tensor x = uniform_param({3, 2, 2, 2}, -1, 1, 19);
  // Training: the gradient flows through μ_B and σ²_B as well.
  expect_gradients_match([&](const Args& v) { return bn(v[0]); }, {x, bn.weight, bn.bias});
  Tensor x2 = uniform_param({5, 2}, -1, 1, 20);
  expect_gradients_match([&](const Args& v) { return bn(v[0]); }, {x2, bn.weight, bn.bias});
  bn.eval();
  expect_gradients_match([&](const Args& v) { return bn(v[0]); }, {x, bn.weight, bn.bias});
}

TEST(BatchNorm, Validation) {
  expect_error([] { BatchNormalization({.momentum = 1.5}); }, {"BatchNormalization", "momentum", "1.5"});
  expect_error([] { BatchNormalization({.epsilon = 0}); }, {"BatchNormalization", "epsilon"});
  expect_error([] { BatchNormalization({.in_channels = -2}); }, {"BatchNormalization", "in_channels", "-2"});
  expect_error([] { BatchNormalization::torch(3, 1e-5, -0.1); }, {"BatchNormalization", "momentum"});
  BatchNormalization bn({.in_channels = 3});
  expect_error([&] { bn(zeros({2, 4, 2, 2})); }, {"BatchNormalization", "(2, 4, 2, 2)", "4 channels", "built for 3"});
  expect_error([&] { bn(zeros({3})); }, {"BatchNormalization", "(3,)"});
  BatchNormalization torch_bn(BatchNormalization::torch(3));
  expect_error([&] { torch_bn(zeros({1, 3})); }, {"BatchNormalization", "more than one value", "(1, 3)"});
}

// ---------------------------------------------------------------- GroupNormalization

// Keras/PyTorch group norm in double: per sample, per group of C/G channels.
Vec group_norm_reference(const Vec& x, const Shape& shape, int64_t groups, const Vec& gamma, const Vec& beta,
                         double eps) {
  const int64_t n = shape[0], c = shape[1], inner = (int64_t)x.size() / (n * c);
  const int64_t size = c / groups * inner;  // values per group
  Vec y(x.size());
  for (int64_t s = 0; s < n * groups; ++s) {
    const int64_t begin = s * size;  // groups are contiguous in NCHW
    double mu = 0, var = 0;
    for (int64_t i = 0; i < size; ++i) mu += x[begin + i];
    mu /= (double)size;
    for (int64_t i = 0; i < size; ++i) var += std::pow(x[begin + i] - mu, 2);
    var /= (double)size;
    for (int64_t i = 0; i < size; ++i) {
      int64_t ch = ((begin + i) / inner) % c;
      y[begin + i] = gamma[ch] * (x[begin + i] - mu) / std::sqrt(var + eps) + beta[ch];
    }
  }
  return y;
}

TEST(GroupNorm, ValuesAgainstDoubleReference) {
  manual_seed(30);
  GroupNormalization gn({.groups = 3});
  EXPECT_EQ(gn.options().epsilon, 1e-3);  // Keras' default
  Tensor x = random_tensor({2, 6, 2, 3}, -2, 3, 31);
  gn.build(6);
  Vec gamma{0.5, 1.5, -1, 2, 1, 0.25}, beta{0.1, -0.2, 0.3, 0, 1, -1};
  assign(gn.weight, std::vector<float>(gamma.begin(), gamma.end()));
  assign(gn.bias, std::vector<float>(beta.begin(), beta.end()));
  Tensor y = gn(x);
  expect_near_all(y, group_norm_reference(to_double(x), x.shape(), 3, gamma, beta, 1e-3), 1e-5, "y");
  gn.eval();  // no running statistics: the same in inference
  expect_near_all(gn(x), to_double(y), 1e-7, "eval y");
}

TEST(GroupNorm, TorchAndInstanceNormalisation) {
  manual_seed(32);
  GroupNormalization gn(GroupNormalization::torch(2, 4));  // nn.GroupNorm(2, 4): eps 1e-5, built at once
  EXPECT_TRUE(gn.built());
  EXPECT_EQ(gn.weight.shape(), (Shape{4}));
  Tensor x = random_tensor({3, 4, 2, 2}, -1, 1, 33);
  expect_near_all(gn(x), group_norm_reference(to_double(x), x.shape(), 2, Vec(4, 1), Vec(4, 0), 1e-5), 1e-5, "y");

  GroupNormalization instance({.groups = -1, .center = false, .scale = false});  // Keras' groups=-1
  Tensor y = instance(x);
  EXPECT_EQ(instance.options().groups, 4);
  expect_near_all(y, group_norm_reference(to_double(x), x.shape(), 4, Vec(4, 1), Vec(4, 0), 1e-3), 1e-5, "instance y");
  EXPECT_TRUE(instance.named_parameters().empty());
}

TEST(GroupNorm, Gradients) {
  manual_seed(34);
  GroupNormalization gn({.groups = 2, .in_channels = 4});
  assign(gn.weight, {0.7f, -1.2f, 1.0f, 0.4f});
  assign(gn.bias, {0.3f, 0.1f, -0.5f, 0.0f});
  Tensor x = uniform_param({2, 4, 2, 2}, -1, 1, 35);
  expect_gradients_match([&](const Args& v) { return gn(v[0]); }, {x, gn.weight, gn.bias});
}

TEST(GroupNorm, Validation) {
  expect_error([] { GroupNormalization({.groups = 0}); }, {"GroupNormalization", "groups", "0"});
  expect_error([] { GroupNormalization({.epsilon = -1}); }, {"GroupNormalization", "epsilon"});
  expect_error([] { GroupNormalization(GroupNormalization::torch(3, 4)); }, {"GroupNormalization", "4", "groups 3"});
  GroupNormalization lazy({.groups = 4});
  expect_error([&] { lazy(zeros({1, 6, 2, 2})); }, {"GroupNormalization", "(1, 6, 2, 2)", "6 channels", "groups 4"});
  GroupNormalization gn({.groups = 2, .in_channels = 4});
  expect_error([&] { gn(zeros({1, 6, 2, 2})); }, {"GroupNormalization", "(1, 6, 2, 2)", "built for 4"});
  expect_error([&] { gn(zeros({4})); }, {"GroupNormalization", "(4,)"});
}

// ---------------------------------------------------------------- Normalization

TEST(Normalization, AdaptOverBatchesEqualsOneShotStatistics) {
  // Channel 0 sits at 1000 with spread 0.01: a naive E[x²] − E[x]² in float would lose it.
  std::vector<Tensor> batches;
  std::vector<float> all;
  int64_t total = 0;
  for (int64_t n : {2, 5, 1}) {
    Tensor b = random_tensor({n, 3, 2, 2}, -1, 1, 40 + n);
    float* p = b.data();
    for (int64_t i = 0; i < b.numel(); ++i) {
      int64_t c = (i / 4) % 3;
      p[i] = c == 0 ? 1000.0f + 0.01f * p[i] : c == 1 ? 3.0f * p[i] - 2.0f : p[i] * p[i];
    }
    batches.push_back(b);
    total += n;
  }
  for (const Tensor& b : batches)
    for (float v : b.to_vector()) all.push_back(v);
  Tensor everything = concat(batches, 0);
  ChannelStats s = channel_stats(Vec(all.begin(), all.end()), {total, 3, 2, 2});

  Normalization streamed, one_shot;
  streamed.adapt(batches);
  one_shot.adapt(everything);
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(streamed.mean.to_vector()[c], s.mean[c], 1e-6 * (1 + std::fabs(s.mean[c])));
    EXPECT_NEAR(streamed.variance.to_vector()[c], s.var[c], 1e-6 * s.var[c]) << "channel " << c;
    EXPECT_FLOAT_EQ(one_shot.mean.to_vector()[c], streamed.mean.to_vector()[c]);
    EXPECT_FLOAT_EQ(one_shot.variance.to_vector()[c], streamed.variance.to_vector()[c]);
  }
  // adapt() again replaces the statistics.
  streamed.adapt(batches[1]);
  ChannelStats s1 = channel_stats(to_double(batches[1]), batches[1].shape());
  EXPECT_NEAR(streamed.variance.to_vector()[1], s1.var[1], 1e-6 * s1.var[1]);
}

TEST(Normalization, ForwardInvertRoundTripAndEpsilonFloor) {
  Tensor data = random_tensor({20, 3}, -3, 5, 44);  // (N, C) data
  Normalization norm;
  norm.adapt(data);
  Vec mu = to_double(norm.mean), var = to_double(norm.variance);
  Tensor x = random_tensor({4, 3, 2, 2}, -3, 5, 45);
  Vec xd = to_double(x), expected(xd.size());
  for (size_t i = 0; i < xd.size(); ++i) {
    int64_t c = (i / 4) % 3;
    expected[i] = (xd[i] - mu[c]) / std::max(std::sqrt(var[c]), 1e-7);
  }
  Tensor y = norm(x);
  expect_near_all(y, expected, 1e-5, "y");

  // The inverse, from the same statistics given as options or loaded from a state dict.
  Normalization given({.invert = true, .mean = mu, .variance = var});
  expect_near_all(given(y), xd, 1e-5, "invert(y)");
  Normalization loaded({.invert = true, .in_channels = 3});
  loaded.load_state_dict(norm.state_dict());
  expect_near_all(loaded(y), xd, 1e-5, "loaded invert(y)");

  // A constant channel: √variance = 0 is floored at ε = 1e-7 (Keras' backend.epsilon()).
  Normalization flat({.mean = {5.0}, .variance = {0.0}});
  Tensor z = flat(full({1, 2}, 5.5f));
  expect_near_all(z, {5e6, 5e6}, 1e-6, "floored");
}

TEST(Normalization, GradientWrtInput) {
  Normalization norm({.mean = {0.5, -1.0}, .variance = {4.0, 0.25}});
  Normalization inverse({.invert = true, .mean = {0.5, -1.0}, .variance = {4.0, 0.25}});
  Tensor x = uniform_param({2, 2, 2, 2}, -1, 1, 46);
  expect_gradients_match([&](const Args& v) { return norm(v[0]); }, {x});
  expect_gradients_match([&](const Args& v) { return inverse(v[0]); }, {x});
}

TEST(Normalization, Validation) {
  Normalization lazy;
  expect_error([&] { lazy(zeros({2, 3})); }, {"Normalization", "before adapt()"});
  Normalization unadapted({.in_channels = 3});  // buffers exist (for a state dict) but are unset
  expect_error([&] { unadapted(zeros({2, 3})); }, {"Normalization", "before adapt()"});
  expect_error([] { Normalization({.mean = {1.0}}); }, {"Normalization", "mean and variance"});
  expect_error([] { Normalization({.epsilon = 0}); }, {"Normalization", "epsilon"});
  expect_error([] { Normalization({.mean = {1, 2}, .variance = {1, -1}}); }, {"Normalization", "variance", "-1"});
  Normalization norm;
  norm.adapt(random_tensor({4, 3}, 0, 1, 47));
  expect_error([&] { norm.adapt(zeros({4, 5})); }, {"Normalization", "adapt()", "(4, 5)", "built for 3"});
  expect_error([&] { norm(zeros({4, 2, 2, 2})); }, {"Normalization", "(4, 2, 2, 2)", "built for 3"});
  expect_error([&] { norm(zeros({4})); }, {"Normalization", "(4,)"});
  expect_error([&] { norm.adapt(std::vector<Tensor>{}); }, {"Normalization", "at least one batch"});
}

// ---------------------------------------------------------------- SpectralNormalization

// A row-major (rows, cols) matrix in double.
struct Matrix {
  int64_t rows, cols;
  Vec a;
  double at(int64_t r, int64_t c) const { return a[r * cols + c]; }
};

Vec normalized(Vec x) {
  double n = 0;
  for (double v : x) n += v * v;
  n = std::max(std::sqrt(n), 1e-7);
  for (double& v : x) v /= n;
  return x;
}
Vec row_times(const Vec& u, const Matrix& m) {  // u·M
  Vec out(m.cols, 0.0);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) out[c] += u[r] * m.at(r, c);
  return out;
}
Vec times_transpose(const Vec& v, const Matrix& m) {  // v·Mᵀ
  Vec out(m.rows, 0.0);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c) out[r] += v[c] * m.at(r, c);
  return out;
}
double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Keras' step with u (1, rows): v = normalize(u·M), u' = normalize(v·Mᵀ), σ = u'·M·vᵀ.
struct SpectralStep {
  Vec u, v;
  double sigma;
};
SpectralStep keras_step(const Vec& u, const Matrix& m) {
  Vec v = normalized(row_times(u, m));
  Vec u2 = normalized(times_transpose(v, m));
  return {u2, v, dot(row_times(u2, m), v)};
}

// The same step on Keras' kernel matrix K (−1, out) itself: v = normalize(u·Kᵀ), u' = normalize(v·K),
// σ = v·K·u'ᵀ.
SpectralStep keras_kernel_step(const Vec& u, const Matrix& k) {
  Vec v = normalized(times_transpose(u, k));
  Vec u2 = normalized(row_times(v, k));
  return {u2, v, dot(row_times(v, k), u2)};
}

// The largest singular value, independently: power iteration on MᵀM from a fixed start, many steps.
double largest_singular_value(const Matrix& m) {
  Vec v(m.cols);
  for (int64_t i = 0; i < m.cols; ++i) v[i] = 1.0 + 0.1 * i;
  v = normalized(v);
  for (int it = 0; it < 5000; ++it) v = normalized(row_times(times_transpose(v, m), m));
  return std::sqrt(dot(times_transpose(v, m), times_transpose(v, m)));
}

// A weight (a0, a1, a2, a3) permuted to Keras' kernel order and flattened as (−1, last).
Matrix keras_matrix(const Tensor& w, std::vector<int64_t> perm) {
  Tensor k = permute(w.detach(), perm);
  int64_t last = k.shape().back();
  return {k.numel() / last, last, to_double(k)};
}

Matrix murine_matrix(const Tensor& w) { return {w.shape()[0], w.numel() / w.shape()[0], to_double(w)}; }

static_assert(std::is_constructible_v<SpectralNormalization, std::shared_ptr<mConv2D>>);
static_assert(std::is_constructible_v<SpectralNormalization, std::shared_ptr<mConv2DTranspose>>);
static_assert(std::is_constructible_v<SpectralNormalization, std::shared_ptr<mDense>>);

TEST(SpectralNorm, NamesLazyBuildAndRawWeightKept) {
  manual_seed(50);
  auto conv = std::make_shared<Conv2D>(Conv2DOptions{.filters = 4, .kernel_size = 3, .padding = "same"});
  SpectralNormalization sn(conv);
  EXPECT_FALSE(sn.u.defined());  // built with the wrapped layer, from the first input
  Tensor x = random_tensor({2, 3, 4, 4}, -1, 1, 51);
  Tensor y = sn(x);
  EXPECT_EQ(y.shape(), (Shape{2, 4, 4, 4}));
  Tensor raw_before = conv->weight.clone();
  sn(x);
  EXPECT_EQ(sn.u.shape(), (Shape{1, 4}));
  std::vector<std::string> params, buffers;
  for (auto& [n, t] : sn.named_parameters()) params.push_back(n);
  for (auto& [n, t] : sn.named_buffers()) buffers.push_back(n);
  EXPECT_EQ(params, (std::vector<std::string>{"layer.weight", "layer.bias"}));
  EXPECT_EQ(buffers, (std::vector<std::string>{"u"}));
  // The layer's weight member is the raw parameter again, with its values untouched.
  EXPECT_EQ(conv->weight.impl(), sn.raw_weight().impl());
  EXPECT_TRUE(conv->weight.is_leaf());
  EXPECT_EQ(conv->weight.to_vector(), raw_before.to_vector());
}

TEST(SpectralNorm, FirstStepIsKerasFormula) {
  manual_seed(52);
  auto conv = std::make_shared<Conv2D>(Conv2DOptions{.filters = 4, .kernel_size = 3, .in_channels = 2});
  SpectralNormalization sn(conv);
  Vec u0{0.3, -1.2, 0.5, 2.0};  // not unit: the first step does not care
  assign(sn.u, std::vector<float>(u0.begin(), u0.end()));
  Tensor x = random_tensor({2, 2, 5, 5}, -1, 1, 53);
  Tensor y = sn(x);

  SpectralStep step = keras_step(u0, murine_matrix(conv->weight));
  // Keras' own matrix: kernel (kh, kw, in, out) as (kh·kw·in, out), u (1, out): the same u and σ.
  SpectralStep keras = keras_kernel_step(u0, keras_matrix(conv->weight, {2, 3, 1, 0}));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(keras.u[i], step.u[i], 1e-12);
  EXPECT_NEAR(keras.sigma, step.sigma, 1e-12 * step.sigma);

  expect_near_all(sn.u, step.u, 1e-5, "u after one step");
  EXPECT_NEAR(sn.sigma().item(), step.sigma, 1e-5 * step.sigma);
  Tensor w_sn = from_vector(conv->weight.to_vector(), conv->weight.shape());
  for (float* p = w_sn.data(); p < w_sn.data() + w_sn.numel(); ++p) *p = (float)(*p / step.sigma);
  expect_near_all(y, to_double(conv2d(x, w_sn, conv->bias.detach(), {})), 1e-5, "y = conv(x, W/σ) + b");
  expect_near_all(sn.normalized_weight(), to_double(w_sn), 1e-6, "W/σ (Keras' kernel after the call)");
}

TEST(SpectralNorm, KerasInferenceRunsTheRawWeight) {
  manual_seed(53);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 3, .in_features = 4});
  SpectralNormalization sn(dense, {.normalize_in_eval = false});
  Tensor x = random_tensor({2, 4}, -1, 1, 54);
  sn.eval();
  std::vector<float> u = sn.u.to_vector();
  EXPECT_EQ(sn(x).to_vector(), (*dense)(x).to_vector());
  EXPECT_EQ(sn.u.to_vector(), u);
  EXPECT_EQ(sn.normalized_weight().to_vector(), dense->weight.to_vector());
  sn.train();  // training still normalises
  Tensor y = sn(x);
  EXPECT_NE(sn.u.to_vector(), u);
  EXPECT_NE(sn.sigma().item(), 1.0f);
  Tensor expected = linear(x, sn.normalized_weight(), dense->bias.detach());
  expect_near_all(y, to_double(expected), 1e-6, "training y");
}

TEST(SpectralNorm, ConvTransposeUsesKerasLastKernelAxis) {
  manual_seed(54);
  // Weight (in 5, out 3, 2, 2); Keras' kernel is (kh, kw, out, in): u runs over the 5 input channels.
  auto convt = std::make_shared<Conv2DTranspose>(Conv2DOptions{.filters = 3, .kernel_size = 2, .strides = 2});
  SpectralNormalization sn(convt);
  Tensor x = random_tensor({1, 5, 2, 2}, -1, 1, 55);
  EXPECT_FALSE(sn.u.defined());
  sn.eval();
  sn(x);  // builds; eval: u stays as drawn
  EXPECT_EQ(sn.u.shape(), (Shape{1, 5}));
  Vec u0 = to_double(sn.u);
  EXPECT_NEAR(dot(u0, u0), 1.0, 1e-6);  // drawn, then normalised
  sn.train();
  Tensor y = sn(x);
  EXPECT_EQ(y.shape(), (Shape{1, 3, 4, 4}));
  Matrix km = keras_matrix(convt->weight, {2, 3, 1, 0});  // (kh·kw·out, in)
  ASSERT_EQ(km.cols, 5);
  SpectralStep keras = keras_kernel_step(u0, km);
  expect_near_all(sn.u, keras.u, 1e-5, "u");
  EXPECT_NEAR(sn.sigma().item(), keras.sigma, 1e-5 * keras.sigma);
}

TEST(SpectralNorm, SigmaConvergesToTheLargestSingularValue) {
  manual_seed(56);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 5, .in_features = 7});
  auto conv = std::make_shared<Conv2D>(Conv2DOptions{.filters = 4, .kernel_size = 3, .in_channels = 3});
  SpectralNormalization sn_dense(dense), sn_conv(conv, {.power_iterations = 3});
  Tensor xd = random_tensor({2, 7}, -1, 1, 57), xc = random_tensor({1, 3, 3, 3}, -1, 1, 58);
  Tensor y;
  for (int i = 0; i < 100; ++i) {
    y = sn_dense(xd);
    sn_conv(xc);
  }
  double sd = largest_singular_value(murine_matrix(dense->weight));
  EXPECT_NEAR(sn_dense.sigma().item(), sd, 1e-4 * sd);
  double sc = largest_singular_value(murine_matrix(conv->weight));
  EXPECT_NEAR(sn_conv.sigma().item(), sc, 1e-4 * sc);
  // y = x·(W/σ)ᵀ + b.
  Matrix w = murine_matrix(dense->weight);
  Vec x = to_double(xd), b = to_double(dense->bias), expected(2 * 5);
  for (int n = 0; n < 2; ++n)
    for (int o = 0; o < 5; ++o) {
      double s = b[o];
      for (int i = 0; i < 7; ++i) s += x[n * 7 + i] * w.at(o, i) / sd;
      expected[n * 5 + o] = s;
    }
  expect_near_all(y, expected, 1e-4, "y");
}

TEST(SpectralNorm, EvalKeepsUAndUsesItsSigma) {
  manual_seed(58);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 3, .in_features = 4});
  SpectralNormalization sn(dense);
  Tensor x = random_tensor({2, 4}, -1, 1, 59);
  sn(x);  // one training step
  sn.eval();
  Vec u = to_double(sn.u);
  Tensor y1 = sn(x), y2 = sn(x);
  EXPECT_EQ(to_double(sn.u), u);
  EXPECT_EQ(y1.to_vector(), y2.to_vector());
  // σ = ‖û·M‖ for the stored u.
  Vec um = row_times(normalized(u), murine_matrix(dense->weight));
  EXPECT_NEAR(sn.sigma().item(), std::sqrt(dot(um, um)), 1e-5);
}

TEST(SpectralNorm, GradientsInEval) {
  // In eval u is fixed and σ = ‖û·M‖ exactly, so finite differences see the same σ term.
  manual_seed(60);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 3, .in_features = 4});
  SpectralNormalization sn_dense(dense);
  sn_dense(random_tensor({2, 4}, -1, 1, 61));  // move u off its draw
  sn_dense.eval();
  Tensor x = uniform_param({2, 4}, -1, 1, 62);
  expect_gradients_match([&](const Args& v) { return sn_dense(v[0]); }, {x, dense->weight, dense->bias});

  auto conv = std::make_shared<Conv2D>(Conv2DOptions{.filters = 2, .kernel_size = 2, .in_channels = 2});
  SpectralNormalization sn_conv(conv);
  sn_conv.eval();
  Tensor xc = uniform_param({1, 2, 3, 3}, -1, 1, 63);
  expect_gradients_match([&](const Args& v) { return sn_conv(v[0]); }, {xc, conv->weight, conv->bias});
}

TEST(SpectralNorm, TrainingGradientTreatsUAndVAsConstants) {
  manual_seed(64);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 3, .use_bias = false, .in_features = 4});
  SpectralNormalization sn(dense);
  Vec u0{1.0, -0.5, 0.25};
  assign(sn.u, {1.0f, -0.5f, 0.25f});
  Tensor x = random_tensor({2, 4}, -1, 1, 65), gy = random_tensor({2, 3}, -1, 1, 66);
  Matrix w = murine_matrix(dense->weight);
  SpectralStep step = keras_step(u0, w);
  sn(x).backward(gy);
  // dW = (G − ⟨G, W/σ⟩·u'ᵀv)/σ with G = gyᵀ·x, the gradient with respect to W_sn.
  Vec xv = to_double(x), g = to_double(gy), G(12, 0.0), expected(12);
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 4; ++i)
      for (int n = 0; n < 2; ++n) G[o * 4 + i] += g[n * 3 + o] * xv[n * 4 + i];
  double inner = 0;
  for (int k = 0; k < 12; ++k) inner += G[k] * w.a[k] / step.sigma;
  for (int o = 0; o < 3; ++o)
    for (int i = 0; i < 4; ++i) expected[o * 4 + i] = (G[o * 4 + i] - inner * step.u[o] * step.v[i]) / step.sigma;
  expect_near_all(dense->weight.grad(), expected, 1e-5, "dW");
}

TEST(SpectralNorm, ZeroKernelIsLeftAlone) {
  manual_seed(66);
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 2, .kernel_initializer = Initializer::zeros(),
                                                    .bias_initializer = Initializer::constant(0.5), .in_features = 3});
  SpectralNormalization sn(dense);
  std::vector<float> u = sn.u.to_vector();
  Tensor y = sn(random_tensor({2, 3}, -1, 1, 67));
  EXPECT_EQ(y.to_vector(), (std::vector<float>(4, 0.5f)));
  EXPECT_EQ(sn.u.to_vector(), u);
}

TEST(SpectralNorm, Validation) {
  auto dense = std::make_shared<Dense>(DenseOptions{.units = 2});
  expect_error([&] { SpectralNormalization(dense, {.power_iterations = 0}); },
               {"SpectralNormalization", "power_iterations", "0"});
  expect_error([] { SpectralNormalization(std::shared_ptr<Dense>()); }, {"SpectralNormalization", "null"});
  SpectralNormalization sn(dense);
  expect_error([&] { sn(zeros({3})); }, {"SpectralNormalization", "Dense", "(3,)"});
  auto conv = std::make_shared<Conv2D>(Conv2DOptions{.filters = 2, .kernel_size = 1, .in_channels = 3});
  SpectralNormalization sn_conv(conv);
  expect_error([&] { sn_conv(zeros({1, 4, 2, 2})); }, {"Conv2D", "(1, 4, 2, 2)", "built for 3"});
}

}  // namespace
}  // namespace murine
