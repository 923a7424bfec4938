// CUDA backend: the broadcast maps, binary (every BinaryOp) and where; the twin of the binary and
// where loops in tensor/cpu_elementwise.cpp. Operands are read through their own strides (0 on
// broadcast dims, or any general strides, which the conv code passes for its first operand); the
// output is contiguous. The scalar maths is math::binary from tensor/elementwise_math.h, shared
// with the CPU: IEEE add/sub/mul/div and the comparisons are bit-identical to the CPU's, Pow goes
// through CUDA's powf, which may differ from glibc's in the last place.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "cuda/strided_index.h"
#include "tensor/elementwise_math.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;
using cuda::StridedIndex;

namespace {

// Same shapes, both contiguous: one flat pass, out[i] = a[i] ∘ b[i] (out may alias a or b).
template <BinaryOp op>
__global__ void binary_same_shape_kernel(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = math::binary(op, a[i], b[i]);
}

// out[i] = a[offset_a(i)] ∘ b[offset_b(i)], i unravelled over the (merged) output shape.
template <BinaryOp op>
__global__ void binary_strided_kernel(float* out, const float* a, const float* b, int64_t n,
                                      StridedIndex<2> index) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t offset[2];
    index.offsets(i, offset);
    out[i] = math::binary(op, a[offset[0]], b[offset[1]]);
  }
}

template <BinaryOp op>
void launch_binary(float* out, const Shape& out_shape, const float* a, const Shape& a_strides,
                   const float* b, const Shape& b_strides) {
  int64_t n = numel(out_shape);
  if (n == 0) return;
  Shape out_strides = contiguous_strides(out_shape);
  if (a_strides == out_strides && b_strides == out_strides) {
    binary_same_shape_kernel<op><<<blocks_for(n), kThreadsPerBlock>>>(out, a, b, n);
  } else {
    StridedIndex<2> index =
        cuda::make_strided_index<2>(binary_op_name(op), out_shape, {&a_strides, &b_strides});
    binary_strided_kernel<op><<<blocks_for(n), kThreadsPerBlock>>>(out, a, b, n, index);
  }
  CUDA_CHECK_LAUNCH();
}

// out[i] = cond[offset_c(i)] != 0 ? a[offset_a(i)] : b[offset_b(i)]
__global__ void where_kernel(float* out, const float* cond, const float* a, const float* b,
                             int64_t n, StridedIndex<3> index) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t offset[3];
    index.offsets(i, offset);
    out[i] = cond[offset[0]] != 0.0f ? a[offset[1]] : b[offset[2]];
  }
}

}  // namespace

// One instantiation per op, so each kernel's inner loop has its maths inlined with no switch.
void CudaBackend::binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
                         const Shape& a_strides, const float* b, const Shape& b_strides) {
#define MURINE_LAUNCH_BINARY_CASE(binary_op, name) \
  case BinaryOp::binary_op:                       \
    return launch_binary<BinaryOp::binary_op>(out, out_shape, a, a_strides, b, b_strides);
  switch (op) { MURINE_BINARY_OPS(MURINE_LAUNCH_BINARY_CASE) }
#undef MURINE_LAUNCH_BINARY_CASE
  throw Error(std::string("binary: unknown BinaryOp ") + std::to_string((int)op));
}

void CudaBackend::where(float* out, const Shape& out_shape, const float* cond,
                        const Shape& cond_strides, const float* a, const Shape& a_strides,
                        const float* b, const Shape& b_strides) {
  int64_t n = numel(out_shape);
  if (n == 0) return;
  StridedIndex<3> index =
      cuda::make_strided_index<3>("where", out_shape, {&cond_strides, &a_strides, &b_strides});
  where_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, cond, a, b, n, index);
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
