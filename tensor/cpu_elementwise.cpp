// CPU backend: elementwise maps (unary, binary with broadcast strides, where) and strided copies.
// Broadcast operands are read through strides with 0 on broadcast dims, so nothing is materialised.
#include <omp.h>

#include <array>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tensor/cpu_backend.h"
#include "tensor/elementwise_math.h"

namespace murine {

namespace {

constexpr int64_t kParallelMin = 32768;  // below this many elements threads cost more than they save

// An iteration space with its operands' strides, simplified without changing which element meets
// which: axes of size 1 are dropped, and neighbouring axes that every operand steps through as one
// (stride[d] = stride[d+1]·shape[d+1]) are merged, so a contiguous or broadcast block becomes one
// long row instead of many short ones.
template <size_t K>
struct RowSpace {
  Shape shape;
  std::array<Shape, K> strides;
};

template <size_t K>
RowSpace<K> simplify(const Shape& shape, const std::array<const Shape*, K>& strides) {
  RowSpace<K> space;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merges = !space.shape.empty();
    for (size_t k = 0; k < K && merges; ++k)
      merges = space.strides[k].back() == (*strides[k])[d] * shape[d];
    if (merges) {
      space.shape.back() *= shape[d];
      for (size_t k = 0; k < K; ++k) space.strides[k].back() = (*strides[k])[d];
    } else {
      space.shape.push_back(shape[d]);
      for (size_t k = 0; k < K; ++k) space.strides[k].push_back((*strides[k])[d]);
    }
  }
  return space;
}

// Calls body(offsets, inner_strides, inner_len) once per row of the simplified space (all axes but
// the last), where offsets[k] is operand k's element offset at the row start. Rows are split into
// one contiguous block per thread; within a block the offsets advance like an odometer, so only a
// block's first row costs divisions.
template <size_t K, typename Body>
void for_each_row(const Shape& full_shape, const std::array<const Shape*, K>& full_strides, Body body) {
  for (int64_t extent : full_shape)
    if (extent == 0) return;
  const RowSpace<K> space = simplify(full_shape, full_strides);
  const Shape& shape = space.shape;
  const int outer = (int)shape.size() - 1;  // axes above the row; -1 for a single element
  const int64_t inner = outer >= 0 ? shape[outer] : 1;
  int64_t rows = 1;
  for (int d = 0; d < outer; ++d) rows *= shape[d];
  std::array<int64_t, K> inner_strides{};
  for (size_t k = 0; k < K; ++k) inner_strides[k] = outer >= 0 ? space.strides[k][outer] : 0;
  if (rows == 1) {  // one long row: threads split the row itself
#pragma omp parallel if (inner > kParallelMin)
    {
      const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
      const int64_t begin = inner * thread / threads, end = inner * (thread + 1) / threads;
      std::array<int64_t, K> offsets{};
      for (size_t k = 0; k < K; ++k) offsets[k] = begin * inner_strides[k];
      if (end > begin) body(offsets, inner_strides, end - begin);
    }
    return;
  }
#pragma omp parallel if (rows * inner > kParallelMin)
  {
    const int threads = omp_get_num_threads(), thread = omp_get_thread_num();
    const int64_t begin = rows * thread / threads, end = rows * (thread + 1) / threads;
    std::array<int64_t, K> offsets{};
    std::vector<int64_t> index(outer > 0 ? outer : 0);
    int64_t rem = begin;
    for (int d = outer - 1; d >= 0; --d) {
      index[d] = rem % shape[d];
      rem /= shape[d];
      for (size_t k = 0; k < K; ++k) offsets[k] += index[d] * space.strides[k][d];
    }
    for (int64_t r = begin; r < end; ++r) {
      body(offsets, inner_strides, inner);
      for (int d = outer - 1; d >= 0; --d) {  // the next row: carry through the axes
        for (size_t k = 0; k < K; ++k) offsets[k] += space.strides[k][d];
        if (++index[d] < shape[d]) break;
        for (size_t k = 0; k < K; ++k) offsets[k] -= shape[d] * space.strides[k][d];
        index[d] = 0;
      }
    }
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
  // The op's derivative reads x, y or both; the loop is compiled once per case with the other
  // operand a constant 0, so no load in it is conditional and it vectorises.
  dispatch(op, [&](auto k) {
    auto loop = [&](auto x_at, auto y_at) {
#pragma omp parallel for if (n > kParallelMin)
      for (int64_t i = 0; i < n; ++i)
        gx[i] = gy[i] * math::unary_derivative(k.value, x_at(i), y_at(i), p0, p1);
    };
    auto zero = [](int64_t) { return 0.0f; };
    auto from_x = [x](int64_t i) { return x[i]; };
    auto from_y = [y](int64_t i) { return y[i]; };
    if (x && y) loop(from_x, from_y);
    else if (x) loop(from_x, zero);
    else if (y) loop(zero, from_y);
    else loop(zero, zero);
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
                    float* __restrict pd = dst + o[0];
                    const float* __restrict ps = src + o[1];
                    if (s[0] == 1 && s[1] == 1) {
                      std::memcpy(pd, ps, (size_t)len * sizeof(float));
                    } else if (s[0] == 1 && s[1] == 0) {  // a broadcast value along the row
                      const float v = *ps;
                      for (int64_t j = 0; j < len; ++j) pd[j] = v;
                    } else if (s[0] == 1) {
                      const int64_t step = s[1];
                      for (int64_t j = 0; j < len; ++j) pd[j] = ps[j * step];
                    } else {
                      for (int64_t j = 0; j < len; ++j) pd[j * s[0]] = ps[j * s[1]];
                    }
                  });
}

}  // namespace murine
