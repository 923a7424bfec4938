// The CUDA backend against the CPU backend, through the public API only: transfers, fills, the
// arithmetic ops with broadcasting, matmul (and its transposed GEMMs in backward), the random
// streams and block reuse by the caching allocator. Every test skips, saying why, when the build
// has no CUDA backend (make without CUDA=1) or no GPU is visible.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tests/cuda_test_helpers.h"

namespace murine {
namespace {

// Runs one case; every primitive it reaches must exist on the CUDA backend, so a missing one
// (an error "... not implemented on the cuda backend yet") fails the test.
void run_case(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    ADD_FAILURE() << e.what();
  }
}

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

// Equal bit for bit, except that any NaN matches any NaN (CPU and GPU NaNs carry different bits).
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

// ---- transfers ----

TEST(Cuda, HostDeviceHostRoundTripIsBitExact) {
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

// ---- fills ----

TEST(Cuda, FillsMatchCpu) {
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

// ---- elementwise arithmetic with broadcasting ----

struct BinaryCase {
  Shape a, b;
};

TEST(Cuda, AddSubMulDivBroadcastMatchCpuExactly) {
  SKIP_WITHOUT_CUDA();
  const std::vector<BinaryCase> cases = {
      {{2, 3, 4}, {2, 3, 4}},          // same shapes (the flat kernel)
      {{2, 3, 4}, {4}},                // row vector
      {{2, 3, 4}, {3, 1}},             // column vector
      {{2, 1, 4}, {3, 1}},             // both sides broadcast
      {{5, 1}, {1, 6}},                // outer product shape
      {{}, {3, 4}},                    // scalar on the left
      {{3, 4}, {}},                    // scalar on the right
      {{}, {}},                        // scalar with scalar
      {{1}, {7}},
      {{2, 3, 4, 1, 1, 1, 1, 1, 5}, {5}},         // rank 9 that merges down
      {{2, 1, 2, 1, 2, 1, 2, 1, 2}, {2, 1, 2, 1, 2, 1, 2, 1}},  // rank 9 alternating: no merging
      {{0, 3}, {3}},                   // empty
      {{256, 1031}, {1031}},           // many blocks
  };
  using Op = Tensor (*)(const Tensor&, const Tensor&);
  const std::vector<std::pair<const char*, Op>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
  };
  Generator gen(11);
  for (const BinaryCase& c : cases) {
    Tensor a = randn(c.a, gen);
    // Denominators in [0.5, 1.5) with both signs kept away from zero.
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

TEST(Cuda, LargeBinaryCoversTheGridStrideLoop) {
  SKIP_WITHOUT_CUDA();
  // More elements than the largest grid (65536 blocks × 256 threads), so threads loop.
  int64_t n = (int64_t(1) << 24) + 5;
  Generator gen(3);
  Tensor a = rand({n}, gen), b = rand({1}, gen);
  expect_bit_identical(mul(a, b).to_vector(),
                       mul(a.to(Device::CUDA), b.to(Device::CUDA)).to_vector(), "mul (2^24+5) by (1)");
}

// ---- matmul through cuBLAS ----

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

TEST(Cuda, MatmulMatchesCpu) {
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
    run_case([&] {
      Tensor y = matmul(a.to(Device::CUDA), b.to(Device::CUDA));
      EXPECT_EQ(y.device(), Device::CUDA) << what;
      expect_matmul_close(a, b, y, what);
    });
  }
}

// matmul's backward is dA = dY·Bᵀ and dB = Aᵀ·dY as GEMMs with transpose flags, so this checks
// the trans_a / trans_b mapping onto cuBLAS, single and batched.
TEST(Cuda, MatmulGradientsUseTransposedGemmsCorrectly) {
  SKIP_WITHOUT_CUDA();
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{37, 53}, {53, 29}},
      {{4, 17, 9}, {4, 9, 13}},
  };
  Generator gen(9);
  for (const auto& [sa, sb] : cases) {
    Tensor a = randn(sa, gen), b = randn(sb, gen);
    std::string what = "matmul backward " + shape_str(sa) + " @ " + shape_str(sb);
    run_case([&] {
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

// ---- random streams ----

TEST(Cuda, RandIsBitIdenticalToCpu) {
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
TEST(Cuda, RandnMatchesCpuToTheLastUlps) {
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

// ---- the caching allocator ----

TEST(Cuda, AllocatorReusesAFreedBlock) {
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

}  // namespace
}  // namespace murine
