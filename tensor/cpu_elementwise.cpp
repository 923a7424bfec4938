// CPU backend: elementwise maps (unary, binary with broadcast strides, where) and strided copies.
// Broadcast operands are read through strides with 0 on broadcast dims, so nothing is materialised.
#include <array>
#include <type_traits>

#include "tensor/cpu_backend.h"
#include "tensor/elementwise_math.h"

namespace murine {

namespace {

constexpr int64_t kParallelMin = 32768;  // below this many elements threads cost more than they save

// Calls body(offsets, inner_strides, inner_len) once per row of `shape` (all axes but the last),
// where offsets[k] is operand k's element offset at the row start. Rows run in parallel.
template <size_t K, typename Body>
void for_each_row(const Shape& shape, const std::array<const Shape*, K>& strides, Body body) {
  int rank = (int)shape.size();
  int64_t inner = rank ? shape[rank - 1] : 1;
  int64_t rows = rank ? numel(shape) / (inner ? inner : 1) : 1;
  if (inner == 0 || rows == 0) return;
  std::array<int64_t, K> inner_strides{};
  for (size_t k = 0; k < K; ++k) inner_strides[k] = rank ? (*strides[k])[rank - 1] : 0;
#pragma omp parallel for if (rows * inner > kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    std::array<int64_t, K> offsets{};
    int64_t rem = r;
    for (int d = rank - 2; d >= 0; --d) {
      int64_t i = rem % shape[d];
      rem /= shape[d];
      for (size_t k = 0; k < K; ++k) offsets[k] += i * (*strides[k])[d];
    }
    body(offsets, inner_strides, inner);
  }
}

// Calls f(std::integral_constant<Op, op>{}) for the runtime `op`, so each loop below is compiled once
// per op with the op a constant: math::unary's switch folds away and the loop vectorises, instead of a
// switch per element.
template <typename F>
void dispatch(UnaryOp op, F&& f) {
  switch (op) {
#define MURINE_DISPATCH_CASE(o, name) \
  case UnaryOp::o: return f(std::integral_constant<UnaryOp, UnaryOp::o>{});
    MURINE_UNARY_OPS(MURINE_DISPATCH_CASE)
#undef MURINE_DISPATCH_CASE
  }
}

template <typename F>
void dispatch(BinaryOp op, F&& f) {
  switch (op) {
#define MURINE_DISPATCH_CASE(o, name) \
  case BinaryOp::o: return f(std::integral_constant<BinaryOp, BinaryOp::o>{});
    MURINE_BINARY_OPS(MURINE_DISPATCH_CASE)
#undef MURINE_DISPATCH_CASE
  }
}

}  // namespace

void CpuBackend::unary(UnaryOp op, float* out, const float* x, int64_t n, float p0, float p1) {
  dispatch(op, [&](auto k) {
#pragma omp parallel for if (n > kParallelMin)
    for (int64_t i = 0; i < n; ++i) out[i] = math::unary(k.value, x[i], p0, p1);
  });
}

void CpuBackend::unary_backward(UnaryOp op, float* gx, const float* x, const float* y,
                                const float* gy, int64_t n, float p0, float p1) {
  dispatch(op, [&](auto k) {
#pragma omp parallel for if (n > kParallelMin)
    for (int64_t i = 0; i < n; ++i)
      gx[i] = gy[i] * math::unary_derivative(k.value, x ? x[i] : 0.0f, y ? y[i] : 0.0f, p0, p1);
  });
}

void CpuBackend::binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
                        const Shape& a_strides, const float* b, const Shape& b_strides) {
  Shape out_strides = contiguous_strides(out_shape);
  if (a_strides == out_strides && b_strides == out_strides) {  // same shapes: one flat loop
    int64_t n = numel(out_shape);
    dispatch(op, [&](auto k) {
#pragma omp parallel for if (n > kParallelMin)
      for (int64_t i = 0; i < n; ++i) out[i] = math::binary(k.value, a[i], b[i]);
    });
    return;
  }
  dispatch(op, [&](auto k) {
    for_each_row<3>(out_shape, {&out_strides, &a_strides, &b_strides},
                    [&](const std::array<int64_t, 3>& o, const std::array<int64_t, 3>& s, int64_t len) {
                      float* po = out + o[0];
                      const float* pa = a + o[1];
                      const float* pb = b + o[2];
                      if (s[1] == 1 && s[2] == 1) {
                        for (int64_t j = 0; j < len; ++j) po[j] = math::binary(k.value, pa[j], pb[j]);
                      } else if (s[1] == 1 && s[2] == 0) {  // a row against a broadcast scalar
                        const float bv = *pb;
                        for (int64_t j = 0; j < len; ++j) po[j] = math::binary(k.value, pa[j], bv);
                      } else {
                        for (int64_t j = 0; j < len; ++j) po[j] = math::binary(k.value, pa[j * s[1]], pb[j * s[2]]);
                      }
                    });
  });
}

void CpuBackend::where(float* out, const Shape& out_shape, const float* cond,
                       const Shape& cond_strides, const float* a, const Shape& a_strides,
                       const float* b, const Shape& b_strides) {
  Shape out_strides = contiguous_strides(out_shape);
  for_each_row<4>(out_shape, {&out_strides, &cond_strides, &a_strides, &b_strides},
                  [&](const std::array<int64_t, 4>& o, const std::array<int64_t, 4>& s, int64_t len) {
                    for (int64_t j = 0; j < len; ++j)
                      out[o[0] + j] = cond[o[1] + j * s[1]] != 0.0f ? a[o[2] + j * s[2]]
                                                                     : b[o[3] + j * s[3]];
                  });
}

void CpuBackend::strided_copy(float* dst, const Shape& dst_strides, const float* src,
                              const Shape& src_strides, const Shape& shape) {
  for_each_row<2>(shape, {&dst_strides, &src_strides},
                  [&](const std::array<int64_t, 2>& o, const std::array<int64_t, 2>& s, int64_t len) {
                    float* pd = dst + o[0];
                    const float* ps = src + o[1];
                    if (s[0] == 1 && s[1] == 1) {
                      for (int64_t j = 0; j < len; ++j) pd[j] = ps[j];
                    } else {
                      for (int64_t j = 0; j < len; ++j) pd[j * s[0]] = ps[j * s[1]];
                    }
                  });
}

}  // namespace murine
