// CUDA backend: unary maps and their backward; the twin of the unary loops in
// tensor/cpu_elementwise.cpp, one thread per element where the CPU has one loop iteration. The
// scalar maths (every UnaryOp and its derivative) is tensor/elementwise_math.h, shared with the CPU.
// Neg, Abs, Clip, Relu, LeakyRelu, AddScalar, MulScalar are bit-identical to the CPU; the
// transcendental ops (expf, logf, tanhf, powf, …) come from CUDA's maths library and may differ
// from glibc's in the last place.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "tensor/elementwise_math.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

namespace {

// y[i] = f(x[i]); out may alias x. The op is the same for every thread, so the switch inside
// math::unary never diverges within a warp.
__global__ void unary_kernel(UnaryOp op, float* out, const float* x, int64_t n, float p0, float p1) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = math::unary(op, x[i], p0, p1);
}

// gx[i] = gy[i]·f'(x[i]); x or y may be null when the op's derivative does not read it (the
// front end passes the one it saved), and a missing one reads as 0, as on the CPU.
__global__ void unary_backward_kernel(UnaryOp op, float* gx, const float* x, const float* y,
                                      const float* gy, int64_t n, float p0, float p1) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    float xi = x ? x[i] : 0.0f;
    float yi = y ? y[i] : 0.0f;
    gx[i] = gy[i] * math::unary_derivative(op, xi, yi, p0, p1);
  }
}

}  // namespace

void CudaBackend::unary(UnaryOp op, float* out, const float* x, int64_t n, float p0, float p1) {
  if (n == 0) return;
  unary_kernel<<<blocks_for(n), kThreadsPerBlock>>>(op, out, x, n, p0, p1);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::unary_backward(UnaryOp op, float* gx, const float* x, const float* y,
                                 const float* gy, int64_t n, float p0, float p1) {
  if (n == 0) return;
  unary_backward_kernel<<<blocks_for(n), kThreadsPerBlock>>>(op, gx, x, y, gy, n, p0, p1);
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
