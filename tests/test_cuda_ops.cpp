// The CUDA backend against the CPU backend, the oracle: transfers, fills, the random streams and the
// caching allocator's block reuse; every primitive called directly (unary and its backward for
// every UnaryOp, binary for every BinaryOp with general strides, where, strided_copy, reduce_rows,
// softmax, im2col_batch/col2im_batch); then the front-end ops built on them, forward and backward
// through autograd (unary and broadcast binary ops, reductions, softmax, group_norm, permute / slice / concat /
// pad, matmul, conv2d and conv_transpose2d with stride, padding, groups, dilation and chunked
// batches), the in-place updates and optimizers of the training loop, and whole training steps of
// the three models (every layer they use) on both devices. Each result is compared with a
// tolerance chosen per op: bit for bit or exact where both devices round the same IEEE operations,
// a few ulps for CUDA's transcendental functions, a bound scaled by the largest value (or by
// |A|·|B| for matmul) for sums of many terms (GEMM, conv). Every test skips, saying why, without a
// usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "autograd/ops_inplace.h"
#include "layers/module.h"
#include "models/trainable.h"
#include "optim/adam.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tests/conv_test_helpers.h"
#include "tests/cuda_test_helpers.h"
#include "tests/model_test_helpers.h"

namespace murine {
namespace {

using testing::ColumnBudget;
using testing::conv_options;

const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

// |cuda − cpu| ≤ abs + rel·|cpu| + of_max·max|cpu| per element; NaN matches only NaN, ±inf only
// itself. The default is exact.
struct Tolerance {
  double rel = 0;
  double abs = 0;
  double of_max = 0;  // for sums of many terms, whose error scales with the biggest values
};
const Tolerance kExact{};
const Tolerance kUlps{1e-5, 1e-6, 0};         // CUDA's expf, tanhf, powf… against glibc's
const Tolerance kSums{1e-5, 1e-6, 1e-5};      // reductions, GEMMs and convolutions

// Runs one case; an Error (a primitive still missing, a CUDA error) fails the test.
void run_case(const std::string& what, const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    ADD_FAILURE() << what << ": " << e.what();
  }
}

void expect_close(const std::vector<float>& want, const std::vector<float>& got, Tolerance tol,
                  const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  double max_abs = 0;
  for (float w : want)
    if (std::isfinite(w)) max_abs = std::max(max_abs, (double)std::fabs(w));
  size_t mismatches = 0, first = 0;
  double worst = 0;  // the largest error as a fraction of its bound
  for (size_t i = 0; i < want.size(); ++i) {
    const double w = want[i], g = got[i];
    if (std::isnan(w) && std::isnan(g)) continue;
    if (w == g) continue;  // also ±inf against itself
    const double err = std::fabs(g - w);
    const double bound = tol.abs + tol.rel * std::fabs(w) + tol.of_max * max_abs;
    if (!(err <= bound)) {  // NaN against a number, or inf against anything else, fails too
      if (mismatches++ == 0) first = i;
    } else if (bound > 0) {
      worst = std::max(worst, err / bound);
    }
  }
  EXPECT_EQ(mismatches, 0u) << what << ": " << mismatches << " of " << want.size()
                            << " elements outside the tolerance; first at " << first << ": cpu "
                            << want[first] << ", cuda " << got[first];
  if (worst > 0.1)
    std::printf("[ measured ] %s: worst |cuda - cpu| is %.3g of its bound\n", what.c_str(), worst);
}

void expect_close(const Tensor& cpu, const Tensor& cuda, Tolerance tol, const std::string& what) {
  ASSERT_TRUE(cpu.defined()) << what << ": the cpu result is undefined";
  ASSERT_TRUE(cuda.defined()) << what << ": the cuda result is undefined";
  EXPECT_EQ(cpu.device(), Device::CPU) << what;
  EXPECT_EQ(cuda.device(), Device::CUDA) << what;
  ASSERT_EQ(cuda.shape(), cpu.shape()) << what;
  expect_close(cpu.to_vector(), cuda.to_vector(), tol, what);
}

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

// Equal bit for bit (so -0 differs from +0, unlike kExact), except that any NaN matches any NaN
// (CPU and GPU NaNs carry different bits).
void expect_bit_identical(const std::vector<float>& expected, const std::vector<float>& actual,
                          const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    bool same = bits(expected[i]) == bits(actual[i]) ||
                (std::isnan(expected[i]) && std::isnan(actual[i]));
    if (!same && mismatches++ == 0) first = i;
  }
  EXPECT_EQ(mismatches, 0u) << what << ": " << mismatches << " of " << expected.size()
                            << " elements differ; first at " << first << ": cpu " << expected[first]
                            << ", cuda " << actual[first];
}

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Runs fn on CPU copies and on CUDA copies of `inputs` and compares the outputs; with `grads`, also
// the gradient each input receives from the same random upstream gradient.
void compare_devices(const std::string& what, const std::vector<Tensor>& inputs, const TensorFn& fn,
                     Tolerance forward, Tolerance backward, bool grads = true) {
  run_case(what, [&] {
    std::vector<Tensor> cpu_inputs, cuda_inputs;
    for (const Tensor& x : inputs) {
      cpu_inputs.push_back(x.detach().clone());
      cuda_inputs.push_back(x.detach().to(Device::CUDA));
      if (grads) {
        cpu_inputs.back().requires_grad_();
        cuda_inputs.back().requires_grad_();
      }
    }
    Tensor y_cpu = fn(cpu_inputs);
    Tensor y_cuda = fn(cuda_inputs);
    expect_close(y_cpu, y_cuda, forward, what + " forward");
    if (!grads) return;
    Generator gen(99);
    Tensor gy = randn(y_cpu.shape(), gen);
    y_cpu.backward(gy);
    y_cuda.backward(gy.to(Device::CUDA));
    for (size_t k = 0; k < inputs.size(); ++k) {
      const std::string name = what + " gradient of input " + std::to_string(k);
      Tensor want = cpu_inputs[k].grad(), got = cuda_inputs[k].grad();
      ASSERT_EQ(want.defined(), got.defined()) << name;
      if (want.defined()) expect_close(want, got, backward, name);
    }
  });
}

// Values in {0.5, 1.5, 2.5, 3.5}: positive (pow is defined) and often equal (comparisons, ties).
Tensor levels(const Shape& shape, Generator& gen) {
  std::vector<float> v = rand(shape, gen).to_vector();
  for (float& x : v) x = std::floor(x * 4.0f) + 0.5f;
  return from_vector(v, shape);
}

// A raw CPU / CUDA buffer pair holding the same host values, for calling primitives directly.
struct Buffers {
  Tensor cpu, cuda;
};
Buffers buffers(const std::vector<float>& values) {
  Shape shape = {(int64_t)values.size()};
  return {from_vector(values, shape), from_vector(values, shape, Device::CUDA)};
}
Buffers empty_buffers(int64_t n) { return {Tensor::empty({n}), Tensor::empty({n}, Device::CUDA)}; }

Backend& cpu() { return backend(Device::CPU); }
Backend& gpu() { return backend(Device::CUDA); }

std::vector<float> normal_values(int64_t n, uint64_t seed, float scale = 1.0f) {
  Generator gen(seed);
  std::vector<float> v = randn({n}, gen).to_vector();
  for (float& x : v) x *= scale;
  return v;
}

// ---- transfers, fills, random streams and the caching allocator ----

