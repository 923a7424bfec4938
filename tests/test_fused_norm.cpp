// The fused group_norm op (autograd/ops_norm.cpp, tensor/cpu_norm.cpp) against the same normalisation
// composed of autograd ops (reshape, mean, sub, mul, sqrt: the layer's former forward), values and the
// three gradients, over awkward shapes (one group, one group per channel, a single position, batch 1,
// groups longer than a summing chunk, a large mean); against central differences; and its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "layers/group_normalization.h"
#include "tests/expect_error.h"
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_error;
using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;

// The composed normalisation: x (N, C, …) viewed as (N, G, m), centred, scaled by 1/√(σ² + ε), then γ, β.
Tensor composed_group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, float eps) {
  const int64_t N = x.size(0), C = x.size(1);
  Tensor grouped = reshape(x, {N, groups, x.numel() / (N * groups)});
  Tensor centered = sub(grouped, mean(grouped, {2}, true));
  Tensor variance = mean(mul(centered, centered), {2}, true);
  Tensor y = reshape(mul(centered, 1.0f / sqrt(add(variance, eps))), x.shape());
  Shape per_channel(x.rank(), 1);
  per_channel[1] = C;
  if (weight.defined()) y = mul(y, reshape(weight, per_channel));
  if (bias.defined()) y = add(y, reshape(bias, per_channel));
  return y;
}

// max |a − b| / max(max |b|, 1) over the elements: the reference cases' measure, with a floor for a
// result that is zero up to rounding (one value per group: x̂ = 0, so dx is 0 in exact arithmetic).
double relative_error(const Tensor& a, const Tensor& b) {
  std::vector<float> av = a.to_vector(), bv = b.to_vector();
  EXPECT_EQ(av.size(), bv.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < av.size() && i < bv.size(); ++i) {
    diff = std::max(diff, std::fabs((double)av[i] - (double)bv[i]));
    scale = std::max(scale, std::fabs((double)bv[i]));
  }
  return diff / std::max(scale, 1.0);
}

struct Case {
  Shape shape;
  int64_t groups;
  float offset = 0;    // added to x: a large mean tests the centred statistics
  bool affine = true;  // γ and β, or neither
};

std::string describe(const Case& c) {
  return shape_str(c.shape) + " groups " + std::to_string(c.groups) + " offset " + std::to_string(c.offset) +
         (c.affine ? "" : " without γ, β");
}

// Runs both forms on copies of the same inputs with the same dL/dy; compares y, dx, dγ, dβ.
void expect_fused_equals_composed(const Case& c, uint64_t seed) {
  const int64_t C = c.shape[1];
  Tensor x0 = uniform_param(c.shape, -2, 3, seed).detach() + c.offset;
  Tensor w0 = uniform_param({C}, -1.5, 1.5, seed + 1).detach(), b0 = uniform_param({C}, -1, 1, seed + 2).detach();
  Generator gen(seed + 3);
  Tensor gy = randn(c.shape, gen);
  Tensor results[2][4];  // [fused, composed][y, dx, dγ, dβ]
  for (int form = 0; form < 2; ++form) {
    Tensor x = x0.clone().requires_grad_();
    Tensor w = c.affine ? w0.clone().requires_grad_() : Tensor();
    Tensor b = c.affine ? b0.clone().requires_grad_() : Tensor();
    Tensor y = form == 0 ? group_norm(x, c.groups, w, b, 1e-5f) : composed_group_norm(x, c.groups, w, b, 1e-5f);
    y.backward(gy);
    results[form][0] = y.detach();
    results[form][1] = x.grad();
    if (c.affine) {
      results[form][2] = w.grad();
      results[form][3] = b.grad();
    }
  }
  const char* names[] = {"y", "dx", "dγ", "dβ"};
  for (int k = 0; k < (c.affine ? 4 : 2); ++k) {
    ASSERT_TRUE(results[0][k].defined() && results[1][k].defined()) << describe(c) << ": " << names[k];
    EXPECT_LT(relative_error(results[0][k], results[1][k]), 1e-5) << describe(c) << ": " << names[k];
  }
}

