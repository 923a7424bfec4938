// The CPU convolution lowering: im2col unfolds a batch of images (N, C, H, W) into one column
// matrix (C·kh·kw, N·OH·OW) so a whole batch's convolution is one GEMM; col2im is its exact adjoint
// and accumulates. One image is the batch of one.
// Window positions come from pad_top/pad_left only; pad_bottom/pad_right only set OH and OW
// (through ConvGeometry::out_h/out_w), so they may even be negative (conv_transpose2d uses that).
//
// Both work one (image, channel) plane at a time. With a horizontal stride s > 1 the plane's columns
// are first split by phase (x mod s: phase r holds columns r, r+s, r+2s, …), so every kernel tap
// reads (im2col) or adds to (col2im) a contiguous run of one phase row instead of every s-th value.
// The bounds of each tap's valid run are solved once per tap, so the inner loops have no tests.
#include <algorithm>
#include <vector>

#include "tensor/cpu_backend.h"

namespace murine {

namespace {

// Below this many column elements a parallel region costs more than it saves.
constexpr int64_t kParallelColumnElements = 1 << 15;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// The outputs o in [lo, hi) of one axis whose input index o·stride + offset lies in [0, size).
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

// A plane (H, W) with its columns split by phase for stride s: phase r, row y, entry q holds
// plane[y, q·s + r]. Every phase row is `phase_width` = ⌈W/s⌉ long (the last entry of a phase
// with fewer columns is unused). For s = 1 it is the plane itself.
struct PhasePlane {
  int64_t height, width, stride, phase_width;
  explicit PhasePlane(const ConvGeometry& g)
      : height(g.height), width(g.width), stride(g.stride_w),
        phase_width((g.width + g.stride_w - 1) / g.stride_w) {}
  int64_t size() const { return stride * height * phase_width; }
  int64_t row(int64_t phase, int64_t y) const { return (phase * height + y) * phase_width; }

  void split(const float* plane, float* phases) const {
    for (int64_t y = 0; y < height; ++y)
      for (int64_t r = 0; r < stride; ++r) {
        float* out = phases + row(r, y);
        const float* in = plane + y * width + r;
        for (int64_t q = 0; q * stride + r < width; ++q) out[q] = in[q * stride];
      }
  }
  void merge(const float* phases, float* plane) const {
    for (int64_t y = 0; y < height; ++y)
      for (int64_t r = 0; r < stride; ++r) {
        const float* in = phases + row(r, y);
        float* out = plane + y * width + r;
        for (int64_t q = 0; q * stride + r < width; ++q) out[q * stride] = in[q];
      }
  }
};

// Kernel column j's run: outputs ox in [lo, hi) read phase row entries ox + shift, where input
// column ox·s + j·dw − pad_left = (ox + shift)·s + phase lies inside the plane.
struct TapColumns {
  int64_t phase, shift, lo, hi;
};
TapColumns tap_columns(const ConvGeometry& g, int64_t j) {
  const int64_t s = g.stride_w, offset = j * g.dilation_w - g.pad_left;
  const int64_t shift = floor_div(offset, s), phase = offset - shift * s;
  const int64_t columns = phase < g.width ? (g.width - phase + s - 1) / s : 0;  // of this phase
  const int64_t hi = std::clamp(columns - shift, (int64_t)0, g.out_w());
  const int64_t lo = std::clamp(-shift, (int64_t)0, hi);
  return {phase, shift, lo, hi};
}

// The runs of every kernel row i (valid output rows) and column j (tap_columns), solved once per
// call: a plane of a 1x1 image has one output per tap, so per-plane bounds would cost more than the copies.
struct Taps {
  std::vector<int64_t> y_offset;  // i·dh − pad_top
  std::vector<ValidRange> rows;
  std::vector<TapColumns> columns;
  explicit Taps(const ConvGeometry& g) {
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      y_offset.push_back(i * g.dilation_h - g.pad_top);
      rows.push_back(valid_outputs(g.out_h(), g.stride_h, y_offset.back(), g.height));
    }
    for (int64_t j = 0; j < g.kernel_w; ++j) columns.push_back(tap_columns(g, j));
  }
};

// One (image, channel) plane's kh·kw rows of the column matrix, `row_stride` apart:
// row (i,j)[(oy,ox)] = plane[oy·sh − pad_top + i·dh, ox·sw − pad_left + j·dw], 0 outside.
void unfold_plane(const ConvGeometry& g, const Taps& taps, const PhasePlane& layout,
                  const float* phases, int64_t row_stride, float* rows) {
  const int64_t out_h = g.out_h(), out_w = g.out_w();
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    const int64_t y_offset = taps.y_offset[i];
    const ValidRange ys = taps.rows[i];
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const TapColumns xs = taps.columns[j];
      float* segment = rows + (i * g.kernel_w + j) * row_stride;
      std::fill(segment, segment + ys.lo * out_w, 0.0f);
      for (int64_t oy = ys.lo; oy < ys.hi; ++oy) {
        float* __restrict out = segment + oy * out_w;
        const float* __restrict in =
            phases + layout.row(xs.phase, oy * g.stride_h + y_offset) + xs.shift;
        for (int64_t ox = 0; ox < xs.lo; ++ox) out[ox] = 0.0f;
        for (int64_t ox = xs.lo; ox < xs.hi; ++ox) out[ox] = in[ox];
        for (int64_t ox = xs.hi; ox < out_w; ++ox) out[ox] = 0.0f;
      }
      std::fill(segment + ys.hi * out_w, segment + out_h * out_w, 0.0f);
    }
  }
}

