// The nominal FLOP counter (autograd/flop_count.h): conv2d, conv_transpose2d, linear and matmul add
// 2·(multiply-adds) from their shapes forward, and again for each gradient their backward computes.
#include <gtest/gtest.h>

#include "autograd/flop_count.h"
#include "autograd/ops.h"

namespace murine {
namespace {

TEST(FlopCount, Conv2dForwardAndEachComputedGradient) {
  Generator gen(1);
  // x (2, 4, 6, 6), weight (6, 2, 3, 3), groups 2, padding 1 → y (2, 6, 6, 6)
  Tensor x = rand({2, 4, 6, 6}, gen).requires_grad_(true);
  Tensor w = rand({6, 2, 3, 3}, gen).requires_grad_(true);
  ConvArgs opt;
  opt.groups = 2, opt.pad_top = opt.pad_bottom = opt.pad_left = opt.pad_right = 1;
  const int64_t forward = 2LL * 2 * 6 * 36 * 2 * 9;  // 2·N·O·OH·OW·(C/G)·kh·kw
  reset_flops();
  Tensor y = conv2d(x, w, Tensor(), opt);
  EXPECT_EQ(flops_counted(), forward);
  sum(y).backward();
  EXPECT_EQ(flops_counted(), 3 * forward);  // dx and dW

  Tensor x_const = rand({2, 4, 6, 6}, gen);  // no dx: only dW
  reset_flops();
  sum(conv2d(x_const, w, Tensor(), opt)).backward();
  EXPECT_EQ(flops_counted(), 2 * forward);
}

TEST(FlopCount, ConvTranspose2dCountsTheConvItIsTheGradientOf) {
  Generator gen(2);
  // x (3, 8, 4, 4), weight (8, 5, 4, 4), stride 2, padding 1 → y (3, 5, 8, 8)
  Tensor x = rand({3, 8, 4, 4}, gen).requires_grad_(true);
  Tensor w = rand({8, 5, 4, 4}, gen).requires_grad_(true);
  ConvArgs opt;
  opt.stride_h = opt.stride_w = 2, opt.pad_top = opt.pad_bottom = opt.pad_left = opt.pad_right = 1;
  const int64_t forward = 2LL * 3 * 8 * 16 * 5 * 16;  // 2·N·C·H·W·(O/G)·kh·kw
  reset_flops();
  Tensor y = conv_transpose2d(x, w, Tensor(), opt);
  EXPECT_EQ(flops_counted(), forward);
  sum(y).backward();
  EXPECT_EQ(flops_counted(), 3 * forward);
}

TEST(FlopCount, LinearAndBatchedMatmul) {
  Generator gen(3);
  Tensor x = rand({5, 7}, gen).requires_grad_(true);
  Tensor w = rand({3, 7}, gen).requires_grad_(true);
  reset_flops();
  sum(linear(x, w, Tensor())).backward();
  EXPECT_EQ(flops_counted(), 3 * 2LL * 5 * 7 * 3);

  // (4, 2, 3) @ (3, 6) broadcast over the batch of 4; only a needs a gradient
  Tensor a = rand({4, 2, 3}, gen).requires_grad_(true);
  Tensor b = rand({3, 6}, gen);
  reset_flops();
  sum(matmul(a, b)).backward();
  EXPECT_EQ(flops_counted(), 2 * 2LL * 4 * 2 * 3 * 6);
}

}  // namespace
}  // namespace murine