TEST(FusedGroupNorm, EqualsTheComposedOpsOnAwkwardShapes) {
  const std::vector<Case> cases = {
      {{2, 6, 4, 5}, 3},       // the ordinary case
      {{3, 8, 2, 3}, 1},       // one group: layer normalisation over (C, H, W)
      {{2, 8, 3, 3}, 8},       // one group per channel: instance normalisation
      {{4, 6, 1, 1}, 2},       // a single position per channel
      {{1, 4, 5, 3}, 2},       // batch 1
      {{1, 3, 1, 1}, 3},       // one value per group: x̂ = 0, dx = 0
      {{2, 4, 7}, 2},          // (N, C, L)
      {{2, 4, 32, 32}, 1},     // 4096 values a group: several summing chunks
      {{2, 6, 4, 5}, 3, 100},  // mean far from zero
      {{2, 6, 4, 5}, 2, 0, false},
  };
  uint64_t seed = 40;
  for (const Case& c : cases) expect_fused_equals_composed(c, seed += 4);
}

TEST(FusedGroupNorm, GradientsMatchCentralDifferences) {
  Tensor x = uniform_param({2, 4, 2, 3}, -1, 1, 60);
  Tensor w = uniform_param({4}, 0.5, 1.5, 61), b = uniform_param({4}, -0.5, 0.5, 62);
  expect_gradients_match([](const Args& v) { return group_norm(v[0], 2, v[1], v[2], 1e-5f); }, {x, w, b});
  Tensor single = uniform_param({1, 3, 4, 1}, -1, 1, 63);  // batch 1, groups = channels, no γ, β
  expect_gradients_match([](const Args& v) { return group_norm(v[0], 3, Tensor(), Tensor(), 1e-3f); }, {single});
  Tensor layer = uniform_param({3, 2, 1, 1}, -1, 1, 64);  // one group over a single position's channels
  expect_gradients_match([](const Args& v) { return group_norm(v[0], 1, Tensor(), Tensor(), 1e-3f); }, {layer});
}

TEST(FusedGroupNorm, OnlyTheWantedGradientsAreComputed) {
  Tensor x = uniform_param({2, 4, 3, 3}, -1, 1, 70);
  Tensor w = uniform_param({4}, 0.5, 1.5, 71).detach(), b = uniform_param({4}, -0.5, 0.5, 72);
  group_norm(x.detach(), 2, w, b, 1e-5f).backward(ones({2, 4, 3, 3}));  // only β needs a gradient
  EXPECT_FALSE(w.grad().defined());
  ASSERT_TRUE(b.grad().defined());
  for (float v : b.grad().to_vector()) EXPECT_NEAR(v, 18.0f, 1e-5f);  // dβ_c = Σ_{n,s} dy = 2·9
}

TEST(FusedGroupNorm, TheLayerUsesIt) {
  manual_seed(80);
  GroupNormalization gn({.groups = 2, .in_channels = 4});
  Tensor x = uniform_param({2, 4, 3, 3}, -1, 1, 81);
  Tensor y = gn(x);
  ASSERT_TRUE(y.impl()->grad_fn != nullptr);
  EXPECT_EQ(y.impl()->grad_fn->op, std::string("group_norm"));
}

TEST(FusedGroupNorm, ErrorsNameTheOpTheArgumentAndTheShapes) {
  Tensor x = zeros({2, 6, 3, 3});
  expect_error([&] { group_norm(x, 4, Tensor(), Tensor(), 1e-5f); }, {"group_norm", "groups", "6 channels", "(2, 6, 3, 3)"});
  expect_error([&] { group_norm(x, 0, Tensor(), Tensor(), 1e-5f); }, {"group_norm", "groups", "0"});
  expect_error([&] { group_norm(zeros({6}), 1, Tensor(), Tensor(), 1e-5f); }, {"group_norm", "(6,)"});
  expect_error([&] { group_norm(zeros({2, 0, 3}), 1, Tensor(), Tensor(), 1e-5f); }, {"group_norm", "empty"});
  expect_error([&] { group_norm(x, 3, zeros({4}), Tensor(), 1e-5f); }, {"group_norm", "weight", "(6,)", "(4,)"});
  expect_error([&] { group_norm(x, 3, Tensor(), zeros({6, 1}), 1e-5f); }, {"group_norm", "bias", "(6, 1)"});
  expect_error([&] { group_norm(x, 3, Tensor(), Tensor(), 0.0f); }, {"group_norm", "epsilon"});
}

}  // namespace
}  // namespace murine
