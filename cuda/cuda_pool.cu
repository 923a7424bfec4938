// CUDA backend: max pooling; the twin of tensor/cpu_pool.cpp (same geometry, same tie rule).
//
// forward: one thread per output element, scanning its window in row-major order.
// backward: one thread per input pixel, gathering the gradients of the outputs whose window covers
// it and whose argmax is this pixel, in output row-major order onto the pixel's old value: the
// CPU's scatter adds them in that order too, so the result is bit-identical and needs no atomics.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

namespace {

// [max pooling] y[p, oy, ox] = max over the window's cells inside the plane; argmax its index iy·W + ix
// The flat index t walks y row-major: t = (p·OH + oy)·OW + ox.
__global__ void max_pool2d_forward_kernel(PoolGeometry g, const float* x, float* y, float* argmax,
                                          int64_t total) {
  for (int64_t t = first_index(); t < total; t += grid_stride()) {
    const int64_t ox = t % g.out_w;
    const int64_t oy = (t / g.out_w) % g.out_h;
    const int64_t p = t / (g.out_w * g.out_h);
    const float* plane = x + p * g.height * g.width;
    const int64_t y0 = oy * g.stride_h - g.pad_top, x0 = ox * g.stride_w - g.pad_left;
    const int64_t row_lo = y0 > 0 ? y0 : 0, row_hi = y0 + g.kernel_h < g.height ? y0 + g.kernel_h : g.height;
    const int64_t col_lo = x0 > 0 ? x0 : 0, col_hi = x0 + g.kernel_w < g.width ? x0 + g.kernel_w : g.width;
    int64_t best = row_lo * g.width + col_lo;
    float best_value = plane[best];
    for (int64_t iy = row_lo; iy < row_hi; ++iy) {
      for (int64_t ix = col_lo; ix < col_hi; ++ix) {
        const float v = plane[iy * g.width + ix];
        if (v > best_value || (isnan(v) && !isnan(best_value))) {
          best_value = v;
          best = iy * g.width + ix;
        }
      }
    }
    y[t] = best_value;
    argmax[t] = (float)best;
  }
}

// The outputs [lo, hi) along one axis whose window o·stride − pad + [0, kernel) covers cell i.
__device__ inline void covering_outputs(int64_t i, int64_t stride, int64_t pad, int64_t kernel,
                                        int64_t out, int64_t& lo, int64_t& hi) {
  const int64_t first = i + pad - kernel + 1;  // o·stride ≥ first
  lo = first <= 0 ? 0 : (first + stride - 1) / stride;
  hi = (i + pad) / stride + 1;  // o·stride ≤ i + pad
  if (hi > out) hi = out;
}

// [max pooling backward] dx[p, i] += Σ dy[p, o] over the outputs o whose argmax is i
// The flat index t walks gx row-major: t = (p·H + iy)·W + ix.
__global__ void max_pool2d_backward_kernel(PoolGeometry g, const float* gy, const float* argmax,
                                           float* gx, int64_t total) {
  const int64_t outputs = g.out_h * g.out_w;
  for (int64_t t = first_index(); t < total; t += grid_stride()) {
    const int64_t ix = t % g.width;
    const int64_t iy = (t / g.width) % g.height;
    const int64_t p = t / (g.width * g.height);
    const int64_t self = iy * g.width + ix;
    int64_t oy_lo, oy_hi, ox_lo, ox_hi;
    covering_outputs(iy, g.stride_h, g.pad_top, g.kernel_h, g.out_h, oy_lo, oy_hi);
    covering_outputs(ix, g.stride_w, g.pad_left, g.kernel_w, g.out_w, ox_lo, ox_hi);
    float value = gx[t];
    for (int64_t oy = oy_lo; oy < oy_hi; ++oy) {
      for (int64_t ox = ox_lo; ox < ox_hi; ++ox) {
        const int64_t o = p * outputs + oy * g.out_w + ox;
        if ((int64_t)argmax[o] == self) value += gy[o];
      }
    }
    gx[t] = value;
  }
}

}  // namespace

// x (planes, H, W) → y, argmax (planes, OH, OW)
void CudaBackend::max_pool2d_forward(const PoolGeometry& g, int64_t planes, const float* x, float* y,
                                     float* argmax) {
  const int64_t total = planes * g.out_h * g.out_w;
  if (total <= 0) return;
  max_pool2d_forward_kernel<<<blocks_for(total), kThreadsPerBlock>>>(g, x, y, argmax, total);
  CUDA_CHECK_LAUNCH();
}

// gy, argmax (planes, OH, OW) → gx (planes, H, W), accumulated
void CudaBackend::max_pool2d_backward(const PoolGeometry& g, int64_t planes, const float* gy,
                                      const float* argmax, float* gx) {
  const int64_t total = planes * g.height * g.width;
  if (total <= 0 || g.out_h * g.out_w <= 0) return;
  max_pool2d_backward_kernel<<<blocks_for(total), kThreadsPerBlock>>>(g, gy, argmax, gx, total);
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
