// Losses: values against hand computations (Keras' clip at 0 and 1, PyTorch's −100 clamp and its
// own backward), gradients against finite differences, errors. Optimizers: SGD (momentum,
// Nesterov, weight decay) and Adam in both conventions against trajectories computed in double,
// state dict round trips, validation. The EMA of weights. And the promise of the connection
// windows: a masked weight stays exactly 0 and gets exactly 0 gradient under every optimizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include "autograd/ops_inplace.h"
#include "tensor/backend.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/losses.h"
#include "optim/adam.h"
#include "optim/ema.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "tensor/error.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;
using Values = std::vector<double>;

// |actual − expected| <= tol·max(1, |expected|) elementwise.
void expect_close(const Tensor& actual, const Values& expected, double tol) {
  std::vector<float> a = actual.to_vector();
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], expected[i], tol * std::max(1.0, std::fabs(expected[i]))) << "element " << i;
}

Tensor param(const std::vector<float>& v) {
  Tensor t = from_vector(v, {(int64_t)v.size()});
  t.requires_grad_();
  return t;
}

// Makes p's gradient exactly g: the gradient of Σ g·p.
void set_grad(Tensor& p, const std::vector<float>& g) {
  p.zero_grad();
  sum(mul(p, from_vector(g, p.shape()))).backward();
}

// ---------------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------------

TEST(LossBce, KerasDocumentationExample) {
  // keras.losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]) = [0.916, 0.714]:
  // the mean over the last axis of −(y·ln p + (1 − y)·ln(1 − p)).
  Tensor y = from_vector({0, 1, 0, 0}, {2, 2}), p = from_vector({0.6f, 0.4f, 0.4f, 0.6f}, {2, 2});
  double r0 = -(std::log(1 - 0.6) + std::log(0.4)) / 2, r1 = -(std::log(1 - 0.4) + std::log(1 - 0.6)) / 2;
  Tensor none = binary_crossentropy(y, p, false, Reduction::None);
  EXPECT_EQ(none.shape(), (Shape{2}));
  expect_close(none, {r0, r1}, 1e-6);
  EXPECT_NEAR(r0, 0.916, 1e-3);
  EXPECT_NEAR(r1, 0.714, 1e-3);
  expect_close(binary_crossentropy(y, p), {(r0 + r1) / 2}, 1e-6);
  expect_close(binary_crossentropy(y, p, false, Reduction::Sum), {r0 + r1}, 1e-6);
}

TEST(LossBce, KerasClipsPredictionsAtZeroAndOneAndKillsTheirGradient) {
  // Predictions exactly 0 and 1 are clipped to ε = 1e-7 and 1 − ε, which float32 rounds to
  // 1 − 2⁻²³ = 0.99999988: so 1 − o is 2⁻²³ ≈ 1.19e-7, not 1e-7, and the two saturated losses
  // differ: −ln(1e-7) = 16.118 vs −ln(2⁻²³) = 15.942.
  const float lo = 1e-7f, hi = (float)(1.0 - 1e-7);
  EXPECT_EQ(hi, 1.0f - std::ldexp(1.0f, -23));
  Tensor y = from_vector({1, 0, 0, 1, 1}, {5, 1});
  Tensor p = from_vector({0.0f, 1.0f, 0.0f, 1.0f, 0.3f}, {5, 1});
  p.requires_grad_();
  Values expected = {-std::log((double)lo), -std::log((double)(1.0f - hi)), -std::log((double)(1.0f - lo)),
                     -std::log((double)hi), -std::log(0.3)};
  expect_close(binary_crossentropy(y, p, false, Reduction::None), expected, 1e-6);
  EXPECT_NEAR(expected[0], 16.1181, 1e-4);
  EXPECT_NEAR(expected[1], 15.9424, 1e-4);

  binary_crossentropy(y, p, false, Reduction::Sum).backward();
  std::vector<float> g = p.grad().to_vector();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(g[i], 0.0f) << "clipped element " << i << " must get no gradient";
  EXPECT_NEAR(g[4], -1.0 / 0.3, 1e-5);
}