TEST(CudaOps, HostDeviceHostRoundTripIsBitExact) {
  SKIP_WITHOUT_CUDA();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.5f, 1e-40f /* subnormal */, 3.4e38f, inf, -inf,
                               std::numeric_limits<float>::quiet_NaN()};
  Generator gen(7);
  std::vector<float> noise = randn({4093}, gen).to_vector();
  values.insert(values.end(), noise.begin(), noise.end());
  Tensor host = from_vector(values, {(int64_t)values.size()});

  Tensor device = host.to(Device::CUDA);
  EXPECT_EQ(device.device(), Device::CUDA);
  EXPECT_EQ(device.shape(), host.shape());
  std::vector<float> back = device.to(Device::CPU).to_vector();
  ASSERT_EQ(back.size(), values.size());
  EXPECT_EQ(std::memcmp(back.data(), values.data(), values.size() * sizeof(float)), 0);

  // from_vector straight onto the device, and a device-to-device copy (clone).
  std::vector<float> direct = from_vector(values, {(int64_t)values.size()}, Device::CUDA).to_vector();
  EXPECT_EQ(std::memcmp(direct.data(), values.data(), values.size() * sizeof(float)), 0);
  Tensor copy = device.clone();
  backend(Device::CUDA).synchronize();
  std::vector<float> cloned = copy.to_vector();
  EXPECT_EQ(std::memcmp(cloned.data(), values.data(), values.size() * sizeof(float)), 0);

  // Empty tensors move too.
  Tensor empty = zeros({0, 3}).to(Device::CUDA);
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_TRUE(empty.to_vector().empty());
}

TEST(CudaOps, FillsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Shape shape = {3, 1000, 7};
  for (float v : zeros(shape, Device::CUDA).to_vector()) ASSERT_EQ(bits(v), bits(0.0f));
  for (float v : ones(shape, Device::CUDA).to_vector()) ASSERT_EQ(v, 1.0f);
  for (float v : full(shape, -2.5f, Device::CUDA).to_vector()) ASSERT_EQ(v, -2.5f);
  EXPECT_EQ(scalar(4.25f, Device::CUDA).item(), 4.25f);
  // start + i·step rounded as the CPU rounds it (no fused multiply-add on the device).
  expect_bit_identical(arange(-3.0f, 5000.0f, 0.37f).to_vector(),
                       arange(-3.0f, 5000.0f, 0.37f, Device::CUDA).to_vector(), "arange");
}

TEST(CudaOps, RandIsBitIdenticalToCpu) {
  SKIP_WITHOUT_CUDA();
  Generator cpu_gen(42), cuda_gen(42);
  // Odd sizes so the second draw starts mid-way through the counters' lanes.
  for (Shape shape : {Shape{1001}, Shape{3, 5, 7}, Shape{(int64_t(1) << 24) + 3}}) {
    std::vector<float> want = rand(shape, cpu_gen).to_vector();
    std::vector<float> got = rand(shape, cuda_gen, Device::CUDA).to_vector();
    expect_bit_identical(want, got, "rand " + shape_str(shape));
  }
  EXPECT_EQ(cpu_gen.offset, cuda_gen.offset);
}

// The uniform bits are identical; Box–Muller's logf, sqrtf, cosf and sinf come from CUDA's maths
// library on the device and glibc on the host, which may round differently in the last place.
TEST(CudaOps, RandnMatchesCpuToTheLastUlps) {
  SKIP_WITHOUT_CUDA();
  Generator cpu_gen(2024), cuda_gen(2024);
  for (Shape shape : {Shape{1001}, Shape{1 << 20}}) {
    std::vector<float> want = randn(shape, cpu_gen).to_vector();
    std::vector<float> got = randn(shape, cuda_gen, Device::CUDA).to_vector();
    ASSERT_EQ(want.size(), got.size());
    double max_abs = 0;
    int64_t max_ulps = 0, differing = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      double d = std::fabs((double)got[i] - want[i]);
      int64_t ulps = std::llabs((int64_t)(int32_t)bits(got[i]) - (int64_t)(int32_t)bits(want[i]));
      if (d > 0) ++differing;
      max_abs = std::max(max_abs, d);
      max_ulps = std::max(max_ulps, ulps);
      ASSERT_LE(d, 1e-6 * std::max(1.0f, std::fabs(want[i])))
          << "randn " << shape_str(shape) << " element " << i << ": cpu " << want[i] << ", cuda " << got[i];
    }
    std::printf("[ measured ] randn %s cuda vs cpu: %lld of %zu differ, max |diff| %.3g, max %lld ulps\n",
                shape_str(shape).c_str(), (long long)differing, want.size(), max_abs,
                (long long)max_ulps);
  }
}

TEST(CudaOps, AllocatorReusesAFreedBlock) {
  SKIP_WITHOUT_CUDA();
  const float* first;
  {
    Tensor t = zeros({1000}, Device::CUDA);  // 4000 B, a 4096 B block
    first = t.data();
  }
  // 4040 B rounds to the same 4096 B block size: the block just freed comes back.
  Tensor again = zeros({1010}, Device::CUDA);
  EXPECT_EQ(again.data(), first);
  // A block still in use is never handed out twice.
  Tensor other = zeros({1010}, Device::CUDA);
  EXPECT_NE(other.data(), again.data());
}

// ---- primitives, called directly ----

// kUnaryOps and kBinaryOps (tensor/backend.h) are generated from the same list as the enums, so
// every op an enum gains is run here.
static_assert(std::size(kUnaryOps) == 15 && std::size(kBinaryOps) == 13,
              "a new elementwise op: check that the cases below give it sensible parameters and inputs");

TEST(CudaOps, UnaryPrimitiveMatchesCpuForEveryOp) {
  SKIP_WITHOUT_CUDA();
  // Noise over several blocks plus the awkward values: zeros of both signs, ±1, huge, ±inf, NaN.
  std::vector<float> x = normal_values(70001, 1, 3.0f);
  for (float v : {0.0f, -0.0f, 1.0f, -1.0f, 88.0f, -88.0f, 1e30f, -1e30f, kInf, -kInf, kNaN}) x.push_back(v);
  const int64_t n = (int64_t)x.size();
  Buffers in = buffers(x), gy = buffers(normal_values(n, 2));
  for (UnaryOp op : kUnaryOps) {
    const float p0 = op == UnaryOp::PowScalar ? 2.5f : op == UnaryOp::Clip ? -0.5f : 0.3f;
    const float p1 = op == UnaryOp::Clip ? 0.75f : 0.0f;
    const std::string name = unary_op_name(op);
    run_case(name, [&] {
      Buffers y = empty_buffers(n), gx = empty_buffers(n);
      cpu().unary(op, y.cpu.data(), in.cpu.data(), n, p0, p1);
      gpu().unary(op, y.cuda.data(), in.cuda.data(), n, p0, p1);
      expect_close(y.cpu, y.cuda, kUlps, std::string("unary ") + name);
      // The backward gets both x and y = f(x) here; each device uses its own y.
      cpu().unary_backward(op, gx.cpu.data(), in.cpu.data(), y.cpu.data(), gy.cpu.data(), n, p0, p1);
      gpu().unary_backward(op, gx.cuda.data(), in.cuda.data(), y.cuda.data(), gy.cuda.data(), n, p0, p1);
      expect_close(gx.cpu, gx.cuda, kUlps, std::string("unary_backward ") + name);
      // In place (out aliases x), as the optimizers call it.
      Buffers inplace = buffers(x);
      cpu().unary(op, inplace.cpu.data(), inplace.cpu.data(), n, p0, p1);
      gpu().unary(op, inplace.cuda.data(), inplace.cuda.data(), n, p0, p1);
      expect_close(y.cpu, inplace.cuda, kUlps, std::string("in-place unary ") + name);
    });
  }
}

// The front end passes x or y, not both: the other is null and must not be read.
TEST(CudaOps, UnaryBackwardAcceptsAMissingXOrY) {
  SKIP_WITHOUT_CUDA();
  const int64_t n = 1000;
  Buffers x = buffers(normal_values(n, 3)), gy = buffers(normal_values(n, 4));
  run_case("unary_backward with null x or y", [&] {
    Buffers y = empty_buffers(n), gx = empty_buffers(n);
    cpu().unary(UnaryOp::Tanh, y.cpu.data(), x.cpu.data(), n, 0, 0);
    gpu().unary(UnaryOp::Tanh, y.cuda.data(), x.cuda.data(), n, 0, 0);
    cpu().unary_backward(UnaryOp::Tanh, gx.cpu.data(), nullptr, y.cpu.data(), gy.cpu.data(), n, 0, 0);
    gpu().unary_backward(UnaryOp::Tanh, gx.cuda.data(), nullptr, y.cuda.data(), gy.cuda.data(), n, 0, 0);
    expect_close(gx.cpu, gx.cuda, kUlps, "tanh backward from y only");
    cpu().unary_backward(UnaryOp::Relu, gx.cpu.data(), x.cpu.data(), nullptr, gy.cpu.data(), n, 0, 0);
    gpu().unary_backward(UnaryOp::Relu, gx.cuda.data(), x.cuda.data(), nullptr, gy.cuda.data(), n, 0, 0);
    expect_close(gx.cpu, gx.cuda, kExact, "relu backward from x only");
  });
}

