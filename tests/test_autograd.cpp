// The autograd engine: accumulation into leaves, zero_grad, no-grad scopes, detach, non-scalar
// backward, diamond-shaped graphs, freed saved tensors and retain_graph.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/error.h"

namespace murine {
namespace {

Tensor param(std::vector<float> v, Shape s) {
  Tensor t = from_vector(v, s);
  t.requires_grad_();
  return t;
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor x = param({1, 2, 3}, {3});
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 4, 6}));
  sum(mul(x, x)).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{4, 8, 12}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
  sum(x).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1, 1}));
}

TEST(Autograd, DiamondGraphSumsBothPaths) {
  // y = a·x + x², dy/dx = a + 2x, reached through two paths from x.
  Tensor x = param({3}, {1});
  Tensor a = from_vector({2}, {1});
  Tensor u = mul(a, x), v = mul(x, x);
  sum(add(u, v)).backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 2 + 6);
}

TEST(Autograd, SharedGradientsDoNotAlias) {
  // add returns the same gradient tensor for both inputs; each leaf must own its copy.
  Tensor a = param({1, 1}, {2}), b = param({1, 1}, {2});
  sum(add(a, b)).backward();
  sum(mul(a, 3.0f)).backward();
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{4, 4}));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<float>{1, 1}));
}

TEST(Autograd, NoGradScopeRecordsNothing) {
  Tensor x = param({1, 2}, {2});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = mul(x, 2.0f);
    EXPECT_FALSE(grad_enabled());
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_FALSE(y.requires_grad());
  EXPECT_THROW(y.backward(ones({2})), Error);
}

TEST(Autograd, DetachCutsTheGraphButSharesStorage) {
  Tensor x = param({1, 2}, {2});
  Tensor y = mul(x, 3.0f);
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.data(), y.data());
  sum(add(mul(d, x), y)).backward();  // d is a constant: d/dx (d·x + 3x) = d + 3
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{6, 9}));
}

TEST(Autograd, ReshapeIsAViewOfTheSameStorage) {
  Tensor x = arange(0, 6);
  Tensor r = reshape(x, {2, 3});
  EXPECT_EQ(r.data(), x.data());
  r.data()[4] = 40;
  EXPECT_EQ(x.to_vector()[4], 40);
}

TEST(Autograd, NonScalarBackwardTakesAnExplicitGradient) {
  Tensor x = param({1, 2, 3}, {3});
  Tensor y = mul(x, x);
  EXPECT_THROW(y.backward(), Error);
  try {
    y.backward();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("(3,)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(y.backward(ones({2})), Error);  // wrong gradient shape
  y.backward(from_vector({1, 0, 2}, {3}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{2, 0, 12}));
}

TEST(Autograd, SecondWalkThroughFreedGraphIsAnError) {
  Tensor x = param({2}, {1});
  Tensor y = sum(exp(x));
  y.backward();
  try {
    y.backward();
    FAIL() << "second backward should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, RetainGraphAllowsASecondWalk) {
  Tensor x = param({2}, {1});
  Tensor y = sum(exp(x));
  y.backward(true);
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 2 * std::exp(2.0f));
}

TEST(Autograd, InputsWithoutRequiresGradGetNoGradient) {
  Tensor x = param({1, 2}, {2});
  Tensor c = from_vector({3, 4}, {2});
  sum(mul(x, c)).backward();
  EXPECT_FALSE(c.grad().defined());
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{3, 4}));
}

TEST(Autograd, BackwardOnALeaf) {
  Tensor x = param({1, 2}, {2});
  x.backward(from_vector({5, 6}, {2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{5, 6}));
}

TEST(Autograd, DeepChainDoesNotOverflowTheStack) {
  Tensor x = param({1}, {1});
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = add(y, 0.0f);
  y.backward();
  EXPECT_FLOAT_EQ(x.grad().item(), 1.0f);
}

TEST(Autograd, InPlaceAddOnAParameterNeedsNoGrad) {
  Tensor w = param({1, 2}, {2});
  EXPECT_THROW(add_(w, ones({2})), Error);
  NoGradGuard no_grad;
  add_(w, ones({2}));
  EXPECT_EQ(w.to_vector(), (std::vector<float>{2, 3}));
}

}  // namespace
}  // namespace murine