// The adjoint of unfold_plane: phases[…] += row (i,j)[(oy,ox)] for every tap (i,j) in turn, so
// each pixel receives its taps' values in (i, j) order, as a direct loop over the taps adds them.
void fold_plane(const ConvGeometry& g, const Taps& taps, const PhasePlane& layout,
                const float* rows, int64_t row_stride, float* phases) {
  const int64_t out_w = g.out_w();
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    const int64_t y_offset = taps.y_offset[i];
    const ValidRange ys = taps.rows[i];
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const TapColumns xs = taps.columns[j];
      const float* segment = rows + (i * g.kernel_w + j) * row_stride;
      for (int64_t oy = ys.lo; oy < ys.hi; ++oy) {
        const float* __restrict in = segment + oy * out_w;
        float* __restrict out = phases + layout.row(xs.phase, oy * g.stride_h + y_offset) + xs.shift;
        for (int64_t ox = xs.lo; ox < xs.hi; ++ox) out[ox] += in[ox];
      }
    }
  }
}

}  // namespace

// [im2col] col[(c,i,j), (n,oy,ox)] = img[n, c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw], 0 outside
// images (N, C, H, W) → col (C·kh·kw, N·OH·OW). Each (image, channel) plane's rows are one thread's.
void CpuBackend::im2col_batch(const ConvGeometry& g, int64_t batch, const float* images, float* col) {
  const int64_t positions = g.out_h() * g.out_w();
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t plane_size = g.height * g.width;
  const PhasePlane layout(g);
  const Taps taps(g);
#pragma omp parallel if (g.channels * kernel_area * batch * positions >= kParallelColumnElements)
  {
    std::vector<float> phases(g.stride_w > 1 ? layout.size() : 0);
#pragma omp for collapse(2) schedule(static)
    for (int64_t c = 0; c < g.channels; ++c) {
      for (int64_t n = 0; n < batch; ++n) {
        const float* plane = images + (n * g.channels + c) * plane_size;
        if (g.stride_w > 1) layout.split(plane, phases.data());
        unfold_plane(g, taps, layout, g.stride_w > 1 ? phases.data() : plane, batch * positions,
                     col + (c * kernel_area * batch + n) * positions);
      }
    }
  }
}

// [col2im] img[n, c, oy·sh - pad_top + i·dh, ox·sw - pad_left + j·dw] += col[(c,i,j), (n,oy,ox)]
// col (C·kh·kw, N·OH·OW) → images (N, C, H, W), accumulating: the adjoint of im2col. Overlapping
// windows write the same pixel, so threads split the (image, channel) planes: each is one thread's.
void CpuBackend::col2im_batch(const ConvGeometry& g, int64_t batch, const float* col, float* images) {
  const int64_t positions = g.out_h() * g.out_w();
  const int64_t kernel_area = g.kernel_h * g.kernel_w;
  const int64_t plane_size = g.height * g.width;
  const int64_t work = g.channels * kernel_area * batch * positions;
  const PhasePlane layout(g);
  const Taps taps(g);
#pragma omp parallel if (work >= kParallelColumnElements && batch * g.channels > 1)
  {
    std::vector<float> phases(g.stride_w > 1 ? layout.size() : 0);
#pragma omp for collapse(2) schedule(static)
    for (int64_t c = 0; c < g.channels; ++c) {    // c outer: consecutive planes read adjacent
      for (int64_t n = 0; n < batch; ++n) {        // segments of the same kh·kw column rows
        float* plane = images + (n * g.channels + c) * plane_size;
        const float* rows = col + (c * kernel_area * batch + n) * positions;
        if (g.stride_w > 1) {
          layout.split(plane, phases.data());
          fold_plane(g, taps, layout, rows, batch * positions, phases.data());
          layout.merge(phases.data(), plane);
        } else {
          fold_plane(g, taps, layout, rows, batch * positions, plane);
        }
      }
    }
  }
}

}  // namespace murine