// conv2d passes `binary` a first operand read through arbitrary strides (not a broadcast): here a
// (3, 4, 5) block read as its (5, 4, 3) transpose, a strided slice, and an operand read twice.
TEST(CudaOps, BinaryPrimitiveReadsGeneralStridesForEveryOp) {
  SKIP_WITHOUT_CUDA();
  Generator gen(5);
  std::vector<float> a_values = levels({200}, gen).to_vector();
  std::vector<float> b_values = levels({200}, gen).to_vector();
  a_values[7] = kNaN;  // maximum/minimum propagate NaN
  Buffers a = buffers(a_values), b = buffers(b_values);
  struct StridedCase {
    const char* what;
    Shape shape, a_strides, b_strides;
  };
  const std::vector<StridedCase> cases = {
      {"transposed a, broadcast row b", {5, 4, 3}, {1, 5, 20}, {0, 0, 1}},
      {"slice with step 3 of a, contiguous b", {4, 6}, {40, 3}, {6, 1}},
      {"a read twice (stride 0 inside), transposed b", {3, 2, 7}, {7, 0, 1}, {1, 3, 6}},
      {"both contiguous", {10, 20}, {20, 1}, {20, 1}},
      {"scalar", {}, {}, {}},
  };
  for (BinaryOp op : kBinaryOps) {
    for (const StridedCase& c : cases) {
      const std::string what = std::string(binary_op_name(op)) + ", " + c.what;
      run_case(what, [&] {
        Buffers out = empty_buffers(std::max<int64_t>(numel(c.shape), 1));
        cpu().binary(op, out.cpu.data(), c.shape, a.cpu.data(), c.a_strides, b.cpu.data(), c.b_strides);
        gpu().binary(op, out.cuda.data(), c.shape, a.cuda.data(), c.a_strides, b.cuda.data(), c.b_strides);
        expect_close(out.cpu, out.cuda, op == BinaryOp::Pow ? kUlps : kExact, what);
      });
    }
  }
}

struct CopyCase {
  const char* what;
  Shape shape, dst_strides;
  int64_t dst_offset;
  Shape src_strides;
  int64_t src_offset;
};

// Compares whole destination buffers, so a write outside the intended elements fails too.
TEST(CudaOps, StridedCopyPrimitiveMatchesCpu) {
  SKIP_WITHOUT_CUDA();
  const std::vector<CopyCase> cases = {
      {"permute (5, 4, 3) to (3, 4, 5)", {3, 4, 5}, {20, 5, 1}, 0, {1, 3, 12}, 0},
      {"into the middle of a (4, 7) block (pad, concat)", {2, 3}, {7, 1}, 8, {3, 1}, 0},
      {"from a strided slice", {4, 5}, {5, 1}, 0, {20, 3}, 1},
      {"broadcast a row", {6, 7}, {7, 1}, 0, {0, 1}, 0},
      {"a scalar", {}, {}, 5, {}, 9},
      {"both sides strided", {3, 3}, {20, 2}, 1, {1, 5}, 2},
      {"rank 7, no dims merge", {2, 2, 2, 2, 2, 2, 2}, {64, 32, 16, 8, 4, 2, 1}, 0,
       {1, 2, 4, 8, 16, 32, 64}, 0},
      {"rank 9 with size-1 dims, no dims merge", {2, 1, 3, 1, 2, 1, 2, 1, 2}, {24, 24, 8, 8, 4, 4, 2, 2, 1}, 0,
       {1, 0, 2, 0, 6, 0, 12, 0, 24}, 0},
      {"many blocks", {300, 257}, {1, 300}, 0, {257, 1}, 0},
  };
  const int64_t size = 300 * 257;
  std::vector<float> src_values = normal_values(size, 6);
  Buffers src = buffers(src_values);
  for (const CopyCase& c : cases) {
    run_case(c.what, [&] {
      Buffers dst = buffers(std::vector<float>(size, -7.0f));
      cpu().strided_copy(dst.cpu.data() + c.dst_offset, c.dst_strides, src.cpu.data() + c.src_offset,
                         c.src_strides, c.shape);
      gpu().strided_copy(dst.cuda.data() + c.dst_offset, c.dst_strides, src.cuda.data() + c.src_offset,
                         c.src_strides, c.shape);
      expect_close(dst.cpu, dst.cuda, kExact, std::string("strided_copy ") + c.what);
    });
  }
  // An empty shape writes nothing.
  run_case("strided_copy of an empty shape", [&] {
    Buffers dst = buffers(std::vector<float>(4, 1.0f));
    gpu().strided_copy(dst.cuda.data(), {3, 1}, src.cuda.data(), {3, 1}, {0, 3});
    expect_close(dst.cpu, dst.cuda, kExact, "strided_copy of an empty shape");
  });
}

TEST(CudaOps, StridedCopyRefusesMoreDimsThanItCanWalk) {
  SKIP_WITHOUT_CUDA();
  // 17 dims of size 2 whose strides run backwards, so none merge: one more than the kernels take.
  Shape shape(17, 2), dst_strides(17), src_strides(17);
  for (int d = 0; d < 17; ++d) {
    dst_strides[d] = int64_t(1) << (16 - d);
    src_strides[d] = int64_t(1) << d;
  }
  Tensor src = zeros({int64_t(1) << 17}, Device::CUDA), dst = zeros({int64_t(1) << 17}, Device::CUDA);
  try {
    gpu().strided_copy(dst.data(), dst_strides, src.data(), src_strides, shape);
    ADD_FAILURE() << "strided_copy accepted 17 unmergeable dims";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("strided_copy"), std::string::npos) << e.what();
  }
}

TEST(CudaOps, WherePrimitiveMatchesCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(8);
  Buffers cond = buffers(levels({64}, gen).to_vector());  // levels − 2 below: half are zero
  std::vector<float> c = cond.cpu.to_vector();
  for (float& v : c) v = v < 2.0f ? 0.0f : v;
  cond = buffers(c);
  Buffers a = buffers(normal_values(64, 9)), b = buffers(normal_values(64, 10));
  const Shape shape = {4, 4, 4};
  const Shape cond_strides = {16, 4, 1}, a_strides = {0, 1, 4} /* transposed rows, broadcast */,
              b_strides = {1, 0, 16};
  run_case("where", [&] {
    Buffers out = empty_buffers(64);
    cpu().where(out.cpu.data(), shape, cond.cpu.data(), cond_strides, a.cpu.data(), a_strides,
                b.cpu.data(), b_strides);
    gpu().where(out.cuda.data(), shape, cond.cuda.data(), cond_strides, a.cuda.data(), a_strides,
                b.cuda.data(), b_strides);
    expect_close(out.cpu, out.cuda, kExact, "where with strided operands");
  });
}

TEST(CudaOps, ReduceRowsPrimitiveMatchesCpu) {
  SKIP_WITHOUT_CUDA();
  // One thread per row up to 64 columns, one block per row beyond; more rows than the grid loops.
  const std::vector<std::pair<int64_t, int64_t>> cases = {
      {1, 1}, {5, 3}, {7, 64}, {7, 65}, {2, 257}, {3, 100000}, {100000, 3}, {70000, 100}, {4, 0}, {0, 5}};
  uint64_t seed = 20;
  for (const auto& [rows, cols] : cases) {
    std::vector<float> values = normal_values(std::max<int64_t>(rows * cols, 1), seed++);
    if (rows >= 3 && cols >= 3) {  // NaN in row 1 must win the max; row 2 all -inf
      values[cols + 1] = kNaN;
      for (int64_t j = 0; j < cols; ++j) values[2 * cols + j] = -kInf;
    }
    Buffers in = buffers(values);
    for (ReduceOp op : {ReduceOp::Sum, ReduceOp::Max}) {
      const std::string what = std::string(op == ReduceOp::Sum ? "sum" : "max") + " of (" +
                               std::to_string(rows) + ", " + std::to_string(cols) + ")";
      run_case(what, [&] {
        Buffers out = buffers(std::vector<float>(std::max<int64_t>(rows, 1), 123.0f));
        cpu().reduce_rows(op, out.cpu.data(), in.cpu.data(), rows, cols);
        gpu().reduce_rows(op, out.cuda.data(), in.cuda.data(), rows, cols);
        // Both sum in double; the order differs on long rows, so the float result may differ
        // by an ulp. The max is exact.
        expect_close(out.cpu, out.cuda, op == ReduceOp::Sum ? Tolerance{1e-6, 1e-9, 0} : kExact, what);
      });
    }
  }
}

