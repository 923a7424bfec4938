// The CPU convolution lowering: im2col unfolds a batch of images (N, C, H, W) into one column
// matrix (C·kh·kw, N·OH·OW) so a whole batch's convolution is one GEMM; col2im is its exact adjoint
// and accumulates. One image is the batch of one.
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

// One row (c,i,j) of one image's block: segment[(oy,ox)] = plane[oy·sh - pad_top + i·dh,
// ox·sw - pad_left + j·dw], 0 outside. plane is image channel c (H, W); segment holds OH·OW values.
void unfold_row(const ConvGeometry& g, int64_t i, int64_t j, const float* plane, float* segment) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  const int64_t x_offset = j * g.dilation_w - g.pad_left;
  const ValidRange xs = valid_outputs(out_w, g.stride_w, x_offset, g.width);
  for (int64_t oy = 0; oy < out_h; ++oy) {
    float* out = segment + oy * out_w;
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

// The adjoint of unfold_row for one channel c of one image: plane[…] += segment[(oy,ox)] for
// every kernel tap (i,j); rows points at the kh·kw rows (c,·,·), `row_stride` apart.
void fold_channel(const ConvGeometry& g, const float* rows, int64_t row_stride, float* plane) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const float* segment = rows + (i * g.kernel_w + j) * row_stride;
      const int64_t x_offset = j * g.dilation_w - g.pad_left;
      const ValidRange xs = valid_outputs(out_w, g.stride_w, x_offset, g.width);
      for (int64_t oy = 0; oy < out_h; ++oy) {
        const int64_t iy = oy * g.stride_h - g.pad_top + i * g.dilation_h;
        if (iy < 0 || iy >= g.height) continue;
        const float* in = segment + oy * out_w;
        float* out = plane + iy * g.width;
        if (g.stride_w == 1) {  // a contiguous run: out[lo + x_offset ..] += in[lo ..]
          float* dst = out + xs.lo + x_offset;
          const float* src = in + xs.lo;
          for (int64_t k = 0; k < xs.hi - xs.lo; ++k) dst[k] += src[k];
        } else {
          for (int64_t ox = xs.lo; ox < xs.hi; ++ox) out[ox * g.stride_w + x_offset] += in[ox];
        }
      }
    }
  }
}

}  // namespace

// [im2col] col[(c,i,j), (n,oy,ox)] = img[n, c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw], 0 outside
// images (N, C, H, W) → col (C·kh·kw, N·OH·OW). Each (row, image) segment is written by one thread.
void CpuBackend::im2col_batch(const ConvGeometry& g, int64_t batch, const float* images, float* col) {
  const int64_t positions = g.out_h() * g.out_w();
  const int64_t rows = g.channels * g.kernel_h * g.kernel_w;
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t image_size = g.channels * g.height * g.width;
#pragma omp parallel for collapse(2) schedule(static) \
    if (rows * batch * positions >= kParallelColumnElements)
  for (int64_t row = 0; row < rows; ++row) {
    for (int64_t n = 0; n < batch; ++n) {
      const int64_t c = row / kernel_area;
      const int64_t i = (row / g.kernel_w) % g.kernel_h;
      const int64_t j = row % g.kernel_w;
      unfold_row(g, i, j, images + n * image_size + c * g.height * g.width,
                 col + (row * batch + n) * positions);
    }
  }
}

// [col2im] img[n, c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw] += col[(c,i,j), (n,oy,ox)]
// col (C·kh·kw, N·OH·OW) → images (N, C, H, W), accumulating: the adjoint of im2col. Overlapping
// windows write the same pixel, so threads split the (image, channel) planes: each is one thread's.
void CpuBackend::col2im_batch(const ConvGeometry& g, int64_t batch, const float* col, float* images) {
  const int64_t positions = g.out_h() * g.out_w();
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t work = g.channels * kernel_area * batch * positions;
#pragma omp parallel for collapse(2) schedule(static) \
    if (work >= kParallelColumnElements && batch * g.channels > 1)
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t c = 0; c < g.channels; ++c) {
      fold_channel(g, col + (c * kernel_area * batch + n) * positions, batch * positions,
                   images + (n * g.channels + c) * g.height * g.width);
    }
  }
}

}  // namespace murine
