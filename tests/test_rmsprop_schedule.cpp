// RMSprop in its three conventions (Keras 3, PyTorch, TF2) against trajectories computed in double
// from the formulas in optim/rmsprop.h, a masked weight that must stay exactly zero, the state dict
// round trip, and the learning-rate schedules (values, parsing, errors). The frameworks' own
// numbers are tests/reference/rmsprop/ (RmspropReference.*, below).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "io/safetensors.h"
#include "optim/lr_schedule.h"
#include "optim/rmsprop.h"
#include "tensor/error.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::expect_error;
using Values = std::vector<double>;

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

// |actual − expected| <= tol·max(1e-3, |expected|) elementwise.
void expect_close(const Tensor& actual, const Values& expected, double tol) {
  std::vector<float> a = actual.to_vector();
  ASSERT_EQ(a.size(), expected.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], expected[i], tol * std::max(1e-3, std::fabs(expected[i]))) << "element " << i;
}

const std::vector<float> kStart = {0.5f, -0.25f, 0.125f, 0.0f};
// Per step. Entry 2 is tiny (≪ √ε for Keras' ε = 1e-7), where the place of ε matters; entry 3 is a
// masked weight: zero value, zero gradient.
const std::vector<std::vector<float>> kGrads = {
    {0.5f, -1.0f, 2e-5f, 0.0f}, {0.25f, 0.5f, -3e-5f, 0.0f}, {-1.0f, 0.75f, 1e-5f, 0.0f}, {0.1f, -0.2f, 4e-5f, 0.0f}};

void run(Optimizer& opt, Tensor& p) {
  for (const auto& g : kGrads) {
    set_grad(p, g);
    opt.step();
  }
}

struct Hyper {
  double lr, rho, eps, momentum;
  bool centered;
  double weight_decay = 0;
};

// The three conventions of rmsprop.h in double.
Values reference(RMSpropConvention c, const Hyper& h) {
  Values p(kStart.begin(), kStart.end()), v(p.size(), 0), mg(p.size(), 0), mom(p.size(), 0);
  for (const auto& grads : kGrads) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grads[i] + h.weight_decay * p[i];
      v[i] = h.rho * v[i] + (1 - h.rho) * g * g;
      mg[i] = h.rho * mg[i] + (1 - h.rho) * g;
      const double second = h.centered ? v[i] - mg[i] * mg[i] : v[i];
      const bool eps_inside = c == RMSpropConvention::Keras || (c == RMSpropConvention::TF2 && h.momentum > 0);
      const double denom = eps_inside ? std::sqrt(second + h.eps) : std::sqrt(second) + h.eps;
      if (h.momentum == 0) {
        p[i] -= h.lr * g / denom;
      } else if (c == RMSpropConvention::Torch) {
        mom[i] = h.momentum * mom[i] + g / denom;  // the buffer without lr
        p[i] -= h.lr * mom[i];
      } else {
        mom[i] = h.momentum * mom[i] + h.lr * g / denom;  // the buffer carries lr
        p[i] -= mom[i];
      }
    }
  }
  return p;
}

RMSprop make(RMSpropConvention c, const Hyper& h, std::vector<Tensor> params) {
  switch (c) {
    case RMSpropConvention::Keras: return RMSprop::keras(std::move(params), h.lr, h.rho, h.eps, h.momentum, h.centered);
    case RMSpropConvention::Torch:
      return RMSprop::torch(std::move(params), h.lr, h.rho, h.eps, h.weight_decay, h.momentum, h.centered);
    case RMSpropConvention::TF2: return RMSprop::tf2(std::move(params), h.lr, h.rho, h.eps, h.momentum, h.centered);
  }
  throw Error("unreachable");
}

const char* name(RMSpropConvention c) {
  return c == RMSpropConvention::Keras ? "keras" : c == RMSpropConvention::Torch ? "torch" : "tf2";
}