TEST(CudaOps, SoftmaxPrimitiveMatchesCpu) {
  SKIP_WITHOUT_CUDA();
  struct SoftmaxCase {
    int64_t outer, n, inner;
  };
  // Short rows and inner > 1: a thread per (outer, inner); long rows with inner = 1: a block per
  // row, with more rows than the grid in the last case.
  const std::vector<SoftmaxCase> cases = {{4, 10, 1}, {3, 1000, 1}, {2, 5, 21}, {1, 300, 7},
                                          {5, 65, 1}, {66000, 70, 1}, {1, 1, 1}};
  uint64_t seed = 40;
  for (const SoftmaxCase& c : cases) {
    const int64_t size = c.outer * c.n * c.inner;
    Buffers in = buffers(normal_values(size, seed++, 20.0f));  // wide logits: the max shift matters
    for (bool log : {false, true}) {
      const std::string what = std::string(log ? "log_softmax" : "softmax") + " (" +
                               std::to_string(c.outer) + ", " + std::to_string(c.n) + ", " +
                               std::to_string(c.inner) + ")";
      run_case(what, [&] {
        Buffers out = empty_buffers(size);
        cpu().softmax(out.cpu.data(), in.cpu.data(), c.outer, c.n, c.inner, log);
        gpu().softmax(out.cuda.data(), in.cuda.data(), c.outer, c.n, c.inner, log);
        expect_close(out.cpu, out.cuda, kUlps, what);
      });
    }
  }
}

// im2col is a gather and col2im adds in the CPU's order, so both are bit-identical to the CPU.
TEST(CudaOps, Im2colAndCol2imPrimitivesMatchCpuExactly) {
  SKIP_WITHOUT_CUDA();
  auto geometry = [](int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw) {
    ConvGeometry g{};
    g.channels = c, g.height = h, g.width = w, g.kernel_h = kh, g.kernel_w = kw;
    return g;
  };
  std::vector<std::pair<std::string, ConvGeometry>> cases;
  cases.push_back({"3x3, pad 1", geometry(3, 7, 6, 3, 3)});
  cases.back().second.pad_top = cases.back().second.pad_bottom = 1;
  cases.back().second.pad_left = cases.back().second.pad_right = 1;
  cases.push_back({"stride 2, asymmetric pad", geometry(2, 9, 8, 3, 2)});
  {
    ConvGeometry& g = cases.back().second;
    g.stride_h = 2, g.stride_w = 3, g.pad_top = 2, g.pad_bottom = 0, g.pad_left = 1, g.pad_right = 2;
  }
  cases.push_back({"dilation 2", geometry(2, 10, 9, 3, 3)});
  {
    ConvGeometry& g = cases.back().second;
    g.dilation_h = 2, g.dilation_w = 3, g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = 2;
  }
  cases.push_back({"negative pad_bottom/right (as conv_transpose2d)", geometry(3, 6, 6, 4, 4)});
  {
    ConvGeometry& g = cases.back().second;
    g.stride_h = g.stride_w = 2, g.pad_top = g.pad_left = 2, g.pad_bottom = g.pad_right = -1;
  }
  cases.push_back({"1x1", geometry(4, 5, 5, 1, 1)});
  cases.push_back({"stride larger than the kernel", geometry(1, 11, 11, 2, 2)});
  cases.back().second.stride_h = cases.back().second.stride_w = 3;
  uint64_t seed = 60;
  for (const auto& [name, g] : cases) {
    for (int64_t batch : {1, 3}) {
      const std::string what = name + ", batch " + std::to_string(batch);
      run_case(what, [&] {
        const int64_t image_size = batch * g.channels * g.height * g.width;
        const int64_t col_size = g.channels * g.kernel_h * g.kernel_w * batch * g.out_h() * g.out_w();
        ASSERT_GT(col_size, 0) << what;
        Buffers images = buffers(normal_values(image_size, seed++));
        Buffers col = empty_buffers(col_size);
        cpu().im2col_batch(g, batch, images.cpu.data(), col.cpu.data());
        gpu().im2col_batch(g, batch, images.cuda.data(), col.cuda.data());
        expect_close(col.cpu, col.cuda, kExact, "im2col " + what);
        // col2im accumulates onto what is there already.
        Buffers grads = buffers(normal_values(col_size, seed++));
        Buffers folded = buffers(normal_values(image_size, seed++));
        cpu().col2im_batch(g, batch, grads.cpu.data(), folded.cpu.data());
        gpu().col2im_batch(g, batch, grads.cuda.data(), folded.cuda.data());
        expect_close(folded.cpu, folded.cuda, kExact, "col2im " + what);
      });
    }
  }
}

// ---- front-end ops, forward and backward through autograd ----

struct UnaryFrontCase {
  const char* name;
  Tensor (*fn)(const Tensor&);
  bool positive_input;  // log, sqrt and fractional powers need x > 0
  Tolerance tolerance;
};

TEST(CudaOps, UnaryOpsAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  const std::vector<UnaryFrontCase> cases = {
      {"neg", [](const Tensor& x) { return neg(x); }, false, kExact},
      {"exp", [](const Tensor& x) { return exp(x); }, false, kUlps},
      {"log", [](const Tensor& x) { return log(x); }, true, kUlps},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, true, kUlps},
      {"abs", [](const Tensor& x) { return abs(x); }, false, kExact},
      {"pow 3", [](const Tensor& x) { return pow(x, 3.0f); }, false, kUlps},
      {"pow 2.5", [](const Tensor& x) { return pow(x, 2.5f); }, true, kUlps},
      {"clip", [](const Tensor& x) { return clip(x, -0.5f, 0.7f); }, false, kExact},
      {"relu", [](const Tensor& x) { return relu(x); }, false, kExact},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2f); }, false, kExact},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, false, kUlps},
      {"tanh", [](const Tensor& x) { return tanh(x); }, false, kUlps},
      {"silu", [](const Tensor& x) { return silu(x); }, false, kUlps},
      {"softplus", [](const Tensor& x) { return softplus(x); }, false, kUlps},
      {"x + 1.5", [](const Tensor& x) { return x + 1.5f; }, false, kExact},
      {"x * -2.5", [](const Tensor& x) { return x * -2.5f; }, false, kExact},
      {"x / 3", [](const Tensor& x) { return x / 3.0f; }, false, kExact},
      {"1 - x", [](const Tensor& x) { return 1.0f - x; }, false, kExact},
  };
  Generator gen(100);
  for (const Shape& shape : {Shape{3, 5, 7}, Shape{1000, 101}}) {
    Tensor x = randn(shape, gen) * 2.0f;
    Tensor positive = rand(shape, gen) * 3.0f + 0.05f;
    for (const UnaryFrontCase& c : cases) {
      compare_devices(std::string(c.name) + " " + shape_str(shape), {c.positive_input ? positive : x},
                      [&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, c.tolerance,
                      c.tolerance);
    }
  }
}

struct BroadcastCase {
  Shape a, b;
};
const std::vector<BroadcastCase> kBroadcastCases = {
    {{2, 3, 4}, {2, 3, 4}},
    {{2, 3, 4}, {4}},
    {{2, 3, 4}, {3, 1}},
    {{2, 1, 4}, {3, 1}},
    {{5, 1}, {1, 6}},
    {{}, {3, 4}},
    {{3, 4}, {}},
    {{2, 1, 2, 1, 2, 1, 2, 1, 2}, {2, 1, 2, 1, 2, 1, 2, 1}},  // rank 9, nothing merges
    {{64, 1, 300}, {7, 1}},                                   // many blocks
};

