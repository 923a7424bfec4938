// Connection windows: the fixed 0/1 (or soft) masks that limit which weights of a mouse-mimetic or
// schizophrenia-mimicking layer exist. docs/spec/connection-windows.md is the definition,
// docs/windows.md the explanation with pictures. A layer multiplies its weight by the window once at
// construction (with w_corr) and in every forward pass; the window itself is a constant.
#pragma once
#include <cstdint>
#include <string>

#include "tensor/tensor.h"

namespace murine {

// Which window a masked layer uses and its parameters (Keras argument names), or the window itself.
struct WindowSpec {
  // "2d" | "diagonal" | "gaussian" | "random" | "individual" | "kernel"; "": the layer's default
  // ('2d' for mDense / mConv2D / mConv2DTranspose and make_window, 'diagonal' for SzDense / SzConv2D).
  std::string form = "";
  int64_t input2d_width = 0;     // nx1 ('2d'): nodes per row of the x side's grid
  int64_t output2d_width = 0;    // ny1 ('2d'): nodes per row of the y side's grid
  double window2d_width = 0.5;   // r ('2d'): radius of the window on the unit square
  double param_reduction = 0.5;  // p ('diagonal', 'gaussian', random forms)
  double halfbandwidth = 0.0;    // > 0: explicit half band width (mDense 'diagonal'/'gaussian' only)
  uint64_t seed = 0;             // random forms: Philox seed
  // A given window, used instead of building one: a tensor of the weight's shape, or the path of a
  // .npy file holding one (the window the reference drew with numpy or TensorFlow). Its values must
  // be finite; its figures are counted from it (window_stats_of). `form` is then only a label,
  // except that a 'gaussian' window is taken to carry its w_corr, as a built one does.
  Tensor given = {};
  std::string given_npy = "";
  bool has_given() const { return given.defined() || !given_npy.empty(); }
};

// The window for a weight in PyTorch layout: weight_shape is (ny, nx) for Linear, or
// (ny, nx, kh, kw) for convolutions (Conv: (out, in/groups, kh, kw); ConvTranspose weight
// (in, out/groups, kh, kw): the transposed role swap makes y = input channels, x = output
// channels, exactly the weight's first two axes). `layer` names the calling layer in errors.
// Returns a float32 CPU tensor of weight_shape: 0/1 for hard forms, soft values (w_corr included)
// for 'gaussian'. Convolution windows repeat the (ny, nx) channel window over every tap.
// Forms by weight rank (as the reference layers accept them):
//   rank 2 (mDense / mLinear): '2d', 'diagonal', 'gaussian', 'random', 'individual' (= 'random')
//   rank 4 (mConv2D, mConv2DTranspose): '2d', 'diagonal', 'individual', 'kernel'
// Throws murine::Error naming the layer, the argument and the values for a bad spec.
Tensor make_window(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer);

// Figures of a window as the reference exposes them.
struct WindowStats {
  int64_t num_weights;   // size of the window
  double num_ones;       // sum of the window (for 'gaussian': sum of g before w_corr)
  double usage_percent;  // 100 * num_ones / num_weights
  double reduced_ratio;  // 1 - usage: (num_weights - num_ones)/num_weights; 'gaussian': 1 - Σg/num_weights
  double w_corr;  // num_weights / num_ones (1 when num_ones is 0); 'gaussian': the factor in the window
  double halfbandwidth;  // the hb used ('diagonal'/'gaussian'), else 0
};
WindowStats window_stats(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer);

// A window and its figures, built (or, for a given window, loaded and checked) once.
// make_window and window_stats are its two halves.
struct Window {
  Tensor tensor;  // float32, CPU, of weight_shape
  WindowStats stats;
};
Window build_window(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer);

// The figures counted from a window's values: num_ones = Σ window, usage, reduced ratio and w_corr
// as for a built 0/1 window, halfbandwidth 0. Used for given windows and windows loaded from a state.
WindowStats window_stats_of(const Tensor& window);

// The building blocks: (ny, nx) channel windows, double-precision scans exactly as the spec.
// window_2d: x node i and y node j on the unit square (node_position), kept when j lies inside
// the circle of radius r around i, as the reference's scan rounds it.
Tensor window_2d(int64_t nx, int64_t ny, int64_t nx1, int64_t ny1, double r);
// window_diagonal: a band of half width hb around the diagonal x = y·(nx-1)/(ny-1);
// hb = halfbandwidth when > 0, else diagonal_halfbandwidth(nx, ny, param_reduction).
Tensor window_diagonal(int64_t nx, int64_t ny, double param_reduction, double halfbandwidth);
// window_gaussian: g = exp(-(x - y·rxy)² / (2 hb²)) times w_corr = nx·ny / Σg; hb = halfbandwidth
// when > 0, else 1.5 · diagonal_halfbandwidth(nx, ny, param_reduction).
Tensor window_gaussian(int64_t nx, int64_t ny, double param_reduction, double halfbandwidth);

// hb = nx·ny / sqrt(nx² + ny²) · (1 - sqrt(p)): the half width (measured across the diagonal of
// the nx × ny rectangle) of the band that leaves out two corner triangles of area p·nx·ny, so
// 'diagonal' keeps about 1-p of the weights.
double diagonal_halfbandwidth(int64_t nx, int64_t ny, double param_reduction);

// Where '2d' puts node `index` of a side with n nodes laid out n1 per row: u = (index mod n1)/n1,
// v = (index div n1)/(n div n1). Nodes with index >= n1·(n div n1) land at v >= 1.
struct NodePosition {
  double u, v;
};
NodePosition node_position(int64_t index, int64_t n, int64_t n1);

// The grid width for a side of n nodes when none is given: 2^round(log2(n)/2), about sqrt(n), a
// power of two. Halves round to even, as Python's round() in the reference scripts' Keras DDIM, so the windows
// match the reference's: 128 → 16, 512 → 16 (not 32).
int64_t default_2d_width(int64_t n);

}  // namespace murine