TEST(RMSprop, MatchesEachConventionOverFourSteps) {
  const std::vector<Hyper> hypers = {{0.01, 0.9, 1e-7, 0, false},  {0.01, 0.9, 1e-7, 0.9, false},
                                     {0.01, 0.9, 1e-7, 0, true},   {0.01, 0.9, 1e-7, 0.5, true},
                                     {0.01, 0.99, 1e-8, 0, false}, {0.01, 0.99, 1e-8, 0.9, true, 0.1}};
  for (RMSpropConvention c : {RMSpropConvention::Keras, RMSpropConvention::Torch, RMSpropConvention::TF2}) {
    for (const Hyper& h : hypers) {
      if (h.weight_decay != 0 && c != RMSpropConvention::Torch) continue;
      SCOPED_TRACE(std::string(name(c)) + " momentum " + std::to_string(h.momentum) +
                   (h.centered ? " centered" : "") + " eps " + std::to_string(h.eps));
      Tensor p = param(kStart);
      RMSprop opt = make(c, h, {p});
      run(opt, p);
      expect_close(p, reference(c, h), 1e-5);
      EXPECT_EQ(p.to_vector()[3], 0.0f);  // the masked weight, exactly
      EXPECT_EQ(opt.iterations(), 4);
    }
  }
}

TEST(RMSprop, EpsilonInsideTheRootShrinksTinySteps) {
  // First step, g = 1e-5 ≪ √ε: v = 0.1·g² = 1e-11.
  // Keras 3: lr·g/√(v + ε) ≈ lr·g/√ε ≈ 0.0316·lr;  TF2 (momentum 0): lr·g/(√v + ε) ≈ 3.15·lr.
  Tensor a = param({0.0f}), b = param({0.0f});
  RMSprop keras = RMSprop::keras({a}, 1.0), tf2 = RMSprop::tf2({b}, 1.0);
  set_grad(a, {1e-5f});
  set_grad(b, {1e-5f});
  keras.step();
  tf2.step();
  EXPECT_NEAR(a.item(), -1e-5 / std::sqrt(1e-11 + 1e-7), 1e-7);
  EXPECT_NEAR(b.item(), -1e-5 / (std::sqrt(1e-11) + 1e-7), 1e-5);
  EXPECT_LT(std::fabs(a.item()), 0.05f);
  EXPECT_GT(std::fabs(b.item()), 3.0f);
}

TEST(RMSprop, DefaultsAreTheFrameworks) {
  Tensor p = param(kStart);
  const RMSpropOptions k = RMSprop::keras({p}).options(), t = RMSprop::torch({p}).options(),
                       f = RMSprop::tf2({p}).options();
  EXPECT_EQ(k.lr, 1e-3);
  EXPECT_EQ(k.rho, 0.9);
  EXPECT_EQ(k.eps, 1e-7);
  EXPECT_EQ(t.lr, 1e-2);
  EXPECT_EQ(t.rho, 0.99);
  EXPECT_EQ(t.eps, 1e-8);
  EXPECT_EQ(f.eps, 1e-7);
  EXPECT_TRUE(k.convention == RMSpropConvention::Keras && t.convention == RMSpropConvention::Torch &&
              f.convention == RMSpropConvention::TF2);
}

TEST(RMSprop, StateDictRoundTripContinuesIdentically) {
  for (RMSpropConvention c : {RMSpropConvention::Keras, RMSpropConvention::Torch, RMSpropConvention::TF2}) {
    SCOPED_TRACE(name(c));
    const Hyper h{0.01, 0.9, 1e-7, 0.5, true};
    Tensor a = param(kStart);
    RMSprop opt_a = make(c, h, {a});
    for (size_t s = 0; s < 2; ++s) {
      set_grad(a, kGrads[s]);
      opt_a.step();
    }
    std::map<std::string, Tensor> saved = opt_a.state_dict();
    for (const char* key : {"step", "rmsprop.v.0", "rmsprop.momentum.0", "rmsprop.mean_grad.0", "rmsprop.step.0"})
      EXPECT_TRUE(saved.count(key)) << key;

    Tensor b = param(a.to_vector());
    RMSprop opt_b = make(c, h, {b});
    opt_b.load_state_dict(saved);
    EXPECT_EQ(opt_b.iterations(), 2);
    set_grad(a, kGrads[2]);
    opt_a.step();
    set_grad(b, kGrads[2]);
    opt_b.step();
    EXPECT_EQ(a.to_vector(), b.to_vector());
  }
  // Without momentum or centering, only v is kept.
  Tensor p = param(kStart);
  RMSprop plain = RMSprop::torch({p});
  set_grad(p, kGrads[0]);
  plain.step();
  auto state = plain.state_dict();
  EXPECT_TRUE(state.count("rmsprop.v.0"));
  EXPECT_FALSE(state.count("rmsprop.momentum.0") || state.count("rmsprop.mean_grad.0"));
}