TEST(LossBce, FromLogitsIsStableAndAgreesWithTheSigmoidForm) {
  Tensor y = from_vector({1, 0, 1, 0, 1}, {5, 1});
  Tensor x = from_vector({-100.0f, -2.0f, 0.0f, 3.0f, 100.0f}, {5, 1});
  x.requires_grad_();
  Values expected, grad;
  std::vector<float> xs = x.to_vector(), ys = y.to_vector();
  for (size_t i = 0; i < xs.size(); ++i) {
    double xi = xs[i], yi = ys[i];
    expected.push_back(std::max(xi, 0.0) - xi * yi + std::log1p(std::exp(-std::fabs(xi))));
    grad.push_back((1 / (1 + std::exp(-xi)) - yi) / 5);
  }
  Tensor loss = binary_crossentropy(y, x, true, Reduction::None);
  expect_close(loss, expected, 1e-6);  // −100 with target 1 costs 100, not inf
  binary_crossentropy(y, x, true).backward();
  expect_close(x.grad(), grad, 1e-6);

  // Inside the clip range the probability form gives the same loss.
  Tensor z = from_vector({-3.0f, -0.5f, 0.25f, 2.0f}, {2, 2}), t = from_vector({1, 0, 0, 1}, {2, 2});
  expect_close(binary_crossentropy(t, sigmoid(z)), {binary_crossentropy(t, z, true).item()}, 1e-5);
}

TEST(LossTorchBce, ClampsEachLogAtMinus100) {
  Tensor y = from_vector({1, 0, 1, 0, 1}, {5}), p = from_vector({0.0f, 1.0f, 0.25f, 0.0f, 1.0f}, {5});
  Values expected = {100, 100, -std::log(0.25), 0, 0};
  expect_close(torch_bce(y, p, Reduction::None), expected, 1e-6);
  expect_close(torch_bce(y, p), {(200 - std::log(0.25)) / 5}, 1e-6);
  expect_close(torch_bce(y, p, Reduction::Sum), {200 - std::log(0.25)}, 1e-6);
}

TEST(LossTorchBce, BackwardIsPyTorchsFormula) {
  // dℓ/dp = (p − y) / max(p·(1 − p), 1e-12): at p = 0 with y = 1 that is −1e12 (the clamped loss
  // itself is flat there). dℓ/dy = max(ln(1 − p), −100) − max(ln p, −100).
  Tensor y = from_vector({1, 0, 1, 0, 1}, {5}), p = from_vector({0.0f, 1.0f, 0.25f, 0.0f, 1.0f}, {5});
  y.requires_grad_();
  p.requires_grad_();
  torch_bce(y, p, Reduction::Sum).backward();
  double tiny = (double)1e-12f;
  expect_close(p.grad(), {-1 / tiny, 1 / tiny, (0.25 - 1) / (0.25 * 0.75), 0, 0}, 1e-6);
  expect_close(y.grad(), {100, -100, std::log(0.75) - std::log(0.25), 100, -100}, 1e-6);
}

TEST(LossMseMae, ValuesAndKerasReductions) {
  Tensor y = from_vector({1, 2, 3, 0, 0, 0}, {2, 3}), yhat = from_vector({1.5f, 2, 1, -1, 2, 0}, {2, 3});
  // Per sample: mean over the last axis.
  double mse0 = (0.25 + 0 + 4) / 3.0, mse1 = (1 + 4 + 0) / 3.0, mae0 = (0.5 + 0 + 2) / 3.0, mae1 = (1 + 2 + 0) / 3.0;
  expect_close(mse(y, yhat, Reduction::None), {mse0, mse1}, 1e-6);
  expect_close(mse(y, yhat), {(mse0 + mse1) / 2}, 1e-6);
  expect_close(mse(y, yhat, Reduction::Sum), {mse0 + mse1}, 1e-6);
  expect_close(mae(y, yhat, Reduction::None), {mae0, mae1}, 1e-6);
  expect_close(mae(y, yhat), {(mae0 + mae1) / 2}, 1e-6);
  // A 0-d pair is its own sample.
  expect_close(mse(scalar(3), scalar(1), Reduction::None), {4}, 1e-6);
}

TEST(LossSoftmaxCrossEntropy, IndicesAndOneHotAgreeAndLargeLogitsStayFinite) {
  Tensor logits = from_vector({1, 2, 3, 1000, 0, -1000}, {2, 3});
  Tensor index = from_vector({2, 1}, {2}), one_hot = from_vector({0, 0, 1, 0, 1, 0}, {2, 3});
  double lse0 = 3 + std::log(1 + std::exp(-1.0) + std::exp(-2.0));
  Values expected = {lse0 - 3, 1000};  // row 1: ln Σ e^x = 1000, the picked logit is 0
  expect_close(softmax_cross_entropy(index, logits, Reduction::None), expected, 1e-6);
  expect_close(softmax_cross_entropy(one_hot, logits, Reduction::None), expected, 1e-6);
  expect_close(softmax_cross_entropy(index, logits), {(expected[0] + expected[1]) / 2}, 1e-6);
  expect_close(softmax_cross_entropy(one_hot, logits, Reduction::Sum), {expected[0] + expected[1]}, 1e-6);
}

