// Central-difference gradient checks for reductions, softmax, shape ops and matmul, including
// inputs that are themselves outputs of permute/slice (non-contiguous views of the original data).
#include "tests/gradcheck.h"

namespace murine {
namespace {

using testing::expect_gradients_match;
using testing::uniform_param;
using Args = std::vector<Tensor>;

TEST(GradReduce, SumMeanOverAxisSets) {
  Tensor x = uniform_param({2, 3, 4}, -1, 1, 20);
  for (std::vector<int64_t> axes : {std::vector<int64_t>{}, {0}, {1}, {2}, {0, 2}, {-1, -2}}) {
    for (bool keepdim : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "axes size " << axes.size() << " keepdim " << keepdim);
      expect_gradients_match([&](const Args& v) { return sum(v[0], axes, keepdim); }, {x});
      expect_gradients_match([&](const Args& v) { return mean(v[0], axes, keepdim); }, {x});
    }
  }
}

TEST(GradReduce, Var) {
  Tensor x = uniform_param({3, 4}, -1, 1, 21);
  expect_gradients_match([](const Args& v) { return var(v[0], {1}, false, 0); }, {x});
  expect_gradients_match([](const Args& v) { return var(v[0], {0}, true, 1); }, {x});
  expect_gradients_match([](const Args& v) { return var(v[0]); }, {x});
}

TEST(GradReduce, MaxWithDistinctValues) {
  Tensor x = uniform_param({3, 5}, -1, 1, 22);  // distinct with probability 1
  expect_gradients_match([](const Args& v) { return max(v[0], {1}); }, {x});
  expect_gradients_match([](const Args& v) { return max(v[0], {0}, true); }, {x});
  expect_gradients_match([](const Args& v) { return max(v[0]); }, {x});
}

TEST(GradReduce, MaxSharesGradientAmongTies) {
  Tensor x = from_vector({2, 1, 2, 0}, {4});
  x.requires_grad_();
  max(x).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0.5f, 0, 0.5f, 0}));
}

TEST(GradReduce, SoftmaxAndLogSoftmax) {
  Tensor x = uniform_param({2, 3, 4}, -2, 2, 23);
  for (int64_t axis : {0, 1, 2, -1}) {
    expect_gradients_match([axis](const Args& v) { return softmax(v[0], axis); }, {x});
    expect_gradients_match([axis](const Args& v) { return log_softmax(v[0], axis); }, {x});
  }
}

TEST(GradShape, ReshapeFlattenPermuteTranspose) {
  Tensor x = uniform_param({2, 3, 4}, -1, 1, 24);
  expect_gradients_match([](const Args& v) { return mul(reshape(v[0], {4, -1}), 2.0f); }, {x});
  expect_gradients_match([](const Args& v) { return flatten(v[0]); }, {x});
  expect_gradients_match([](const Args& v) { return permute(v[0], {2, 0, 1}); }, {x});
  expect_gradients_match([](const Args& v) { return transpose(v[0], 0, 2); }, {x});
}

TEST(GradShape, SliceWithSteps) {
  Tensor x = uniform_param({4, 7}, -1, 1, 25);
  expect_gradients_match([](const Args& v) { return slice(v[0], 1, 1, 6, 2); }, {x});
  expect_gradients_match([](const Args& v) { return slice(v[0], 0, -3, 4); }, {x});
}

TEST(GradShape, ConcatOfNonContiguousViews) {
  // Inputs to concat are a permuted and a strided slice of other tensors.
  Tensor a = uniform_param({3, 2}, -1, 1, 26), b = uniform_param({2, 6}, -1, 1, 27);
  expect_gradients_match(
      [](const Args& v) { return concat({permute(v[0], {1, 0}), slice(v[1], 1, 0, 6, 2)}, 1); }, {a, b});
  expect_gradients_match([](const Args& v) { return concat({v[0], v[0], v[0]}, 0); }, {a});
}

TEST(GradShape, PermuteOfSlice) {
  Tensor x = uniform_param({3, 4, 5}, -1, 1, 28);
  expect_gradients_match([](const Args& v) { return permute(slice(v[0], 2, 1, 5, 3), {1, 2, 0}); }, {x});
}

TEST(GradShape, PadAndBroadcastTo) {
  Tensor x = uniform_param({2, 3}, -1, 1, 29);
  expect_gradients_match([](const Args& v) { return pad(v[0], {{1, 2}, {0, 3}}, 0.5f); }, {x});
  Tensor c = uniform_param({3, 1}, -1, 1, 30);
  expect_gradients_match([](const Args& v) { return broadcast_to(v[0], {2, 3, 4}); }, {c});
}

TEST(GradMatmul, PlainBatchedBroadcastAndVectors) {
  Tensor a = uniform_param({3, 4}, -1, 1, 31), b = uniform_param({4, 2}, -1, 1, 32);
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {a, b});
  Tensor ba = uniform_param({2, 3, 4}, -1, 1, 33), bb = uniform_param({2, 4, 5}, -1, 1, 34);
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {ba, bb});
  // Batch broadcast: (2, 1, 3, 4) @ (3, 4, 2) → (2, 3, 3, 2), and (2, 3, 4) @ (4, 2).
  Tensor ca = uniform_param({2, 1, 3, 4}, -1, 1, 35), cb = uniform_param({3, 4, 2}, -1, 1, 36);
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {ca, cb});
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {ba, b});
  Tensor va = uniform_param({4}, -1, 1, 37), vb = uniform_param({4}, -1, 1, 38);
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {va, vb});
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {va, b});
  expect_gradients_match([](const Args& v) { return matmul(v[0], v[1]); }, {a, va});
}

TEST(GradMatmul, OfTransposedInputs) {
  Tensor a = uniform_param({4, 3}, -1, 1, 39), b = uniform_param({2, 4}, -1, 1, 40);
  expect_gradients_match([](const Args& v) { return matmul(transpose(v[0]), transpose(v[1])); }, {a, b});
}

TEST(GradMatmul, LinearWithAndWithoutBias) {
  Tensor x = uniform_param({2, 3, 4}, -1, 1, 42), w = uniform_param({5, 4}, -1, 1, 43);
  Tensor b = uniform_param({5}, -1, 1, 44);
  expect_gradients_match([](const Args& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
  expect_gradients_match([](const Args& v) { return linear(v[0], v[1], Tensor()); }, {x, w});
  // Same values as matmul with the transposed weight.
  Tensor ref = add(matmul(x, transpose(w)), b), got = linear(x, w, b);
  std::vector<float> r = ref.to_vector(), g = got.to_vector();
  for (size_t i = 0; i < r.size(); ++i) EXPECT_NEAR(g[i], r[i], 1e-5);
}

TEST(GradComposite, DeviceTransferAndCloneAreIdentity) {
  Tensor x = uniform_param({5}, -1, 1, 41);
  expect_gradients_match([](const Args& v) { return mul(v[0].clone(), v[0].to(Device::CPU)); }, {x});
}

}  // namespace
}  // namespace murine
