// Central-difference gradient checks for the elementwise ops and activations, including
// broadcasting in both directions.
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;

TEST(GradElementwise, AddSubMulDivSameShape) {
  Tensor a = uniform_param({3, 4}, -2, 2, 1), b = uniform_param({3, 4}, 0.5, 2, 2);
  expect_gradients_match([](const Args& x) { return add(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return sub(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return mul(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return div(x[0], x[1]); }, {a, b});
}

TEST(GradElementwise, BroadcastingBothWays) {
  // (2, 1, 4) with (3, 1): the output is (2, 3, 4); each input's gradient is summed back.
  Tensor a = uniform_param({2, 1, 4}, -2, 2, 3), b = uniform_param({3, 1}, 0.5, 2, 4);
  expect_gradients_match([](const Args& x) { return add(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return sub(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return mul(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return div(x[0], x[1]); }, {a, b});
  Tensor s = uniform_param({}, 0.5, 1.5, 5);  // a 0-d tensor against a matrix
  expect_gradients_match([](const Args& x) { return mul(x[0], x[1]); }, {a, s});
}

TEST(GradElementwise, Pow) {
  Tensor a = uniform_param({2, 3}, 0.5, 2, 6), b = uniform_param({3}, -1.5, 2, 7);
  expect_gradients_match([](const Args& x) { return pow(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return pow(x[0], 3.0f); }, {a});
  expect_gradients_match([](const Args& x) { return pow(x[0], -0.5f); }, {a});
}

TEST(GradElementwise, MaximumMinimum) {
  // Values far enough apart that no pair is within the step h of a tie.
  Tensor a = from_vector({-1.0f, 2.0f, 0.5f, 3.0f, -2.0f, 1.0f}, {2, 3});
  Tensor b = from_vector({0.0f, 1.0f, 1.5f}, {3});
  a.requires_grad_();
  b.requires_grad_();
  expect_gradients_match([](const Args& x) { return maximum(x[0], x[1]); }, {a, b});
  expect_gradients_match([](const Args& x) { return minimum(x[0], x[1]); }, {a, b});
}

TEST(GradElementwise, MaximumSplitsTiesEqually) {
  Tensor a = from_vector({1.0f, 2.0f}, {2}), b = from_vector({1.0f, 1.0f}, {2});
  a.requires_grad_();
  b.requires_grad_();
  sum(maximum(a, b)).backward();
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{0.5f, 1.0f}));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<float>{0.5f, 0.0f}));
}

TEST(GradElementwise, UnaryMaths) {
  Tensor x = uniform_param({2, 5}, -2, 2, 8), pos = uniform_param({2, 5}, 0.3, 3, 9);
  expect_gradients_match([](const Args& v) { return neg(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return exp(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return log(v[0]); }, {pos});
  expect_gradients_match([](const Args& v) { return sqrt(v[0]); }, {pos});
  expect_gradients_match([](const Args& v) { return add(v[0], 1.5f); }, {x});
  expect_gradients_match([](const Args& v) { return mul(v[0], -2.5f); }, {x});
  expect_gradients_match([](const Args& v) { return 2.0f / v[0]; }, {pos});
  expect_gradients_match([](const Args& v) { return 1.0f - v[0]; }, {x});
}

TEST(GradElementwise, KinkedOpsAwayFromTheKink) {
  Tensor x = from_vector({-1.5f, -0.7f, -0.2f, 0.3f, 0.9f, 1.8f}, {6});
  x.requires_grad_();
  expect_gradients_match([](const Args& v) { return abs(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return clip(v[0], -1.0f, 1.0f); }, {x});
  expect_gradients_match([](const Args& v) { return relu(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return leaky_relu(v[0], 0.2f); }, {x});
}

TEST(GradElementwise, SmoothActivations) {
  Tensor x = uniform_param({3, 4}, -4, 4, 10);
  expect_gradients_match([](const Args& v) { return sigmoid(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return tanh(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return silu(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return softplus(v[0]); }, {x});
}

TEST(GradElementwise, WhereWithBroadcastMask) {
  Tensor cond = from_vector({1, 0, 1}, {3});
  Tensor a = uniform_param({2, 3}, -1, 1, 11), b = uniform_param({2, 1}, -1, 1, 12);
  expect_gradients_match([cond](const Args& v) { return where(cond, v[0], v[1]); }, {a, b});
}

TEST(GradElementwise, ComparisonsCarryNoGradient) {
  Tensor a = uniform_param({4}, -1, 1, 13), b = uniform_param({4}, -1, 1, 14);
  Tensor m = lt(a, b);
  EXPECT_FALSE(m.requires_grad());
}

}  // namespace
}  // namespace murine