// Shapes only the forward arithmetic on noise runs (ArithmeticOnNoiseIsBitIdenticalToCpu).
const std::vector<BroadcastCase> kMoreBroadcastCases = {
    {{}, {}},                              // scalar with scalar
    {{1}, {7}},
    {{2, 3, 4, 1, 1, 1, 1, 1, 5}, {5}},    // rank 9 that merges down
    {{0, 3}, {3}},                         // empty
    {{256, 1031}, {1031}},                 // many blocks
};

TEST(CudaOps, BinaryOpsBroadcastAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  using Op = Tensor (*)(const Tensor&, const Tensor&);
  struct BinaryFrontCase {
    const char* name;
    Op fn;
    Tolerance forward;
  };
  const std::vector<BinaryFrontCase> differentiable = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, kExact},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, kExact},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, kExact},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, kExact},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, kUlps},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, kExact},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, kExact},
  };
  const std::vector<BinaryFrontCase> comparisons = {
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }, kExact},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }, kExact},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }, kExact},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }, kExact},
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }, kExact},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }, kExact},
  };
  Generator gen(101);
  for (const BroadcastCase& c : kBroadcastCases) {
    // Few distinct positive levels: pow is defined, and ties exercise eq and maximum's gradient.
    Tensor a = levels(c.a, gen), b = levels(c.b, gen);
    const std::string shapes = " " + shape_str(c.a) + " with " + shape_str(c.b);
    for (const BinaryFrontCase& op : differentiable) {
      // The gradients of broadcast operands are summed back (sum_to): reductions.
      compare_devices(op.name + shapes, {a, b},
                      [&](const std::vector<Tensor>& in) { return op.fn(in[0], in[1]); }, op.forward,
                      kSums);
    }
    for (const BinaryFrontCase& op : comparisons) {
      compare_devices(op.name + shapes, {a, b},
                      [&](const std::vector<Tensor>& in) { return op.fn(in[0], in[1]); }, op.forward,
                      kExact, /*grads=*/false);
    }
  }
}

// Forward only, on noise rather than levels: sums and products of noise round, so this checks that
// both devices round add, sub, mul and div alike, over the edge shapes too.
TEST(CudaOps, ArithmeticOnNoiseIsBitIdenticalToCpu) {
  SKIP_WITHOUT_CUDA();
  using Op = Tensor (*)(const Tensor&, const Tensor&);
  const std::vector<std::pair<const char*, Op>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
  };
  Generator gen(11);
  std::vector<BroadcastCase> cases = kBroadcastCases;
  cases.insert(cases.end(), kMoreBroadcastCases.begin(), kMoreBroadcastCases.end());
  for (const BroadcastCase& c : cases) {
    Tensor a = randn(c.a, gen);
    // Denominators in [0.5, 1.5), away from zero.
    Tensor b = rand(c.b, gen) + 0.5f;
    Tensor a_cuda = a.to(Device::CUDA), b_cuda = b.to(Device::CUDA);
    for (const auto& [name, op] : ops) {
      Tensor expected = op(a, b), actual = op(a_cuda, b_cuda);
      std::string what = std::string(name) + " " + shape_str(c.a) + " with " + shape_str(c.b);
      EXPECT_EQ(actual.device(), Device::CUDA) << what;
      EXPECT_EQ(actual.shape(), expected.shape()) << what;
      expect_bit_identical(expected.to_vector(), actual.to_vector(), what);
    }
  }
}

TEST(CudaOps, LargeBinaryCoversTheGridStrideLoop) {
  SKIP_WITHOUT_CUDA();
  // More elements than the largest grid (65536 blocks × 256 threads), so threads loop.
  int64_t n = (int64_t(1) << 24) + 5;
  Generator gen(3);
  Tensor a = rand({n}, gen), b = rand({1}, gen);
  expect_bit_identical(mul(a, b).to_vector(),
                       mul(a.to(Device::CUDA), b.to(Device::CUDA)).to_vector(), "mul (2^24+5) by (1)");
}

TEST(CudaOps, WhereAndInPlaceAddMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(102);
  struct WhereCase {
    Shape cond, a, b;
  };
  const std::vector<WhereCase> cases = {
      {{3, 4}, {3, 4}, {3, 4}}, {{3, 1}, {3, 4}, {4}}, {{}, {2, 3}, {2, 3}}, {{1000}, {64, 1000}, {64, 1}}};
  for (const WhereCase& c : cases) {
    Tensor cond = gt(rand(c.cond, gen), scalar(0.5f));
    Tensor a = randn(c.a, gen), b = randn(c.b, gen);
    compare_devices("where " + shape_str(c.cond) + ", " + shape_str(c.a) + ", " + shape_str(c.b),
                    {a, b}, [&](const std::vector<Tensor>& in) {
                      return where(cond.to(in[0].device()), in[0], in[1]);
                    },
                    kExact, kSums);
  }
  run_case("add_ with broadcasting", [&] {
    Tensor a = randn({5, 6, 7}, gen), b = randn({6, 1}, gen);
    Tensor a_cuda = a.to(Device::CUDA);
    add_(a, b);
    add_(a_cuda, b.to(Device::CUDA));
    expect_close(a, a_cuda, kExact, "add_ (5, 6, 7) += (6, 1)");
  });
}

TEST(CudaOps, ReductionsAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(103);
  struct ReduceCase {
    std::string name;
    std::function<Tensor(const Tensor&)> fn;
  };
  const std::vector<ReduceCase> cases = {
      {"sum all", [](const Tensor& x) { return sum(x); }},
      {"sum axis 0 keepdim", [](const Tensor& x) { return sum(x, {0}, true); }},
      {"sum axes {0, 2}", [](const Tensor& x) { return sum(x, {0, 2}); }},
      {"sum axis -1", [](const Tensor& x) { return sum(x, {-1}); }},
      {"mean axis 1", [](const Tensor& x) { return mean(x, {1}); }},
      {"mean all", [](const Tensor& x) { return mean(x); }},
      {"var axis -1 (correction 1)", [](const Tensor& x) { return var(x, {-1}, false, 1); }},
      {"var axes {0, 2} keepdim", [](const Tensor& x) { return var(x, {0, 2}, true); }},
      {"max axis 1", [](const Tensor& x) { return max(x, {1}); }},
      {"max all", [](const Tensor& x) { return max(x); }},
      {"max axis 0 keepdim", [](const Tensor& x) { return max(x, {0}, true); }},
      {"sum_to (1, C, 1)", [](const Tensor& x) { return sum_to(x, {1, x.shape()[1], 1}); }},
  };
  for (const Shape& shape : {Shape{4, 5, 6}, Shape{8, 3000, 3}, Shape{3000, 2, 40}}) {
    Tensor noise = randn(shape, gen);
    Tensor tied = levels(shape, gen);  // ties: max shares its gradient among equal maxima
    for (const ReduceCase& c : cases) {
      for (const auto& [kind, x] : std::vector<std::pair<std::string, Tensor>>{{"noise", noise}, {"ties", tied}}) {
        compare_devices(c.name + " of " + kind + " " + shape_str(shape), {x},
                        [&](const std::vector<Tensor>& in) { return c.fn(in[0]); }, kSums, kSums);
      }
    }
  }
}

TEST(CudaOps, SoftmaxAndLogSoftmaxGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(104);
  struct SoftmaxCase {
    Shape shape;
    int64_t axis;
  };
  const std::vector<SoftmaxCase> cases = {
      {{4, 10}, -1}, {{3, 1000}, -1}, {{2, 5, 7, 3}, 1}, {{6, 4}, 0}, {{2, 3, 100}, -1}, {{16, 64, 2}, 1}};
  for (const SoftmaxCase& c : cases) {
    Tensor x = randn(c.shape, gen) * 8.0f;
    const std::string where = " " + shape_str(c.shape) + " axis " + std::to_string(c.axis);
    compare_devices("softmax" + where, {x},
                    [&](const std::vector<Tensor>& in) { return softmax(in[0], c.axis); }, kUlps, kSums);
    compare_devices("log_softmax" + where, {x},
                    [&](const std::vector<Tensor>& in) { return log_softmax(in[0], c.axis); }, kUlps,
                    kSums);
  }
}

