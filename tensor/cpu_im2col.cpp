// The CPU convolution lowering: im2col unfolds one image (C, H, W) into the column matrix
// (C·kh·kw, OH·OW) so a convolution becomes one GEMM; col2im is its exact adjoint and accumulates.
// Window positions come from pad_top/pad_left only; pad_bottom/pad_right only set OH and OW
// (through ConvGeometry::out_h/out_w), so they may even be negative (conv_transpose2d uses that).
#include <algorithm>
#include <cstring>

#include "tensor/cpu_backend.h"

namespace murine {

namespace {

// The outputs o in [lo, hi) of one axis whose input index o·stride + offset lies in [0, size).
// Solving 0 <= o·stride + offset <= size-1 once per row keeps the inner loops free of bounds tests.
struct ValidRange {
  int64_t lo, hi;
};
ValidRange valid_outputs(int64_t out_size, int64_t stride, int64_t offset, int64_t size) {
  int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  hi = std::min(hi, out_size);
  lo = std::min(lo, hi);
  return {lo, hi};
}

// Below this many column elements a parallel region costs more than it saves.
constexpr int64_t kParallelColumnElements = 1 << 15;

}  // namespace

// [im2col] col[(c,i,j), (oy,ox)] = img[c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw], 0 outside
// img (C, H, W) → col (C·kh·kw, OH·OW). Every row (c,i,j) is written by one thread.
void CpuBackend::im2col(const ConvGeometry& g, const float* img, float* col) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t rows = g.channels * g.kernel_h * g.kernel_w;
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
#pragma omp parallel for schedule(static) if (rows * out_h * out_w >= kParallelColumnElements)
  for (int64_t row = 0; row < rows; ++row) {
    const int64_t c = row / kernel_area;
    const int64_t i = (row / g.kernel_w) % g.kernel_h;
    const int64_t j = row % g.kernel_w;
    const float* plane = img + c * g.height * g.width;
    float* col_row = col + row * out_h * out_w;
    const int64_t x_offset = j * g.dilation_w - g.pad_left;
    const ValidRange xs = valid_outputs(out_w, g.stride_w, x_offset, g.width);
    for (int64_t oy = 0; oy < out_h; ++oy) {
      float* out = col_row + oy * out_w;
      const int64_t iy = oy * g.stride_h - g.pad_top + i * g.dilation_h;
      if (iy < 0 || iy >= g.height) {
        std::fill(out, out + out_w, 0.0f);
        continue;
      }
      const float* in = plane + iy * g.width;
      std::fill(out, out + xs.lo, 0.0f);
      if (g.stride_w == 1 && xs.hi > xs.lo) {
        std::memcpy(out + xs.lo, in + xs.lo + x_offset, (size_t)(xs.hi - xs.lo) * sizeof(float));
      } else {
        for (int64_t ox = xs.lo; ox < xs.hi; ++ox) out[ox] = in[ox * g.stride_w + x_offset];
      }
      std::fill(out + xs.hi, out + out_w, 0.0f);
    }
  }
}

// [col2im] img[c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw] += col[(c,i,j), (oy,ox)]
// col (C·kh·kw, OH·OW) → img (C, H, W), accumulating: the adjoint of im2col. Overlapping windows
// write the same pixel, so threads split the channels: channel c's rows write only img[c].
void CpuBackend::col2im(const ConvGeometry& g, const float* col, float* img) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t work = g.channels * g.kernel_h * g.kernel_w * out_h * out_w;
#pragma omp parallel for schedule(static) if (work >= kParallelColumnElements && g.channels > 1)
  for (int64_t c = 0; c < g.channels; ++c) {
    float* plane = img + c * g.height * g.width;
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const float* col_row = col + ((c * g.kernel_h + i) * g.kernel_w + j) * out_h * out_w;
        const int64_t x_offset = j * g.dilation_w - g.pad_left;
        const ValidRange xs = valid_outputs(out_w, g.stride_w, x_offset, g.width);
        for (int64_t oy = 0; oy < out_h; ++oy) {
          const int64_t iy = oy * g.stride_h - g.pad_top + i * g.dilation_h;
          if (iy < 0 || iy >= g.height) continue;
          const float* in = col_row + oy * out_w;
          float* out = plane + iy * g.width;
          for (int64_t ox = xs.lo; ox < xs.hi; ++ox) out[ox * g.stride_w + x_offset] += in[ox];
        }
      }
    }
  }
}

}  // namespace murine