TEST(RMSprop, BadArgumentsAreRejected) {
  Tensor p = param(kStart);
  expect_error([&] { RMSprop::keras({p}, 1e-3, 1.0); }, {"RMSprop", "rho", "[0, 1)"});
  expect_error([&] { RMSprop::torch({p}, 1e-2, -0.1); }, {"RMSprop", "alpha"});
  expect_error([&] { RMSprop::keras({p}, 1e-3, 0.9, 0.0); }, {"RMSprop", "eps", "> 0"});
  expect_error([&] { RMSprop::tf2({p}, 1e-3, 0.9, 1e-7, 1.5); }, {"RMSprop", "momentum"});
  expect_error([&] { RMSprop::torch({p}, 1e-2, 0.99, 1e-8, -1.0); }, {"RMSprop", "weight_decay"});
  expect_error([&] { RMSprop({p}, RMSpropOptions{.weight_decay = 0.1}); }, {"RMSprop", "weight_decay", "PyTorch"});
}

// ---------------------------------------------------------------------------------------------
// The frameworks' own trajectories: tests/reference/rmsprop/ (gen_torch_cases.py, gen_keras_cases.py)
// ---------------------------------------------------------------------------------------------

std::string reference_dir() {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root && *root ? root : ".") + "/tests/reference/rmsprop/";
}

// max|a − b| / max(max|b|, 1e-12)
double relative_error(const Tensor& got, const Tensor& want) {
  std::vector<float> a = got.to_vector(), b = want.to_vector();
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::fabs((double)a[i] - b[i]));
    scale = std::max(scale, std::fabs((double)b[i]));
  }
  return diff / std::max(scale, 1e-12);
}

// One framework's trajectories (<dir>/torch.json or keras.json, each listing its .safetensors):
// murine's RMSprop from the same param_0 and grad_k must give every param_k to 1e-6 relative.
void check_trajectories(const std::string& framework) {
  std::ifstream in(reference_dir() + framework + ".json");
  ASSERT_TRUE(in) << "missing " << reference_dir() << framework << ".json";
  nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_GE(cases.size(), 5u);
  for (const auto& c : cases) {
    const std::string file = c.at("file").get<std::string>();
    SCOPED_TRACE(file);
    auto t = load_safetensors(reference_dir() + file);
    Tensor p = t.at("param_0").detach().clone();
    p.requires_grad_();
    const double lr = c.at("lr").get<double>(), rho = c.at("rho").get<double>(), eps = c.at("eps").get<double>();
    const double momentum = c.at("momentum").get<double>(), weight_decay = c.value("weight_decay", 0.0);
    const bool centered = c.at("centered").get<bool>();
    ASSERT_EQ(c.at("convention").get<std::string>(), framework);
    RMSprop opt = framework == "torch" ? RMSprop::torch({p}, lr, rho, eps, weight_decay, momentum, centered)
                                       : RMSprop::keras({p}, lr, rho, eps, momentum, centered);
    const int64_t steps = c.at("steps").get<int64_t>();
    double worst = 0;
    for (int64_t s = 1; s <= steps; ++s) {
      p.zero_grad();
      sum(mul(p, t.at("grad_" + std::to_string(s)))).backward();  // p.grad = grad_s exactly
      opt.step();
      worst = std::max(worst, relative_error(p, t.at("param_" + std::to_string(s))));
    }
    EXPECT_LE(worst, 1e-6);
    std::cout << "[ measured ] " << file << ": worst relative error over " << steps << " steps " << worst << "\n";
  }
}

TEST(RmspropReference, MatchesTorchOptimRMSprop) { check_trajectories("torch"); }
TEST(RmspropReference, MatchesKerasOptimizersRMSprop) { check_trajectories("keras"); }

// ---------------------------------------------------------------------------------------------
// Learning-rate schedules
// ---------------------------------------------------------------------------------------------

