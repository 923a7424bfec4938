// CUDA backend: elementwise maps; the twin of tensor/cpu_elementwise.cpp. So far the arithmetic
// BinaryOps (add, sub, mul, div), with operands read through broadcast strides (0 on broadcast
// dims) exactly as the CPU reads them. The scalar maths is tensor/elementwise_math.h, shared with
// the CPU, and IEEE add/sub/mul/div round the same on both, so results are bit-identical.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "tensor/elementwise_math.h"
#include "tensor/error.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

namespace {

constexpr int kMaxRank = 16;  // after merging; NumPy allows 64, real models need a handful

// The output shape and each operand's strides, passed to the kernel by value. Built with
// adjacent dims merged wherever both operands walk them as one (always so for same-shape
// operands), which keeps the per-element index arithmetic short.
struct BroadcastIndex {
  int rank = 0;
  int64_t shape[kMaxRank];
  int64_t a_strides[kMaxRank];
  int64_t b_strides[kMaxRank];
};

BroadcastIndex make_broadcast_index(const char* op, const Shape& shape, const Shape& a_strides,
                                    const Shape& b_strides) {
  // Drop size-1 dims (their stride is never used), then merge dim d into the dim after it when
  // stride[d] == stride[d+1]·shape[d+1] for both operands (the output is contiguous, so it always can).
  Shape dims, sa, sb;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!dims.empty() && sa.back() == a_strides[d] * shape[d] && sb.back() == b_strides[d] * shape[d]) {
      dims.back() *= shape[d];
      sa.back() = a_strides[d];
      sb.back() = b_strides[d];
    } else {
      dims.push_back(shape[d]);
      sa.push_back(a_strides[d]);
      sb.push_back(b_strides[d]);
    }
  }
  MURINE_CHECK(dims.size() <= (size_t)kMaxRank,
               op << ": the cuda backend broadcasts at most " << kMaxRank
                  << " dims that cannot be merged; output shape " << shape_str(shape));
  BroadcastIndex index;
  index.rank = (int)dims.size();
  for (int d = 0; d < index.rank; ++d) {
    index.shape[d] = dims[d];
    index.a_strides[d] = sa[d];
    index.b_strides[d] = sb[d];
  }
  return index;
}

// Same shapes: one flat pass, out[i] = a[i] ∘ b[i].
template <BinaryOp op>
__global__ void binary_same_shape_kernel(float* out, const float* a, const float* b, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = math::binary(op, a[i], b[i]);
}

// out[i] = a[i·a_strides] ∘ b[i·b_strides], i unravelled over the (merged) output shape.
template <BinaryOp op>
__global__ void binary_broadcast_kernel(float* out, const float* a, const float* b, int64_t n,
                                        BroadcastIndex index) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    int64_t rem = i, a_offset = 0, b_offset = 0;
    for (int d = index.rank - 1; d >= 0; --d) {
      int64_t coord = rem % index.shape[d];
      rem /= index.shape[d];
      a_offset += coord * index.a_strides[d];
      b_offset += coord * index.b_strides[d];
    }
    out[i] = math::binary(op, a[a_offset], b[b_offset]);
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
    BroadcastIndex index = make_broadcast_index(binary_op_name(op), out_shape, a_strides, b_strides);
    binary_broadcast_kernel<op><<<blocks_for(n), kThreadsPerBlock>>>(out, a, b, n, index);
  }
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
                         const Shape& a_strides, const float* b, const Shape& b_strides) {
  switch (op) {
    case BinaryOp::Add: return launch_binary<BinaryOp::Add>(out, out_shape, a, a_strides, b, b_strides);
    case BinaryOp::Sub: return launch_binary<BinaryOp::Sub>(out, out_shape, a, a_strides, b, b_strides);
    case BinaryOp::Mul: return launch_binary<BinaryOp::Mul>(out, out_shape, a, a_strides, b, b_strides);
    case BinaryOp::Div: return launch_binary<BinaryOp::Div>(out, out_shape, a, a_strides, b, b_strides);
    default: return Backend::binary(op, out, out_shape, a, a_strides, b, b_strides);  // throws
  }
}

}  // namespace murine
