// CUDA backend: the convolution lowering; the twin of tensor/cpu_im2col.cpp. im2col unfolds a
// batch of images (N, C, H, W) into one column matrix (C·kh·kw, N·OH·OW), row index (c, i, j),
// column index (n, oy, ox); col2im is its exact adjoint and accumulates. One image is the batch
// of one. Window positions come from pad_top/pad_left only; pad_bottom and pad_right only set OH
// and OW (ConvGeometry::out_h/out_w), so they may be negative.
//
// im2col: one thread per column element, reading its one image value (or 0 in the padding).
// col2im: one thread per image pixel, gathering the column elements that came from it, so no two
// threads write one pixel (no atomics, deterministic). It adds them in the CPU's order, tap (i, j)
// by tap, onto the pixel's old value, so the result is bit-identical to the CPU's.
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

namespace {

// The geometry as plain values for the kernels (ConvGeometry's out_h/out_w are host functions).
struct ConvIndex {
  int64_t channels, height, width;
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;
  int64_t dilation_h, dilation_w;
  int64_t out_h, out_w;
  int64_t batch;
};

ConvIndex make_conv_index(const ConvGeometry& g, int64_t batch) {
  return {.channels = g.channels, .height = g.height, .width = g.width,
          .kernel_h = g.kernel_h, .kernel_w = g.kernel_w,
          .stride_h = g.stride_h, .stride_w = g.stride_w,
          .pad_top = g.pad_top, .pad_left = g.pad_left,
          .dilation_h = g.dilation_h, .dilation_w = g.dilation_w,
          .out_h = g.out_h(), .out_w = g.out_w(), .batch = batch};
}

// col[(c,i,j), (n,oy,ox)] = images[n, c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw], 0 outside.
// The flat index t walks col row-major: t = (((row·N + n)·OH + oy)·OW + ox), row = (c·kh + i)·kw + j.
__global__ void im2col_kernel(ConvIndex g, const float* images, float* col, int64_t total) {
  for (int64_t t = first_index(); t < total; t += grid_stride()) {
    int64_t rem = t;
    const int64_t ox = rem % g.out_w;
    rem /= g.out_w;
    const int64_t oy = rem % g.out_h;
    rem /= g.out_h;
    const int64_t n = rem % g.batch;
    const int64_t row = rem / g.batch;
    const int64_t j = row % g.kernel_w;
    const int64_t i = (row / g.kernel_w) % g.kernel_h;
    const int64_t c = row / (g.kernel_w * g.kernel_h);
    const int64_t iy = oy * g.stride_h - g.pad_top + i * g.dilation_h;
    const int64_t ix = ox * g.stride_w - g.pad_left + j * g.dilation_w;
    const bool inside = iy >= 0 && iy < g.height && ix >= 0 && ix < g.width;
    col[t] = inside ? images[((n * g.channels + c) * g.height + iy) * g.width + ix] : 0.0f;
  }
}

// The column index along one axis that tap k (0 ≤ k < kernel) reads pixel p from, or -1 when
// none does: o with o·stride - pad + k·dilation = p and 0 ≤ o < out.
__device__ inline int64_t source_output(int64_t p, int64_t k, int64_t stride, int64_t pad,
                                        int64_t dilation, int64_t out) {
  const int64_t scaled = p + pad - k * dilation;  // = o·stride
  if (scaled < 0 || scaled % stride != 0) return -1;
  const int64_t o = scaled / stride;
  return o < out ? o : -1;
}

// images[n, c, y, x] += Σ over taps (i, j) of col[(c,i,j), (n,oy,ox)] for the (oy, ox) whose
// window puts tap (i, j) on (y, x). The flat index t walks images row-major: ((n·C + c)·H + y)·W + x.
__global__ void col2im_kernel(ConvIndex g, const float* col, float* images, int64_t total) {
  const int64_t positions = g.out_h * g.out_w;
  const int64_t row_length = g.batch * positions;  // one row of col
  for (int64_t t = first_index(); t < total; t += grid_stride()) {
    int64_t rem = t;
    const int64_t x = rem % g.width;
    rem /= g.width;
    const int64_t y = rem % g.height;
    rem /= g.height;
    const int64_t c = rem % g.channels;
    const int64_t n = rem / g.channels;
    float value = images[t];
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t oy = source_output(y, i, g.stride_h, g.pad_top, g.dilation_h, g.out_h);
      if (oy < 0) continue;
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t ox = source_output(x, j, g.stride_w, g.pad_left, g.dilation_w, g.out_w);
        if (ox < 0) continue;
        const int64_t row = (c * g.kernel_h + i) * g.kernel_w + j;
        value += col[row * row_length + n * positions + oy * g.out_w + ox];
      }
    }
    images[t] = value;
  }
}

}  // namespace

// images (N, C, H, W) → col (C·kh·kw, N·OH·OW)
void CudaBackend::im2col_batch(const ConvGeometry& g, int64_t batch, const float* images, float* col) {
  const ConvIndex index = make_conv_index(g, batch);
  if (index.out_h <= 0 || index.out_w <= 0) return;
  const int64_t total = g.channels * g.kernel_h * g.kernel_w * batch * index.out_h * index.out_w;
  if (total == 0) return;
  im2col_kernel<<<blocks_for(total), kThreadsPerBlock>>>(index, images, col, total);
  CUDA_CHECK_LAUNCH();
}

// col (C·kh·kw, N·OH·OW) → images (N, C, H, W), accumulating (+=).
void CudaBackend::col2im_batch(const ConvGeometry& g, int64_t batch, const float* col, float* images) {
  const ConvIndex index = make_conv_index(g, batch);
  if (index.out_h <= 0 || index.out_w <= 0) return;
  const int64_t total = batch * g.channels * g.height * g.width;
  if (total == 0 || g.kernel_h * g.kernel_w == 0) return;
  col2im_kernel<<<blocks_for(total), kThreadsPerBlock>>>(index, col, images, total);
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