// The fused group_norm (cuda/cuda_norm.cu, owed its first GPU run) against the CPU's, forward and
// the three gradients: one group, one group per channel, a single position, batch 1, a long group that
// makes each block loop, and the optional γ, β left out.
TEST(CudaOps, GroupNormAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(106);
  struct GroupNormCase {
    Shape shape;
    int64_t groups;
  };
  const std::vector<GroupNormCase> cases = {{{2, 6, 4, 5}, 3}, {{3, 8, 2, 2}, 1}, {{2, 8, 3, 3}, 8},
                                            {{4, 6, 1, 1}, 2}, {{1, 4, 7, 3}, 2}, {{2, 64, 32, 32}, 8}};
  for (const GroupNormCase& c : cases) {
    const int64_t C = c.shape[1];
    Tensor x = randn(c.shape, gen) * 3.0f + 1.0f;
    Tensor weight = randn({C}, gen), bias = randn({C}, gen);
    const std::string where = " " + shape_str(c.shape) + " groups " + std::to_string(c.groups);
    compare_devices("group_norm" + where, {x, weight, bias},
                    [&](const std::vector<Tensor>& in) { return group_norm(in[0], c.groups, in[1], in[2], 1e-5f); },
                    kSums, kSums);
    compare_devices("group_norm without γ, β" + where, {x},
                    [&](const std::vector<Tensor>& in) { return group_norm(in[0], c.groups, Tensor(), Tensor(), 1e-3f); },
                    kSums, kSums);
  }
}

TEST(CudaOps, ShapeOpsAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(105);
  Tensor x4 = randn({2, 3, 4, 5}, gen);
  Tensor big = randn({64, 128, 33}, gen);
  struct ShapeCase {
    std::string name;
    std::vector<Tensor> inputs;
    TensorFn fn;
  };
  const std::vector<ShapeCase> cases = {
      {"permute (3, 1, 0, 2)", {x4}, [](const std::vector<Tensor>& in) { return permute(in[0], {3, 1, 0, 2}); }},
      {"permute big (2, 0, 1)", {big}, [](const std::vector<Tensor>& in) { return permute(in[0], {2, 0, 1}); }},
      {"transpose", {x4}, [](const std::vector<Tensor>& in) { return transpose(in[0], 0, 2); }},
      {"slice axis 1 [1:3]", {x4}, [](const std::vector<Tensor>& in) { return slice(in[0], 1, 1, 3); }},
      {"slice axis -1 step 2", {x4}, [](const std::vector<Tensor>& in) { return slice(in[0], -1, 0, 5, 2); }},
      {"slice axis 2 negative start, step 3", {x4},
       [](const std::vector<Tensor>& in) { return slice(in[0], 2, -4, 4, 3); }},
      {"concat axis 0", {x4, randn({1, 3, 4, 5}, gen)},
       [](const std::vector<Tensor>& in) { return concat(in, 0); }},
      {"concat axis 1 of three", {x4, randn({2, 1, 4, 5}, gen), randn({2, 2, 4, 5}, gen)},
       [](const std::vector<Tensor>& in) { return concat(in, 1); }},
      {"concat axis -1", {x4, randn({2, 3, 4, 2}, gen)},
       [](const std::vector<Tensor>& in) { return concat(in, -1); }},
      {"pad trailing axes", {x4},
       [](const std::vector<Tensor>& in) { return pad(in[0], {{1, 2}, {0, 3}}, 0.5f); }},
      {"pad every axis", {x4},
       [](const std::vector<Tensor>& in) { return pad(in[0], {{0, 1}, {2, 0}, {1, 1}, {3, 2}}); }},
      {"broadcast_to", {randn({3, 1, 5}, gen)},
       [](const std::vector<Tensor>& in) { return broadcast_to(in[0], {2, 3, 4, 5}); }},
      {"reshape then permute", {x4},
       [](const std::vector<Tensor>& in) { return permute(reshape(in[0], {6, 20}), {1, 0}); }},
  };
  for (const ShapeCase& c : cases) compare_devices(c.name, c.inputs, c.fn, kExact, kSums);
}

// |cuda - cpu| <= 1e-5 · (|A|·|B|)_ij elementwise: a relative bound on the sum of |terms|, which
// stays meaningful where the sum cancels to near zero.
void expect_matmul_close(const Tensor& a, const Tensor& b, const Tensor& actual_cuda,
                         const std::string& what) {
  Tensor expected = matmul(a, b);
  ASSERT_EQ(actual_cuda.shape(), expected.shape()) << what;
  std::vector<float> want = expected.to_vector(), got = actual_cuda.to_vector();
  std::vector<float> scale = matmul(abs(a), abs(b)).to_vector();
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    double err = std::fabs((double)got[i] - want[i]);
    double bound = 1e-5 * scale[i] + 1e-30;
    worst = std::max(worst, err / bound);
    ASSERT_LE(err, bound) << what << ": element " << i << ": cpu " << want[i] << ", cuda " << got[i];
  }
  std::printf("[ measured ] %s: worst |cuda - cpu| is %.3g of the 1e-5 bound\n", what.c_str(), worst);
}

TEST(CudaOps, MatmulMatchesCpu) {
  SKIP_WITHOUT_CUDA();
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{37, 53}, {53, 29}},        // odd sizes, one GEMM
      {{1, 1}, {1, 1}},
      {{4, 17, 9}, {4, 9, 13}},    // strided batched
      {{1, 5, 6}, {3, 6, 7}},      // a shared by every matrix (stride 0)
      {{4, 17, 9}, {9, 13}},       // b shared: the batch folds into the rows
      {{2, 1, 5, 6}, {6, 7}},
      {{64}, {64, 10}},            // 1-D operands, as NumPy
      {{10, 64}, {64}},
      {{64}, {64}},                // dot product
      {{5, 0}, {0, 3}},            // empty inner dim: zeros
      {{256, 512}, {512, 384}},    // big enough for cuBLAS' tiled kernels
  };
  Generator gen(5);
  for (const auto& [sa, sb] : cases) {
    Tensor a = randn(sa, gen), b = randn(sb, gen);
    std::string what = "matmul " + shape_str(sa) + " @ " + shape_str(sb);
    run_case(what, [&] {
      Tensor y = matmul(a.to(Device::CUDA), b.to(Device::CUDA));
      EXPECT_EQ(y.device(), Device::CUDA) << what;
      expect_matmul_close(a, b, y, what);
    });
  }
}

// matmul's backward is dA = dY·Bᵀ and dB = Aᵀ·dY as GEMMs with transpose flags, so this checks
// the trans_a / trans_b mapping onto cuBLAS, single and batched.
TEST(CudaOps, MatmulGradientsUseTransposedGemmsCorrectly) {
  SKIP_WITHOUT_CUDA();
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{37, 53}, {53, 29}},
      {{4, 17, 9}, {4, 9, 13}},
  };
  Generator gen(9);
  for (const auto& [sa, sb] : cases) {
    Tensor a = randn(sa, gen), b = randn(sb, gen);
    std::string what = "matmul backward " + shape_str(sa) + " @ " + shape_str(sb);
    run_case(what, [&] {
      Tensor gy = randn(matmul(a, b).shape(), gen);
      Tensor a_cpu = a.detach().requires_grad_(), b_cpu = b.detach().requires_grad_();
      matmul(a_cpu, b_cpu).backward(gy);
      Tensor a_cuda = a.to(Device::CUDA).requires_grad_(), b_cuda = b.to(Device::CUDA).requires_grad_();
      matmul(a_cuda, b_cuda).backward(gy.to(Device::CUDA));
      ASSERT_TRUE(a_cuda.grad().defined() && b_cuda.grad().defined()) << what;
      EXPECT_EQ(a_cuda.grad().device(), Device::CUDA);
      // dA = gy·Bᵀ: the reference is the CPU's gradient, the bound the same |·| product.
      auto check = [&](const Tensor& want, const Tensor& got, const Tensor& scale, const char* name) {
        std::vector<float> w = want.to_vector(), g = got.to_vector(), s = scale.to_vector();
        ASSERT_EQ(w.size(), g.size());
        for (size_t i = 0; i < w.size(); ++i)
          ASSERT_LE(std::fabs((double)g[i] - w[i]), 1e-5 * s[i] + 1e-30)
              << what << " d" << name << " element " << i << ": cpu " << w[i] << ", cuda " << g[i];
      };
      check(a_cpu.grad(), a_cuda.grad(), matmul(abs(gy), transpose(abs(b))), "A");
      check(b_cpu.grad(), b_cuda.grad(), matmul(transpose(abs(a)), abs(gy)), "B");
    });
  }
}

