// The CPU max pooling: each (H, W) plane of an NCHW tensor is pooled on its own, so OpenMP splits
// the N·C planes between threads and no two threads ever write one element.
#include <algorithm>
#include <cmath>

#include "tensor/cpu_backend.h"

namespace murine {

namespace {

// Below this many output elements a parallel region costs more than it saves.
constexpr int64_t kParallelPoolOutputs = 1 << 14;

// The cells [lo, hi) of one axis that window o covers inside the plane: o·stride − pad + [0, kernel).
struct WindowRange {
  int64_t lo, hi;
};
WindowRange window_cells(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t size) {
  const int64_t start = o * stride - pad;
  return {std::max<int64_t>(start, 0), std::min<int64_t>(start + kernel, size)};
}

// Whether `candidate` replaces `best` as a window's maximum: larger, or the first NaN (a NaN wins).
inline bool beats(float candidate, float best) {
  return candidate > best || (std::isnan(candidate) && !std::isnan(best));
}

// The common 2×2 stride-2 unpadded pooling whose windows all lie inside the plane (Keras "valid",
// PyTorch without ceil_mode): the four cells in row-major window order, compared with selects that
// g++ vectorises over ox (the general loop's branches mispredict on every other cell). Same maximum,
// same argmax as the general loop.
bool is_inner_2x2(const PoolGeometry& g) {
  return g.kernel_h == 2 && g.kernel_w == 2 && g.stride_h == 2 && g.stride_w == 2 && g.pad_top == 0 &&
         g.pad_left == 0 && 2 * g.out_h <= g.height && 2 * g.out_w <= g.width;
}
void max_pool_plane_2x2(const PoolGeometry& g, const float* plane, float* out, float* index) {
  const int64_t W = g.width;
  for (int64_t oy = 0; oy < g.out_h; ++oy) {
    const float* __restrict top = plane + 2 * oy * W;
    const float* __restrict bottom = top + W;
    float* __restrict y = out + oy * g.out_w;
    float* __restrict argmax = index + oy * g.out_w;
    const float first = (float)(2 * oy * W);  // the index of the row's first window's first cell
    const int out_w = (int)g.out_w;  // int: SSE2 converts 32-bit integers to float, so this loop vectorises
    for (int ox = 0; ox < out_w; ++ox) {
      const float a = top[2 * ox], b = top[2 * ox + 1], c = bottom[2 * ox], d = bottom[2 * ox + 1];
      float best = a, offset = 0.0f;  // the winner's offset from the window's first cell
      const bool take_b = beats(b, best);
      best = take_b ? b : best;
      offset = take_b ? 1.0f : offset;
      const bool take_c = beats(c, best);
      best = take_c ? c : best;
      offset = take_c ? (float)W : offset;
      const bool take_d = beats(d, best);
      best = take_d ? d : best;
      offset = take_d ? (float)(W + 1) : offset;
      y[ox] = best;
      argmax[ox] = first + (float)(2 * ox) + offset;  // exact: the op keeps indices below 2^24
    }
  }
}

}  // namespace

// [max pooling] y[p, oy, ox] = max of x[p, iy, ix] over the window's cells inside the plane;
//   argmax = iy·W + ix of the first maximum in row-major window order (a NaN wins, as PyTorch)
// x (planes, H, W) → y, argmax (planes, OH, OW)
void CpuBackend::max_pool2d_forward(const PoolGeometry& g, int64_t planes, const float* x, float* y,
                                    float* argmax) {
  const int64_t H = g.height, W = g.width, OH = g.out_h, OW = g.out_w;
  const bool inner_2x2 = is_inner_2x2(g);
#pragma omp parallel for schedule(static) if (planes * OH * OW >= kParallelPoolOutputs)
  for (int64_t p = 0; p < planes; ++p) {
    const float* plane = x + p * H * W;
    float* out = y + p * OH * OW;
    float* index = argmax + p * OH * OW;
    if (inner_2x2) {
      max_pool_plane_2x2(g, plane, out, index);
      continue;
    }
    for (int64_t oy = 0; oy < OH; ++oy) {
      const WindowRange rows = window_cells(oy, g.stride_h, g.pad_top, g.kernel_h, H);
      for (int64_t ox = 0; ox < OW; ++ox) {
        const WindowRange cols = window_cells(ox, g.stride_w, g.pad_left, g.kernel_w, W);
        int64_t best = rows.lo * W + cols.lo;  // the op guarantees the window holds a cell
        float best_value = plane[best];
        for (int64_t iy = rows.lo; iy < rows.hi; ++iy) {
          for (int64_t ix = cols.lo; ix < cols.hi; ++ix) {
            const float v = plane[iy * W + ix];
            if (beats(v, best_value)) {
              best_value = v;
              best = iy * W + ix;
            }
          }
        }
        out[oy * OW + ox] = best_value;
        index[oy * OW + ox] = (float)best;
      }
    }
  }
}

// [max pooling backward] dx[p, argmax[p, o]] += dy[p, o]  (each output's gradient to its winner)
// gy, argmax (planes, OH, OW) → gx (planes, H, W), accumulated
void CpuBackend::max_pool2d_backward(const PoolGeometry& g, int64_t planes, const float* gy,
                                     const float* argmax, float* gx) {
  const int64_t HW = g.height * g.width, outputs = g.out_h * g.out_w;
#pragma omp parallel for schedule(static) if (planes * outputs >= kParallelPoolOutputs)
  for (int64_t p = 0; p < planes; ++p) {
    const float* dy = gy + p * outputs;
    const float* index = argmax + p * outputs;
    float* dx = gx + p * HW;
    for (int64_t o = 0; o < outputs; ++o) dx[(int64_t)index[o]] += dy[o];
  }
}

}  // namespace murine