TEST(LossGradients, MatchFiniteDifferences) {
  Tensor y = uniform_param({3, 4}, 0.0f, 1.0f, 11), p = uniform_param({3, 4}, 0.1f, 0.9f, 12);
  Tensor x = uniform_param({3, 4}, -3.0f, 3.0f, 13), yhat = uniform_param({3, 4}, -2.0f, 2.0f, 14);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    expect_gradients_match([r](const Args& a) { return binary_crossentropy(a[0], a[1], false, r); }, {y, p});
    expect_gradients_match([r](const Args& a) { return binary_crossentropy(a[0], a[1], true, r); }, {y, x});
    expect_gradients_match([r](const Args& a) { return torch_bce(a[0], a[1], r); }, {y, p});
    expect_gradients_match([r](const Args& a) { return mse(a[0], a[1], r); }, {x, yhat});
    expect_gradients_match([r](const Args& a) { return mae(a[0], a[1], r); }, {x, yhat});
  }
  Tensor logits = uniform_param({3, 5}, -2.0f, 2.0f, 15);
  Tensor index = from_vector({4, 0, 2}, {3});
  Tensor probs = softmax(uniform_param({3, 5}, -1.0f, 1.0f, 16)).detach();
  probs.requires_grad_();
  expect_gradients_match([](const Args& a) { return softmax_cross_entropy(a[0], a[1]); }, {index, logits});
  expect_gradients_match([](const Args& a) { return softmax_cross_entropy(a[0], a[1], Reduction::None); },
                         {probs, logits});
}

TEST(LossErrors, NameTheLossAndBothShapes) {
  Tensor a = zeros({2, 3}), b = zeros({2, 1});
  expect_error([&] { binary_crossentropy(a, b); }, {"binary_crossentropy", "(2, 3)", "(2, 1)"});
  expect_error([&] { torch_bce(a, b); }, {"torch_bce", "(2, 3)", "(2, 1)"});
  expect_error([&] { mse(a, b); }, {"mse", "(2, 3)", "(2, 1)"});
  expect_error([&] { mae(b, a); }, {"mae", "(2, 1)", "(2, 3)"});
  expect_error([&] { softmax_cross_entropy(zeros({3}), a); }, {"softmax_cross_entropy", "(3,)", "(2, 3)"});
  expect_error([&] { softmax_cross_entropy(from_vector({0, 3}, {2}), a); }, {"softmax_cross_entropy", "3", "[0, 3)"});
  expect_error([&] { softmax_cross_entropy(from_vector({0, 1.5f}, {2}), a); }, {"1.5", "class index"});
  EXPECT_EQ(reduction_from_string("sum"), Reduction::Sum);
  expect_error([] { reduction_from_string("avg"); }, {"avg", "mean"});
}

// ---------------------------------------------------------------------------------------------
// Optimizers: trajectories against double-precision references
// ---------------------------------------------------------------------------------------------

const std::vector<float> kStart = {1.0f, -0.5f, 0.25f};
// Per step; the last entry is tiny, where Adam's ε matters.
const std::vector<std::vector<float>> kGrads = {{0.5f, -1.0f, 2e-6f}, {0.25f, 0.5f, -3e-6f}, {-1.0f, 0.75f, 1e-6f}};

// Runs `opt` over kGrads on p (which it must hold) and returns p's values.
Tensor run(Optimizer& opt, Tensor& p, size_t steps = kGrads.size()) {
  for (size_t s = 0; s < steps; ++s) {
    set_grad(p, kGrads[s]);
    opt.step();
  }
  return p;
}

// [PyTorch SGD] b = μ·b + (g + λ·p); p −= lr·(nesterov ? g + λ·p + μ·b : b).
Values sgd_torch_reference(double lr, double mu, bool nesterov, double wd) {
  Values p(kStart.begin(), kStart.end()), b(p.size(), 0.0);
  for (const auto& g : kGrads)
    for (size_t i = 0; i < p.size(); ++i) {
      double gi = g[i] + wd * p[i];
      b[i] = mu * b[i] + gi;
      p[i] -= lr * (nesterov ? gi + mu * b[i] : b[i]);
    }
  return p;
}