TEST(LrSchedule, StepDecayCountsTheMilestonesPassed) {
  LrSchedule vgg = LrSchedule::step({150}, 0.2);  // "0.0005, divided by 5 from epoch 150"
  EXPECT_DOUBLE_EQ(vgg.lr(5e-4, 0, 0), 5e-4);
  EXPECT_DOUBLE_EQ(vgg.lr(5e-4, 149, 100000), 5e-4);
  EXPECT_DOUBLE_EQ(vgg.lr(5e-4, 150, 0), 1e-4);
  EXPECT_DOUBLE_EQ(vgg.lr(5e-4, 400, 0), 1e-4);
  LrSchedule two = LrSchedule::step({100, 150}, 0.1);
  EXPECT_DOUBLE_EQ(two.lr(1.0, 99, 0), 1.0);
  EXPECT_DOUBLE_EQ(two.lr(1.0, 100, 0), 0.1);
  EXPECT_DOUBLE_EQ(two.lr(1.0, 150, 0), 0.1 * 0.1);
}

TEST(LrSchedule, InverseTimeIsKeras2Decay) {
  // tf.keras 2.x: lr / (1 + decay·iterations), iterations = steps already taken.
  LrSchedule paper = LrSchedule::inverse_time(1e-6);
  EXPECT_DOUBLE_EQ(paper.lr(1e-4, 0, 0), 1e-4);
  EXPECT_DOUBLE_EQ(paper.lr(1e-4, 3, 1000000), 1e-4 / 2.0);
  EXPECT_DOUBLE_EQ(paper.lr(1e-4, 0, 250), 1e-4 / (1 + 2.5e-4));
  EXPECT_DOUBLE_EQ(LrSchedule::constant().lr(0.3, 7, 9), 0.3);
  EXPECT_DOUBLE_EQ(LrSchedule().lr(0.3, 7, 9), 0.3);
}

TEST(LrSchedule, ParsesTheCliFormsAndWritesThemBack) {
  LrSchedule a = LrSchedule::parse("step:150:0.2");
  EXPECT_EQ(a.kind(), LrSchedule::Kind::Step);
  EXPECT_EQ(a.milestones(), (std::vector<int64_t>{150}));
  EXPECT_DOUBLE_EQ(a.factor(), 0.2);
  LrSchedule b = LrSchedule::parse("step:100,150:0.1");
  EXPECT_EQ(b.milestones(), (std::vector<int64_t>{100, 150}));
  LrSchedule c = LrSchedule::parse("inverse-time:1e-6");
  EXPECT_EQ(c.kind(), LrSchedule::Kind::InverseTime);
  EXPECT_DOUBLE_EQ(c.decay(), 1e-6);
  EXPECT_EQ(LrSchedule::parse("constant").kind(), LrSchedule::Kind::Constant);
  for (const char* text : {"constant", "step:150:0.2", "step:100,150:0.1", "inverse-time:1e-06"})
    EXPECT_EQ(LrSchedule::parse(text).str(), LrSchedule::parse(LrSchedule::parse(text).str()).str()) << text;
  EXPECT_EQ(b.str(), "step:100,150:0.10000000000000001");
}

TEST(LrSchedule, BadTextIsRejectedWithTheReason) {
  expect_error([] { LrSchedule::parse("cosine:10"); }, {"cosine:10", "unknown kind 'cosine'", "step:"});
  expect_error([] { LrSchedule::parse(""); }, {"learning-rate schedule", "empty"});
  expect_error([] { LrSchedule::parse("step:150"); }, {"step:150", "milestones and a factor"});
  expect_error([] { LrSchedule::parse("step:150:x"); }, {"step:150:x", "factor 'x'", "not a number"});
  expect_error([] { LrSchedule::parse("step:15a:0.2"); }, {"milestone '15a'"});
  expect_error([] { LrSchedule::parse("step:150,100:0.2"); }, {"step:150,100:0.2", "increase", "150 then 100"});
  expect_error([] { LrSchedule::parse("step:,150:0.2"); }, {"milestone ''"});
  expect_error([] { LrSchedule::parse("step:150:0"); }, {"step:150:0", "factor must be > 0"});
  expect_error([] { LrSchedule::parse("inverse-time:-1"); }, {"inverse-time:-1", "decay must be >= 0"});
  expect_error([] { LrSchedule::parse("inverse-time"); }, {"inverse-time", "one decay"});
  expect_error([] { LrSchedule::parse("constant:1"); }, {"constant:1", "no arguments"});
}

}  // namespace
}  // namespace murine
