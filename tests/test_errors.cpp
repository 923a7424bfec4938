// Bad input: every op's error names the op, the argument and the shapes.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::expect_error;

TEST(Errors, MatmulNamesBothShapes) {
  expect_error([] { matmul(zeros({2, 3}), zeros({4, 5})); }, {"matmul", "(2, 3)", "(4, 5)"});
  expect_error([] { matmul(zeros({2, 2, 3}), zeros({3, 3, 2})); }, {"matmul", "(2,)", "(3,)"});
  expect_error([] { matmul(scalar(1), zeros({2})); }, {"matmul", "0-d"});
}

TEST(Errors, BroadcastingNamesOpAndShapes) {
  expect_error([] { add(zeros({2, 3}), zeros({4})); }, {"add", "(2, 3)", "(4,)"});
  expect_error([] { where(zeros({2}), zeros({3}), zeros({2})); }, {"where"});
  expect_error([] { broadcast_to(zeros({3}), {2, 2}); }, {"broadcast_to", "(3,)", "(2, 2)"});
}

TEST(Errors, ShapeOps) {
  expect_error([] { reshape(zeros({2, 3}), {4, 2}); }, {"reshape", "(2, 3)", "(4, 2)"});
  expect_error([] { reshape(zeros({2, 3}), {-1, -1}); }, {"reshape", "-1"});
  expect_error([] { permute(zeros({2, 3}), {0, 0}); }, {"permute", "twice"});
  expect_error([] { permute(zeros({2, 3}), {0}); }, {"permute", "(2, 3)"});
  expect_error([] { concat({zeros({2, 3}), zeros({2, 4})}, 0); }, {"concat", "(2, 4)", "(2, 3)"});
  expect_error([] { slice(zeros({2, 3}), 1, 0, 2, 0); }, {"slice", "step"});
  expect_error([] { slice(zeros({2, 3}), 2, 0, 1); }, {"slice", "axis 2"});
  expect_error([] { pad(zeros({2}), {{-1, 0}}); }, {"pad", "negative"});
  expect_error([] { sum(zeros({2, 3}), {0, 0}); }, {"sum", "repeated"});
  expect_error([] { softmax(zeros({2, 3}), 3); }, {"softmax", "axis 3"});
}

TEST(Errors, Factories) {
  expect_error([] { from_vector({1, 2, 3}, {2, 2}); }, {"from_vector", "3 values", "(2, 2)"});
  expect_error([] { zeros({2, -1}); }, {"negative", "(2, -1)"});
  expect_error([] { arange(0, 1, 0); }, {"arange", "step"});
}

// Shapes come from files: sizes are checked products, never overflowing int64 (UB).
TEST(Errors, HugeShapesAreRefusedNotOverflowed) {
  const int64_t big = int64_t(1) << 40;
  EXPECT_EQ(numel({2, 0, 3}), 0);
  EXPECT_EQ(contiguous_strides({2, 0, 3}), (Shape{3, 3, 1}));
  expect_error([&] { numel({0, big, big}); }, {"numel", "(0, 1099511627776, 1099511627776)", "2^63"});
  expect_error([&] { numel({big, big}); }, {"numel", "2^63"});
  expect_error([&] { contiguous_strides({big, big, 0}); }, {"numel", "2^63"});
  expect_error([&] { numel({3, -2}); }, {"numel", "negative", "(3, -2)"});
  expect_error([&] { zeros({int64_t(1) << 31, int64_t(1) << 31}); }, {"empty", "2^63 bytes"});
}

TEST(Errors, ItemAndUndefinedTensors) {
  expect_error([] { zeros({2}).item(); }, {"item", "(2,)"});
  expect_error([] { Tensor().shape(); }, {"undefined"});
}

TEST(Errors, NoCudaBackendIsAClearError) {
  if (device_available(Device::CUDA)) GTEST_SKIP() << "a CUDA device is available here";
  expect_error([] { zeros({2}, Device::CUDA); }, {"cuda"});
}

}  // namespace
}  // namespace murine