// Keras' velocity form: v = μ·v − lr·g; p += v (nesterov: p += μ·v − lr·g).
Values sgd_keras_reference(double lr, double mu, bool nesterov) {
  Values p(kStart.begin(), kStart.end()), v(p.size(), 0.0);
  for (const auto& g : kGrads)
    for (size_t i = 0; i < p.size(); ++i) {
      v[i] = mu * v[i] - lr * g[i];
      p[i] += nesterov ? mu * v[i] - lr * g[i] : v[i];
    }
  return p;
}

TEST(SgdMomentum, MatchesPyTorchAndKerasFormulationsOverThreeSteps) {
  for (bool nesterov : {false, true}) {
    Tensor p = param(kStart);
    SGD opt({p}, 0.1, 0.9, nesterov);
    run(opt, p);
    Values torch_ref = sgd_torch_reference(0.1, 0.9, nesterov, 0.0);
    Values keras_ref = sgd_keras_reference(0.1, 0.9, nesterov);
    for (size_t i = 0; i < torch_ref.size(); ++i) EXPECT_NEAR(torch_ref[i], keras_ref[i], 1e-12);
    expect_close(p, torch_ref, 1e-6);
    EXPECT_EQ(opt.iterations(), 3);
    EXPECT_EQ(opt.updates(0), 3);
  }
}

TEST(SgdMomentum, PlainAndWeightDecay) {
  Tensor p = param(kStart);
  SGD plain({p}, 0.1);
  run(plain, p);
  expect_close(p, sgd_torch_reference(0.1, 0.0, false, 0.0), 1e-6);
  EXPECT_TRUE(plain.state_dict().count("sgd.momentum.0") == 0);  // no buffer without momentum

  Tensor q = param(kStart);
  SGD decayed({q}, 0.1, 0.9, false, 0.05);
  run(decayed, q);
  expect_close(q, sgd_torch_reference(0.1, 0.9, false, 0.05), 1e-6);
}

// Keras 3: α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
// p −= α·m/(√v + ε); decoupled decay p −= p·λ·lr first.
Values adam_keras_reference(double lr, double b1, double b2, double eps, double wd) {
  Values p(kStart.begin(), kStart.end()), m(p.size(), 0.0), v(p.size(), 0.0);
  for (size_t s = 0; s < kGrads.size(); ++s) {
    double t = (double)(s + 1), alpha = lr * std::sqrt(1 - std::pow(b2, t)) / (1 - std::pow(b1, t));
    for (size_t i = 0; i < p.size(); ++i) {
      double g = kGrads[s][i];
      p[i] -= p[i] * wd * lr;
      m[i] += (g - m[i]) * (1 - b1);
      v[i] += (g * g - v[i]) * (1 - b2);
      p[i] -= alpha * m[i] / (std::sqrt(v[i]) + eps);
    }
  }
  return p;
}

