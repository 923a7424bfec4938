// Op values against known results: small hand-computed cases, and NumPy results committed as
// .npy fixtures (tests/fixtures/gen_op_fixtures.py writes them; Python is not needed to test).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "autograd/ops.h"
#include "io/npy.h"

namespace murine {
namespace {

std::string fixture(const std::string& name) {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/fixtures/ops/" + name + ".npy";
}

void expect_close(const Tensor& got, const std::string& name, float tol = 1e-5f) {
  Tensor want = load_npy(fixture(name));
  ASSERT_EQ(got.shape(), want.shape()) << name;
  std::vector<float> g = got.to_vector(), w = want.to_vector();
  for (size_t i = 0; i < g.size(); ++i)
    EXPECT_NEAR(g[i], w[i], tol * std::max(1.0f, std::fabs(w[i]))) << name << " element " << i;
}

TEST(Values, HandComputed) {
  Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(matmul(a, from_vector({1, 0, -1}, {3})).to_vector(), (std::vector<float>{-2, -2}));
  EXPECT_EQ(sum(a, {0}).to_vector(), (std::vector<float>{5, 7, 9}));
  EXPECT_EQ(sum(a, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(max(a, {1}).to_vector(), (std::vector<float>{3, 6}));
  EXPECT_FLOAT_EQ(mean(a).item(), 3.5f);
  EXPECT_FLOAT_EQ(var(a).item(), 35.0f / 12.0f);
  EXPECT_FLOAT_EQ(var(a, {}, false, 1).item(), 3.5f);
  EXPECT_EQ(transpose(a).to_vector(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(slice(a, 1, -2, 3).to_vector(), (std::vector<float>{2, 3, 5, 6}));
  EXPECT_EQ(clip(a, 2, 4).to_vector(), (std::vector<float>{2, 2, 3, 4, 4, 4}));
  EXPECT_EQ(relu(from_vector({-1, 0, 2}, {3})).to_vector(), (std::vector<float>{0, 0, 2}));
  EXPECT_EQ(arange(0, 1, 0.25f).to_vector(), (std::vector<float>{0, 0.25f, 0.5f, 0.75f}));
  EXPECT_EQ(lt(a, scalar(3)).to_vector(), (std::vector<float>{1, 1, 0, 0, 0, 0}));
  EXPECT_EQ(ne(a, scalar(3)).to_vector(), (std::vector<float>{1, 1, 0, 1, 1, 1}));
  EXPECT_EQ(ge(a, scalar(3)).to_vector(), (std::vector<float>{0, 0, 1, 1, 1, 1}));
  EXPECT_EQ(broadcast_to(from_vector({1, 2}, {2, 1}), {2, 2}).to_vector(), (std::vector<float>{1, 1, 2, 2}));
}

TEST(Values, ExtremeInputsStayFinite) {
  Tensor big = from_vector({-200, -50, 0, 50, 200}, {5});
  for (float v : sigmoid(big).to_vector()) EXPECT_TRUE(std::isfinite(v));
  for (float v : softplus(big).to_vector()) EXPECT_TRUE(std::isfinite(v));
  EXPECT_FLOAT_EQ(softplus(big).to_vector()[4], 200.0f);
  std::vector<float> s = softmax(from_vector({1000, 1000}, {2})).to_vector();
  EXPECT_FLOAT_EQ(s[0], 0.5f);
  EXPECT_FLOAT_EQ(s[1], 0.5f);
}

TEST(Values, NanPropagatesThroughMaxAndMaximum) {
  Tensor x = from_vector({1, NAN, 3}, {3});
  EXPECT_TRUE(std::isnan(max(x).item()));
  EXPECT_TRUE(std::isnan(maximum(x, scalar(2)).to_vector()[1]));
}

TEST(Values, AgainstNumpyFixtures) {
  Tensor x = load_npy(fixture("x")), b = load_npy(fixture("b"));
  expect_close(softmax(x, 1), "softmax_axis1");
  expect_close(log_softmax(x, -1), "log_softmax_last");
  expect_close(var(x, {0, 2}), "var_axes02");
  expect_close(var(x, {1}, false, 1), "var_axis1_ddof1");
  expect_close(max(x, {1}), "max_axis1");
  expect_close(sum(x, {0, 2}, true), "sum_axes02_keep");
  expect_close(mean(x), "mean_all");
  expect_close(permute(x, {2, 0, 1}), "permute_201");
  expect_close(slice(x, 2, 1, 4, 2), "slice_axis2_1_4_2");
  expect_close(pad(x, {{0, 0}, {1, 2}, {0, 1}}, 0.5f), "pad");
  expect_close(concat({x, mul(slice(x, 1, 0, 2), 2.0f)}, 1), "concat_axis1");
  expect_close(sigmoid(x), "sigmoid");
  expect_close(tanh(x), "tanh");
  expect_close(softplus(x), "softplus");
  expect_close(silu(x), "silu");
  expect_close(leaky_relu(x, 0.2f), "leaky_relu_02");
  expect_close(maximum(x, b), "maximum_xb");
  expect_close(where(gt(x, b), x, mul(b, 2.0f)), "where_x_gt_b");
  expect_close(pow(add(abs(x), 0.5f), b), "pow_abs_x_b");
  expect_close(matmul(load_npy(fixture("ma")), load_npy(fixture("mb"))), "matmul_ma_mb");
}

}  // namespace
}  // namespace murine