TEST(CudaOps, MatmulAndLinearGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(106);
  compare_devices("matmul broadcast batch (2, 1, 5, 6) @ (3, 6, 7)",
                  {randn({2, 1, 5, 6}, gen), randn({3, 6, 7}, gen)},
                  [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, kSums, kSums);
  compare_devices("matmul (64) @ (64, 10)", {randn({64}, gen), randn({64, 10}, gen)},
                  [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, kSums, kSums);
  compare_devices("linear with bias", {randn({4, 7, 33}, gen), randn({20, 33}, gen), randn({20}, gen)},
                  [](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, kSums, kSums);
  compare_devices("linear without bias", {randn({9, 16}, gen), randn({5, 16}, gen)},
                  [](const std::vector<Tensor>& in) { return linear(in[0], in[1], Tensor()); }, kSums,
                  kSums);
}

struct ConvCase {
  std::string name;
  Shape x, weight;
  bool bias;
  ConvArgs options;
};

void compare_convolutions(const std::vector<ConvCase>& cases, bool transposed) {
  Generator gen(transposed ? 108 : 107);
  for (const ConvCase& c : cases) {
    std::vector<Tensor> inputs = {randn(c.x, gen), randn(c.weight, gen) * 0.3f};
    if (c.bias) inputs.push_back(randn({transposed ? c.weight[1] * c.options.groups : c.weight[0]}, gen));
    const std::string op = transposed ? "conv_transpose2d " : "conv2d ";
    // The column matrix of one image is (rows, positions): conv2d lowers its input, rows C·kh·kw
    // over the output's positions; conv_transpose2d lowers its output, rows O·kh·kw over the input's.
    Tensor y = transposed ? conv_transpose2d(inputs[0], inputs[1], Tensor(), c.options)
                          : conv2d(inputs[0], inputs[1], Tensor(), c.options);
    const int64_t kernel_area = c.weight[2] * c.weight[3];
    const int64_t rows = (transposed ? y.shape()[1] : c.x[1]) * kernel_area;
    const int64_t positions = transposed ? c.x[2] * c.x[3] : y.shape()[2] * y.shape()[3];
    const int64_t two_images = 2 * rows * positions * (int64_t)sizeof(float);
    // The column budget decides how many images one im2col lowers. Budgets: the whole batch in
    // one chunk; one image a chunk; two images a chunk (5 → 2, 2, 1).
    for (int64_t budget : {int64_t(256) << 20, int64_t(1), two_images}) {
      ColumnBudget guard(budget);
      compare_devices(op + c.name + ", column budget " + std::to_string(budget), inputs,
                      [&](const std::vector<Tensor>& in) {
                        Tensor bias = in.size() > 2 ? in[2] : Tensor();
                        return transposed ? conv_transpose2d(in[0], in[1], bias, c.options)
                                          : conv2d(in[0], in[1], bias, c.options);
                      },
                      kSums, kSums);
    }
  }
}

TEST(CudaOps, Conv2dAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  ConvArgs asymmetric = conv_options(2, 0);
  asymmetric.stride_w = 1, asymmetric.pad_top = 1, asymmetric.pad_bottom = 0, asymmetric.pad_left = 2,
  asymmetric.pad_right = 1;
  const std::vector<ConvCase> cases = {
      {"3x3 pad 1", {5, 3, 7, 6}, {4, 3, 3, 3}, true, conv_options(1, 1)},
      {"3x2 stride (2, 1) asymmetric pad", {5, 2, 9, 8}, {3, 2, 3, 2}, false, asymmetric},
      {"dilation 2", {3, 2, 10, 9}, {4, 2, 3, 3}, true, conv_options(1, 2, 2)},
      {"groups 2, stride 2", {5, 4, 8, 8}, {6, 2, 3, 3}, true, conv_options(2, 1, 1, 2)},
      {"depthwise", {4, 3, 6, 6}, {3, 1, 3, 3}, false, conv_options(1, 1, 1, 3)},
      {"1x1", {5, 5, 6, 7}, {3, 5, 1, 1}, true, conv_options(1, 0)},
      {"1x1 stride 2", {3, 4, 7, 7}, {2, 4, 1, 1}, true, conv_options(2, 0)},
      {"4x4 stride 2 pad 1 (DCGAN)", {5, 3, 16, 16}, {8, 3, 4, 4}, false, conv_options(2, 1)},
  };
  compare_convolutions(cases, /*transposed=*/false);
}

TEST(CudaOps, ConvTranspose2dAndGradientsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  ConvArgs output_padding = conv_options(2, 1);
  output_padding.output_padding_h = output_padding.output_padding_w = 1;
  const std::vector<ConvCase> cases = {
      {"4x4 stride 2 pad 1 (DCGAN)", {5, 6, 4, 4}, {6, 3, 4, 4}, false, conv_options(2, 1)},
      {"3x3 stride 2 pad 1 output_padding 1", {3, 4, 5, 5}, {4, 2, 3, 3}, true, output_padding},
      {"groups 2", {5, 4, 6, 6}, {4, 3, 3, 3}, true, conv_options(1, 1, 1, 2)},
      {"dilation 2", {2, 3, 5, 6}, {3, 2, 3, 3}, false, conv_options(1, 2, 2)},
      {"1x1", {5, 5, 4, 4}, {5, 3, 1, 1}, true, conv_options(1, 0)},
      {"4x4 stride 1 pad 0 (DCGAN first layer)", {5, 8, 1, 1}, {8, 4, 4, 4}, false, conv_options(1, 0)},
  };
  compare_convolutions(cases, /*transposed=*/true);
}

// ---- the training loop's in-place updates and optimizers ----

TEST(CudaOps, InPlaceUpdatesMatchCpuExactly) {
  SKIP_WITHOUT_CUDA();
  Generator gen(109);
  const Shape shape = {33, 65};
  Tensor x = rand(shape, gen) + 0.5f, y = randn(shape, gen), z = rand(shape, gen) + 0.5f;
  Tensor xc = x.to(Device::CUDA), yc = y.to(Device::CUDA), zc = z.to(Device::CUDA);
  struct Step {
    const char* name;
    std::function<void(Tensor&, Tensor&, Tensor&)> apply;
  };
  const std::vector<Step> steps = {
      {"mul_ scalar", [](Tensor& x, Tensor&, Tensor&) { mul_(x, 1.75f); }},
      {"add_scalar_", [](Tensor& x, Tensor&, Tensor&) { add_scalar_(x, 0.25f); }},
      {"sqrt_", [](Tensor& x, Tensor&, Tensor&) { sqrt_(x); }},
      {"sub_", [](Tensor& x, Tensor& y, Tensor&) { sub_(x, y); }},
      {"mul_", [](Tensor& x, Tensor& y, Tensor&) { mul_(x, y); }},
      {"div_", [](Tensor& x, Tensor&, Tensor& z) { div_(x, z); }},
      {"axpy_", [](Tensor& x, Tensor& y, Tensor&) { axpy_(y, -0.3f, x); }},
      {"lerp_", [](Tensor& x, Tensor& y, Tensor&) { lerp_(y, x, 0.1f); }},
      {"addcmul_", [](Tensor& x, Tensor& y, Tensor& z) { addcmul_(x, 0.5f, y, z); }},
      {"addcdiv_", [](Tensor& x, Tensor& y, Tensor& z) { addcdiv_(y, -0.2f, x, z); }},
      {"swap_values_", [](Tensor& x, Tensor& y, Tensor&) { swap_values_(x, y); }},
      {"copy_ from the host", [](Tensor& x, Tensor&, Tensor&) { copy_(x, full(x.shape(), 2.0f)); }},
      {"fill_", [](Tensor&, Tensor& y, Tensor&) { fill_(y, -1.0f); }},
  };
  for (const Step& step : steps) {
    run_case(step.name, [&] {
      step.apply(x, y, z);
      step.apply(xc, yc, zc);
      expect_close(x, xc, kExact, std::string(step.name) + ": x");
      expect_close(y, yc, kExact, std::string(step.name) + ": y");
    });
  }
}

// The one-pass optimizer update of every kind, on the same values: the same bits on both devices
// (the kernel rounds each operation as the CPU loop does, tensor/optimizer_math.h).
TEST(CudaOps, OptimizerUpdatePrimitiveMatchesCpuExactly) {
  SKIP_WITHOUT_CUDA();
  Generator gen(111);
  const int64_t n = 100003;
  const Tensor p0 = randn({n}, gen), g = randn({n}, gen), a0 = mul(randn({n}, gen), 0.1f), b0 = rand({n}, gen);
  OptimizerScalars s;
  s.lr = 0.01f, s.beta1 = 0.9f, s.one_minus_beta1 = 0.1f, s.beta2 = 0.999f, s.one_minus_beta2 = 0.001f;
  s.rho = 0.9f, s.one_minus_rho = 0.1f, s.eps = 1e-7f, s.sqrt_bias_correction2 = 0.05f;
  for (OptimizerUpdate update : {OptimizerUpdate::AdamKeras, OptimizerUpdate::AdamTorch, OptimizerUpdate::RMSpropKeras,
                                 OptimizerUpdate::RMSpropTorch, OptimizerUpdate::RMSpropTF2}) {
    run_case("optimizer_update " + std::to_string((int)update), [&] {
      Tensor p[2], a[2], b[2];
      for (int d = 0; d < 2; ++d) {
        const Device device = d ? Device::CUDA : Device::CPU;
        p[d] = p0.clone().to(device), a[d] = a0.clone().to(device), b[d] = b0.clone().to(device);
        const Tensor gd = g.to(device);
        backend(device).optimizer_update(update, s, p[d].data(), gd.data(), a[d].data(), b[d].data(), n);
      }
      expect_close(p[0], p[1], kExact, "parameter");
      expect_close(a[0], a[1], kExact, "first slot");
      expect_close(b[0], b[1], kExact, "second slot");
    });
  }
}

// Dropout's mask primitive thresholds the same uniform stream on both devices.
TEST(CudaOps, DropoutMaskIsBitIdenticalToCpu) {
  SKIP_WITHOUT_CUDA();
  for (int64_t n : {int64_t(1001), int64_t(1) << 20}) {
    Tensor cpu = Tensor::empty({n}), cuda = Tensor::empty({n}, Device::CUDA);
    backend(Device::CPU).dropout_mask(cpu.data(), n, 0.25f, 1.0f / 0.75f, 42, 7);
    backend(Device::CUDA).dropout_mask(cuda.data(), n, 0.25f, 1.0f / 0.75f, 42, 7);
    expect_bit_identical(cpu.to_vector(), cuda.to_vector(), "dropout_mask " + std::to_string(n));
  }
}

// Three steps of each optimizer on the same loss from the same start: the parameters must agree.
TEST(CudaOps, OptimizerStepsMatchCpu) {
  SKIP_WITHOUT_CUDA();
  Generator gen(110);
  Tensor w0 = randn({6, 5}, gen), b0 = randn({5}, gen), data = randn({8, 6}, gen);
  using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
  const std::vector<std::pair<const char*, MakeOptimizer>> optimizers = {
      {"SGD momentum nesterov weight decay",
       [](std::vector<Tensor> p) { return std::make_unique<SGD>(std::move(p), 0.1, 0.9, true, 0.01); }},
      {"Adam (Keras)",
       [](std::vector<Tensor> p) { return std::make_unique<Adam>(Adam::keras(std::move(p), 0.01)); }},
      {"Adam (PyTorch, weight decay)",
       [](std::vector<Tensor> p) {
         return std::make_unique<Adam>(Adam::torch(std::move(p), 0.01, 0.9, 0.999, 1e-8, 0.1));
       }},
      {"RMSprop (tf.keras 2)",
       [](std::vector<Tensor> p) { return std::make_unique<RMSprop>(RMSprop::tf2(std::move(p), 0.01)); }},
  };
  for (const auto& [name, make] : optimizers) {
    run_case(name, [&] {
      std::vector<Tensor> params[2];
      for (int d = 0; d < 2; ++d) {
        const Device device = d ? Device::CUDA : Device::CPU;
        // Fresh copies: the optimizer writes into its parameters' storage.
        Tensor w = w0.clone().to(device).requires_grad_(), b = b0.clone().to(device).requires_grad_();
        Tensor x = data.to(device);
        std::unique_ptr<Optimizer> opt = make({w, b});
        for (int step = 0; step < 3; ++step) {
          opt->zero_grad();
          Tensor loss = mean(pow(tanh(matmul(x, w) + b), 2.0f));
          loss.backward();
          opt->step();
        }
        params[d] = {w.detach(), b.detach()};
      }
      expect_close(params[0][0], params[1][0], kSums, std::string(name) + ": weight");
      expect_close(params[0][1], params[1][1], kSums, std::string(name) + ": bias");
    });
  }
}

// ---- whole training steps ----

// One model built twice from the same seed, one copy moved to the GPU: the same training steps on
// the same data must give the same losses and samples. This runs every layer the models use
// (BatchNormalization, GroupNormalization, pooling, upsampling, attention, the window masks), the
// losses, Adam and the DDIM's EMA on the device. The tolerance allows for the rounding differences
// of many kernels carried through three optimizer steps.
class CudaTrainableModels : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaTrainableModels, TrainingStepsAndSamplesMatchCpu) {
  SKIP_WITHOUT_CUDA();
  const ModelConfig config = murine::testing::small_model_config(GetParam());
  run_case(GetParam(), [&] {
    manual_seed(3);
    std::unique_ptr<Trainable> on_cpu = make_trainable(config);
    manual_seed(3);
    std::unique_ptr<Trainable> on_cuda = make_trainable(config);
    Generator data_gen(1);
    Tensor data = rand({12, 3, config.image_size, config.image_size}, data_gen);
    if (on_cpu->pixel_range() == PixelRange::MinusOneOne) data = data * 2.0f - 1.0f;
    on_cpu->prepare(data);
    on_cuda->prepare(data);
    on_cuda->to(Device::CUDA);
    Generator cpu_gen(5), cuda_gen(5);
    for (int step = 0; step < 3; ++step) {
      Tensor batch = slice(data, 0, 4 * step, 4 * step + 4);
      std::vector<double> want = on_cpu->train_step(batch, cpu_gen);
      std::vector<double> got = on_cuda->train_step(batch.to(Device::CUDA), cuda_gen);
      ASSERT_EQ(want.size(), got.size());
      for (size_t k = 0; k < want.size(); ++k) {
        std::printf("[ measured ] %s step %d %s: cpu %.9g, cuda %.9g\n", GetParam().c_str(), step,
                    on_cpu->loss_names()[k].c_str(), want[k], got[k]);
        EXPECT_NEAR(got[k], want[k], 1e-3 * std::max(1.0, std::fabs(want[k])))
            << GetParam() << " step " << step << " loss " << on_cpu->loss_names()[k];
      }
    }
    Generator cpu_sample_gen(9), cuda_sample_gen(9);
    Tensor want = on_cpu->sample(3, cpu_sample_gen);
    Tensor got = on_cuda->sample(3, cuda_sample_gen);
    expect_close(want, got, Tolerance{0, 1e-3, 0}, GetParam() + " samples after three steps");
  });
}

INSTANTIATE_TEST_SUITE_P(CudaOps, CudaTrainableModels,
                         ::testing::Values("dcgan_torch", "dcgan_keras", "ddim"));

}  // namespace
}  // namespace murine