// PyTorch: g += λ·p; m = β1·m + (1 − β1)·g; v = β2·v + (1 − β2)·g²;
// p −= lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ).
Values adam_torch_reference(double lr, double b1, double b2, double eps, double wd) {
  Values p(kStart.begin(), kStart.end()), m(p.size(), 0.0), v(p.size(), 0.0);
  for (size_t s = 0; s < kGrads.size(); ++s) {
    double t = (double)(s + 1);
    for (size_t i = 0; i < p.size(); ++i) {
      double g = kGrads[s][i] + wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      double m_hat = m[i] / (1 - std::pow(b1, t)), v_hat = v[i] / (1 - std::pow(b2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
  return p;
}

TEST(AdamKeras, MatchesKeras3UpdateOverThreeSteps) {
  Tensor p = param(kStart);
  Adam opt = Adam::keras({p}, 0.1, 0.5, 0.999);  // the DCGAN's betas
  run(opt, p);
  expect_close(p, adam_keras_reference(0.1, 0.5, 0.999, 1e-7, 0.0), 2e-6);

  Tensor q = param(kStart);
  Adam decayed = Adam::keras({q}, 0.1, 0.9, 0.999, 1e-7, 0.2);
  run(decayed, q);
  expect_close(q, adam_keras_reference(0.1, 0.9, 0.999, 1e-7, 0.2), 2e-6);
}

TEST(AdamTorch, MatchesPyTorchUpdateOverThreeSteps) {
  Tensor p = param(kStart);
  Adam opt = Adam::torch({p}, 0.1, 0.5, 0.999);
  run(opt, p);
  expect_close(p, adam_torch_reference(0.1, 0.5, 0.999, 1e-8, 0.0), 2e-6);

  Tensor q = param(kStart);
  Adam decayed = Adam::torch({q}, 0.1, 0.9, 0.999, 1e-8, 0.2);
  run(decayed, q);
  expect_close(q, adam_torch_reference(0.1, 0.9, 0.999, 1e-8, 0.2), 2e-6);
}

TEST(AdamConventions, EpsilonEntersInDifferentPlaces) {
  // One step with g = 1e-6, lr = 1, β = (0.9, 0.999):
  //   PyTorch: m̂ = g, √v̂ = g, step = g/(g + 1e-8) = 0.990;
  //   Keras:   step = √(1 − β2)·g / (√(1 − β2)·g + 1e-7) = 0.240 (its ε acts as ε/√(1 − β2ᵗ)).
  const double g = 1e-6, s = std::sqrt(0.001);
  Tensor a = param({0.0f}), b = param({0.0f});
  Adam torch_adam = Adam::torch({a}, 1.0);
  Adam keras_adam = Adam::keras({b}, 1.0);
  set_grad(a, {(float)g});
  set_grad(b, {(float)g});
  torch_adam.step();
  keras_adam.step();
  double gf = (float)g;
  expect_close(a, {-gf / (gf + 1e-8)}, 1e-5);
  expect_close(b, {-s * gf / (s * gf + 1e-7)}, 1e-5);
  EXPECT_NEAR(a.item(), -0.990, 1e-3);
  EXPECT_NEAR(b.item(), -0.240, 1e-3);
}

TEST(AdamConventions, StepCountsPerParameterForPyTorchAndGloballyForKeras) {
  // A parameter that skips a step: PyTorch's bias correction uses its own count (1 here),
  // Keras' uses the optimizer's iterations (2).
  for (AdamConvention c : {AdamConvention::Torch, AdamConvention::Keras}) {
    Tensor p = param({1.0f}), q = param({1.0f});
    Adam opt({p, q}, AdamOptions{.lr = 0.1, .eps = 1e-8, .convention = c});
    set_grad(p, {1.0f});
    opt.step();  // q has no gradient: skipped, unchanged
    EXPECT_EQ(q.item(), 1.0f);
    EXPECT_EQ(opt.updates(1), 0);
    set_grad(q, {1.0f});
    p.zero_grad();
    opt.step();
    EXPECT_EQ(opt.iterations(), 2);
    EXPECT_EQ(opt.updates(0), 1);
    EXPECT_EQ(opt.updates(1), 1);
    // First update of q with g = 1: PyTorch's step is lr·1/(1 + ε) ≈ 0.1 (t = 1);
    // Keras' is lr·√(1 − β2²)/(1 − β1²)·(1 − β1)/(√(1 − β2) + ε) (t = 2).
    double keras = 0.1 * std::sqrt(1 - 0.999 * 0.999) / (1 - 0.81) * 0.1 / (std::sqrt(0.001) + 1e-8);
    expect_close(q, {1.0 - (c == AdamConvention::Torch ? 0.1 / (1 + 1e-8) : keras)}, 1e-6);
  }
}

// ---------------------------------------------------------------------------------------------
// Optimizer base: state dicts, skipping, validation
// ---------------------------------------------------------------------------------------------

using OptimizerFactory = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;

std::vector<std::pair<std::string, OptimizerFactory>> factories() {
  return {
      {"sgd", [](std::vector<Tensor> p) { return std::make_unique<SGD>(std::move(p), 0.1, 0.9, true, 0.01); }},
      {"adam keras", [](std::vector<Tensor> p) { return std::make_unique<Adam>(Adam::keras(std::move(p), 0.1, 0.5)); }},
      {"adam torch",
       [](std::vector<Tensor> p) { return std::make_unique<Adam>(Adam::torch(std::move(p), 0.1, 0.5, 0.999, 1e-8, 0.01)); }},
  };
}

TEST(SgdAdamStateDict, RestoredOptimizerContinuesIdentically) {
  for (auto& [label, make] : factories()) {
    SCOPED_TRACE(label);
    // Uninterrupted: three steps. The second parameter never has a gradient.
    Tensor a = param(kStart), a_idle = param({7.0f});
    auto opt_a = make({a, a_idle});
    run(*opt_a, a, 2);
    std::map<std::string, Tensor> saved = opt_a->state_dict();
    EXPECT_TRUE(saved.count("step"));
    EXPECT_EQ(saved.at("step").item(), 2.0f);
    for (const auto& [key, value] : saved) EXPECT_EQ(key.find(".1"), std::string::npos) << key;

    // Restored: a fresh optimizer over a copy of the parameters, loaded from the saved state.
    Tensor b = param(a.to_vector()), b_idle = param({7.0f});
    auto opt_b = make({b, b_idle});
    opt_b->load_state_dict(saved);
    EXPECT_EQ(opt_b->iterations(), 2);
    EXPECT_EQ(opt_b->updates(0), 2);
    EXPECT_EQ(opt_b->updates(1), 0);

    set_grad(a, kGrads[2]);
    opt_a->step();  // must not touch b's state: load_state_dict copied it
    set_grad(b, kGrads[2]);
    opt_b->step();
    EXPECT_EQ(a.to_vector(), b.to_vector());
    EXPECT_EQ(b_idle.item(), 7.0f);
    auto sa = opt_a->state_dict(), sb = opt_b->state_dict();
    ASSERT_EQ(sa.size(), sb.size());
    for (const auto& [key, value] : sa) EXPECT_EQ(value.to_vector(), sb.at(key).to_vector()) << key;
  }
}

TEST(SgdAdamStateDict, BadStatesAreRejectedAndChangeNothing) {
  Tensor p = param(kStart);
  Adam opt = Adam::torch({p});
  set_grad(p, kGrads[0]);
  opt.step();
  auto good = opt.state_dict();
  EXPECT_TRUE(good.count("adam.m.0") && good.count("adam.v.0") && good.count("adam.step.0"));
  auto without_step = good;
  without_step.erase("step");
  expect_error([&] { opt.load_state_dict(without_step); }, {"Adam", "step"});
  auto unknown = good;
  unknown["adam.w.0"] = zeros({3});
  expect_error([&] { opt.load_state_dict(unknown); }, {"Adam", "adam.w.0"});
  auto wrong_shape = good;
  wrong_shape["adam.m.0"] = zeros({4});
  expect_error([&] { opt.load_state_dict(wrong_shape); }, {"adam.m.0", "(4,)", "(3,)"});
  auto out_of_range = good;
  out_of_range["adam.v.5"] = zeros({3});
  expect_error([&] { opt.load_state_dict(out_of_range); }, {"adam.v.5", "parameter 5"});
  auto foreign = good;
  foreign["sgd.momentum.0"] = zeros({3});
  expect_error([&] { opt.load_state_dict(foreign); }, {"sgd.momentum.0"});
  EXPECT_EQ(opt.iterations(), 1);
  EXPECT_EQ(opt.state_dict().at("adam.m.0").to_vector(), good.at("adam.m.0").to_vector());
}

TEST(SgdAdamBasics, ValidationAndZeroGrad) {
  Tensor p = param(kStart);
  expect_error([] { SGD({}, 0.1); }, {"SGD", "no parameters"});
  expect_error([&] { SGD({p, p}, 0.1); }, {"SGD", "parameter 1", "twice"});
  expect_error([&] { SGD({p}, -0.1); }, {"SGD", "lr"});
  expect_error([&] { SGD({p}, 0.1, 0.0, true); }, {"SGD", "nesterov"});
  expect_error([&] { Adam::torch({p}, 0.1, 1.0); }, {"Adam", "beta1"});
  expect_error([&] { Adam::keras({p}, 0.1, 0.9, 0.999, 0.0); }, {"Adam", "eps"});

  SGD opt({p}, 0.1);
  opt.step();  // no gradient anywhere: nothing happens, not even the count
  EXPECT_EQ(opt.iterations(), 0);
  EXPECT_EQ(p.to_vector(), kStart);
  set_grad(p, kGrads[0]);
  Tensor handle = p;  // another handle to the same parameter sees the update
  opt.step();
  EXPECT_EQ(handle.to_vector(), p.to_vector());
  EXPECT_NE(p.to_vector(), kStart);
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
}

// ---------------------------------------------------------------------------------------------
// Exponential moving average
// ---------------------------------------------------------------------------------------------

TEST(EmaWeights, UpdateCopyToSwapAndStateDict) {
  manual_seed(3);
  Dense model({.units = 2, .in_features = 3});
  std::vector<float> w0 = model.weight.to_vector();
  ExponentialMovingAverage ema(model, 0.9);
  EXPECT_EQ(ema.shadows().size(), 2u);  // weight and bias

  // Two "training steps" that set the weight to known values; the shadow follows
  // s ← 0.9·s + 0.1·p.
  Values expected(w0.begin(), w0.end());
  for (float value : {1.0f, -2.0f}) {
    {
      NoGradGuard no_grad;
      fill_(model.weight, value);
    }
    ema.update();
    for (double& s : expected) s = 0.9 * s + (double)(float)(1.0 - 0.9) * value;
  }
  EXPECT_EQ(ema.num_updates(), 2);
  expect_close(ema.shadows()[0].second, expected, 1e-6);

  // copy_to: another instance receives the averages.
  manual_seed(4);
  Dense sampler({.units = 2, .in_features = 3});
  ema.copy_to(sampler);
  EXPECT_EQ(sampler.weight.to_vector(), ema.shadows()[0].second.to_vector());

  // swap twice: the training model gets the averages, then its own weights back.
  std::vector<float> trained = model.weight.to_vector(), averaged = ema.shadows()[0].second.to_vector();
  ema.swap(model);
  EXPECT_EQ(model.weight.to_vector(), averaged);
  ema.swap(model);
  EXPECT_EQ(model.weight.to_vector(), trained);
  EXPECT_EQ(ema.shadows()[0].second.to_vector(), averaged);

  // State dict round trip.
  ExponentialMovingAverage restored(model, 0.9);
  restored.load_state_dict(ema.state_dict());
  EXPECT_EQ(restored.num_updates(), 2);
  EXPECT_EQ(restored.shadows()[0].second.to_vector(), averaged);
  auto bad = ema.state_dict();
  bad["ema.weight"] = zeros({3, 2});
  expect_error([&] { restored.load_state_dict(bad); }, {"ema.weight", "(3, 2)", "(2, 3)"});
  Dense other({.units = 4, .in_features = 3});
  expect_error([&] { ema.copy_to(other); }, {"copy_to", "weight"});
}

// ---------------------------------------------------------------------------------------------
// Masked weights stay exactly zero
// ---------------------------------------------------------------------------------------------

// Every weight where window == 0 is exactly 0, and so is its gradient when one is given.
void expect_masked_zero(const Tensor& weight, const Tensor& window, const char* what) {
  std::vector<float> w = weight.to_vector(), m = window.to_vector();
  std::vector<float> g = weight.grad().defined() ? weight.grad().to_vector() : std::vector<float>();
  ASSERT_EQ(w.size(), m.size());
  int64_t masked = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    if (m[i] != 0.0f) continue;
    ++masked;
    ASSERT_EQ(w[i], 0.0f) << what << ": masked weight " << i << " moved";
    if (!g.empty()) {
      ASSERT_EQ(g[i], 0.0f) << what << ": masked weight " << i << " has a gradient";
    }
  }
  ASSERT_GT(masked, 0) << what << ": the window masks nothing, the test would prove nothing";
  ASSERT_LT(masked, (int64_t)w.size()) << what << ": the window masks everything";
}

TEST(MaskedWeights, StayExactlyZeroUnderSgdMomentumAndBothAdams) {
  for (auto& [label, make] : factories()) {
    SCOPED_TRACE(label);
    manual_seed(7);
    mDense dense({.units = 16, .in_features = 32, .window = {.form = "2d", .input2d_width = 8, .output2d_width = 4,
                  .window2d_width = 0.4}});
    mConv2D conv({.filters = 8, .kernel_size = 3, .padding = "same", .in_channels = 4, .window = {.form = "2d",
                  .input2d_width = 2, .output2d_width = 4, .window2d_width = 0.4}});
    std::vector<Tensor> params = dense.parameters();
    for (const Tensor& t : conv.parameters()) params.push_back(t);
    auto opt = make(params);
    std::vector<float> dense_start = dense.weight.to_vector(), conv_start = conv.weight.to_vector();

    Generator gen(99);
    for (int step = 0; step < 4; ++step) {
      Tensor x1 = randn({4, 32}, gen), t1 = randn({4, 16}, gen);
      Tensor x2 = randn({2, 4, 5, 5}, gen), t2 = randn({2, 8, 5, 5}, gen);
      Tensor loss = add(mse(t1, dense(x1)), mse(t2, conv(x2)));
      opt->zero_grad();
      loss.backward();
      expect_masked_zero(dense.weight, dense.window, "mDense");
      expect_masked_zero(conv.weight, conv.window, "mConv2D");
      opt->step();
      expect_masked_zero(dense.weight, dense.window, "mDense");
      expect_masked_zero(conv.weight, conv.window, "mConv2D");
    }
    EXPECT_NE(dense.weight.to_vector(), dense_start);  // the unmasked weights did train
    EXPECT_NE(conv.weight.to_vector(), conv_start);
  }
}

// ---- the one-pass optimizer updates ----

// Backend::optimizer_update gives the bits of the in-place op sequences the optimizers used before
// it (written out here, in their order), for every kind, over three steps on values with a wide range.
TEST(OptimizerUpdate, OnePassEqualsTheInPlaceOpsBitForBit) {
  struct Kind {
    const char* name;
    OptimizerUpdate update;
    std::function<void(const OptimizerScalars&, Tensor& p, const Tensor& g, Tensor& a, Tensor& b)> ops;
  };
  const std::vector<Kind> kinds = {
      {"adam keras", OptimizerUpdate::AdamKeras,
       [](const OptimizerScalars& s, Tensor& p, const Tensor& g, Tensor& m, Tensor& v) {
         lerp_(m, g, s.one_minus_beta1);
         lerp_(v, mul(g, g), s.one_minus_beta2);
         sub_(p, div(mul(m, s.lr), add(sqrt(v), s.eps)));
       }},
      {"adam torch", OptimizerUpdate::AdamTorch,
       [](const OptimizerScalars& s, Tensor& p, const Tensor& g, Tensor& m, Tensor& v) {
         mul_(m, s.beta1);
         axpy_(m, s.one_minus_beta1, g);
         mul_(v, s.beta2);
         addcmul_(v, s.one_minus_beta2, g, g);
         addcdiv_(p, -s.lr, m, add(div(sqrt(v), scalar(s.sqrt_bias_correction2)), s.eps));
       }},
      {"rmsprop keras", OptimizerUpdate::RMSpropKeras,
       [](const OptimizerScalars& s, Tensor& p, const Tensor& g, Tensor& v, Tensor&) {
         mul_(v, s.rho);
         addcmul_(v, s.one_minus_rho, g, g);
         sub_(p, div(mul(g, s.lr), sqrt(add(v, s.eps))));
       }},
      {"rmsprop torch", OptimizerUpdate::RMSpropTorch,
       [](const OptimizerScalars& s, Tensor& p, const Tensor& g, Tensor& v, Tensor&) {
         mul_(v, s.rho);
         addcmul_(v, s.one_minus_rho, g, g);
         Tensor avg = sqrt(v);
         add_scalar_(avg, s.eps);
         addcdiv_(p, -s.lr, g, avg);
       }},
      {"rmsprop tf2", OptimizerUpdate::RMSpropTF2,
       [](const OptimizerScalars& s, Tensor& p, const Tensor& g, Tensor& v, Tensor&) {
         copy_(v, add(mul(v, s.rho), mul(mul(g, g), s.one_minus_rho)));
         sub_(p, div(mul(g, s.lr), add(sqrt(v), s.eps)));
       }},
  };
  OptimizerScalars s;
  s.lr = 0.0123f;
  s.beta1 = 0.9f, s.one_minus_beta1 = (float)(1.0 - 0.9);
  s.beta2 = 0.999f, s.one_minus_beta2 = (float)(1.0 - 0.999);
  s.rho = 0.9f, s.one_minus_rho = (float)(1.0 - 0.9);
  s.eps = 1e-7f;
  s.sqrt_bias_correction2 = 0.0447f;
  Generator gen(77);
  const int64_t n = 70001;  // above the parallel threshold, odd
  Tensor p0 = randn({n}, gen), a0 = mul(randn({n}, gen), 0.1f), b0 = mul(rand({n}, gen), 0.01f);
  for (const Kind& k : kinds) {
    SCOPED_TRACE(k.name);
    // RMSprop's one slot is a second moment (v ≥ 0); Adam's first slot is m, of either sign
    const bool second_moment_first = k.update != OptimizerUpdate::AdamKeras && k.update != OptimizerUpdate::AdamTorch;
    const Tensor& first = second_moment_first ? b0 : a0;
    Tensor p = p0.clone(), a = first.clone(), b = b0.clone();
    Tensor q = p0.clone(), c = first.clone(), d = b0.clone();
    for (int step = 0; step < 3; ++step) {
      Tensor g = mul(randn({n}, gen), step == 1 ? 1e-4f : 3.0f);
      k.ops(s, p, g, a, b);
      backend(Device::CPU).optimizer_update(k.update, s, q.data(), g.data(), c.data(), d.data(), n);
    }
    for (float x : p.to_vector()) ASSERT_TRUE(std::isfinite(x)) << "the case itself must stay finite";
    EXPECT_EQ(q.to_vector(), p.to_vector()) << "parameter";
    EXPECT_EQ(c.to_vector(), a.to_vector()) << "first slot";
    EXPECT_EQ(d.to_vector(), b.to_vector()) << "second slot";
  }
}

}  // namespace
}  // namespace murine
