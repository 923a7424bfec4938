// Connection windows (layers/window.h): the '2d', 'diagonal' and 'gaussian' scans of the spec
// (docs/spec/connection-windows.md), the random forms, the expansion of a channel window
// over the taps of a convolution kernel, and the figures (num_ones, %usage, w_corr).
//
// Bit-exactness: the scans below do the reference's double-precision operations in the reference's
// order (murine compiles with -std=c++20, ISO mode, so g++ does not fuse a*b+c into an FMA), and the
// window is stored as float32 only at the end, so a window equals the reference's element for element.
#include "layers/window.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "autograd/ops.h"
#include "io/npy.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace murine {

namespace {

// The (ny, nx) channel window of a weight, as doubles, before it is repeated over the taps.
struct ChannelWindow {
  std::vector<double> values;  // row-major (ny, nx)
  double gsum = -1;            // 'gaussian' only: Σg before w_corr
  double halfbandwidth = 0;    // the hb used by 'diagonal' / 'gaussian'
};

// Which nodes a weight connects: y = weight axis 0, x = weight axis 1, taps = kh·kw (1 for Linear).
struct Sides {
  int64_t ny, nx, taps;
  bool conv;
};

Sides sides_of(const Shape& weight_shape, const std::string& layer) {
  MURINE_CHECK(weight_shape.size() == 2 || weight_shape.size() == 4,
               layer << ": a window needs a weight of rank 2 (ny, nx) or 4 (ny, nx, kh, kw); got "
                     << shape_str(weight_shape));
  for (int64_t d : weight_shape)
    MURINE_CHECK(d > 0, layer << ": window for an empty weight " << shape_str(weight_shape));
  Sides s{weight_shape[0], weight_shape[1], 1, weight_shape.size() == 4};
  if (s.conv) s.taps = weight_shape[2] * weight_shape[3];
  return s;
}

void check_param_reduction(double p, const std::string& layer, const std::string& form) {
  MURINE_CHECK(p >= 0.0 && p <= 1.0,
               layer << ": param_reduction must be in [0, 1] for form '" << form << "'; got " << p);
}

void check_halfbandwidth(double hb, const std::string& layer) {
  MURINE_CHECK(std::isfinite(hb) && hb >= 0.0,
               layer << ": halfbandwidth must be a finite number >= 0 (0: computed from "
                        "param_reduction); got "
                     << hb);
}

// One check of a '2d' grid width against the node count of its side.
void check_2d_width(const char* argument, int64_t width, const char* side, int64_t n,
                    const std::string& layer) {
  MURINE_CHECK(width >= 1 && width <= n, layer << ": " << argument << " " << width << " must be in [1, " << n
                                               << "], the " << n << " nodes of the " << side
                                               << "; give the grid's row length, about sqrt(" << n << ")");
}

void check_2d(int64_t nx, int64_t ny, int64_t nx1, int64_t ny1, double r, const std::string& layer,
              const char* x_side, const char* y_side) {
  MURINE_CHECK(std::isfinite(r) && r > 0.0,
               layer << ": window2d_width must be a finite number > 0 (the window's radius on the "
                        "unit square; 0.4-0.6 recommended); got "
                     << r);
  check_2d_width("input2d_width", nx1, x_side, nx, layer);
  check_2d_width("output2d_width", ny1, y_side, ny, layer);
}

// [window 2d] x node i at (ox, oy) = ((i mod nx1)/nx1, (i div nx1)/nx2), y node j = ky·ny1 + kx at
// (kx/ny1, ky/ny2). For each grid row ky in ceil((oy ± r)·ny2) clamped to 0..ny2 (half open) with
// d² = r² - (ky/ny2 - oy)² > 0, keep kx from ceil((ox - d)·ny1) up to ceil((ox + d)·ny1), clamped
// to 0..ny1: the left edge of the circle is inclusive, the right one exclusive, as the reference.
ChannelWindow scan_2d(int64_t nx, int64_t ny, int64_t nx1, int64_t ny1, double r) {
  ChannelWindow w;
  w.values.assign(ny * nx, ny <= 1 ? 1.0 : 0.0);  // a single y node connects to everything
  if (ny <= 1) return w;
  const int64_t ny2 = ny / ny1;  // rows of the y grid (nx2 = nx div nx1 is inside node_position)
  const double r2 = r * r;
  for (int64_t i = 0; i < nx; ++i) {
    const NodePosition o = node_position(i, nx, nx1);
    // Rows ky of the y grid that the circle reaches; clamped in double before the integer cast.
    const int64_t ky_lo = (int64_t)std::max(std::ceil((o.v - r) * (double)ny2), 0.0);
    const int64_t ky_hi = (int64_t)std::min(std::ceil((o.v + r) * (double)ny2), (double)ny2);
    for (int64_t ky = ky_lo; ky < ky_hi; ++ky) {
      const double dy = (double)ky / (double)ny2 - o.v;
      const double d2 = r2 - dy * dy;
      if (!(d2 > 0.0)) continue;
      const double d = std::sqrt(d2);
      const int64_t kx_lo = (int64_t)std::max(std::ceil((o.u - d) * (double)ny1), 0.0);
      const int64_t kx_hi = (int64_t)std::min(std::ceil((o.u + d) * (double)ny1), (double)ny1);
      for (int64_t kx = kx_lo; kx < kx_hi; ++kx) w.values[(ky * ny1 + kx) * nx + i] = 1.0;
    }
  }
  return w;
}

double chosen_halfbandwidth(int64_t nx, int64_t ny, double p, double halfbandwidth) {
  return halfbandwidth > 0.0 ? halfbandwidth : diagonal_halfbandwidth(nx, ny, p);
}

// [window diagonal] rxy = (nx-1)/(ny-1), hwdiv = hb·sqrt(rxy² + 1); row y keeps
// x in [trunc(rxy·y - hwdiv) + 1 (0 when negative), ceil(rxy·y + hwdiv) (nx when >= nx)).
ChannelWindow scan_diagonal(int64_t nx, int64_t ny, double p, double halfbandwidth) {
  ChannelWindow w;
  w.halfbandwidth = chosen_halfbandwidth(nx, ny, p, halfbandwidth);
  w.values.assign(ny * nx, ny <= 1 ? 1.0 : 0.0);
  if (ny <= 1) return w;
  const double rxy = (double)(nx - 1) / (double)(ny - 1);
  const double hwdiv = w.halfbandwidth * std::sqrt(rxy * rxy + 1.0);
  for (int64_t y = 0; y < ny; ++y) {
    const double lo = rxy * (double)y - hwdiv;
    const int64_t x_lo = lo >= 0.0 ? (int64_t)lo + 1 : 0;  // (int64_t) truncates, as Python's int()
    if (x_lo > nx - 1) continue;
    const double hi = rxy * (double)y + hwdiv;
    const int64_t x_hi = hi < (double)nx ? (int64_t)std::ceil(hi) : nx;
    for (int64_t x = x_lo; x < x_hi; ++x) w.values[y * nx + x] = 1.0;
  }
  return w;
}

// [window gaussian] hb = halfbandwidth, or 1.5·diagonal_halfbandwidth when computed from p;
// g[y][x] = exp(-(x - rxy·y)² / (2 hb²)), summed x-major as the reference; window = g·w_corr.
ChannelWindow scan_gaussian(int64_t nx, int64_t ny, double p, double halfbandwidth) {
  ChannelWindow w;
  w.halfbandwidth = halfbandwidth > 0.0 ? halfbandwidth : diagonal_halfbandwidth(nx, ny, p) * 1.5;
  w.values.assign(ny * nx, 1.0);
  if (!(w.halfbandwidth > 0.0) || ny <= 1) return w;  // no band: all ones, Σg undefined
  const double sgm2 = 1.0 / (2.0 * w.halfbandwidth * w.halfbandwidth);
  const double rxy = (double)(nx - 1) / (double)(ny - 1);
  double gsum = 0.0;
  for (int64_t x = 0; x < nx; ++x)
    for (int64_t y = 0; y < ny; ++y) {
      const double t = (double)x - rxy * (double)y;
      const double g = std::exp(-t * t * sgm2);
      w.values[y * nx + x] = g;
      gsum += g;
    }
  w.gsum = gsum;
  // [w_corr] the soft window carries w_corr = nx·ny / Σg itself.
  const double w_corr = gsum > 0.0 ? (double)(nx * ny) / gsum : 1.0;
  for (double& v : w.values) v *= w_corr;
  return w;
}

const char* kFormList = "'2d', 'diagonal', 'gaussian', 'random', 'individual', 'kernel'";

// The form a layer asked for (empty: '2d'), checked against the weight's rank.
std::string checked_form(const WindowSpec& spec, const Sides& s, const Shape& weight_shape, const std::string& layer) {
  const std::string form = spec.form.empty() ? std::string("2d") : spec.form;
  const bool known = form == "2d" || form == "diagonal" || form == "gaussian" || form == "random" ||
                     form == "individual" || form == "kernel";
  MURINE_CHECK(known, layer << ": unknown window form '" << form << "'; valid forms: " << kFormList);
  if (s.conv) {
    MURINE_CHECK(form != "gaussian" && form != "random",
                 layer << ": form '" << form << "' is for dense (Linear) weights only; the "
                       << "convolution weight " << shape_str(weight_shape)
                       << " accepts '2d', 'diagonal', 'individual', 'kernel'");
  } else {
    MURINE_CHECK(form != "kernel",
                 layer << ": form 'kernel' keeps or drops whole kernels, so it is for convolution "
                       << "weights only; the dense weight " << shape_str(weight_shape)
                       << " accepts '2d', 'diagonal', 'gaussian', 'random', 'individual'");
  }
  return form;
}

// [window usage] %usage = 100·num_ones/num_weights; reduced ratio = (num_weights - num_ones)/num_weights
// ('gaussian': 1 - Σg/num_weights, the reference's two spellings of 1 - usage).
WindowStats stats_of(int64_t total, double num_ones, double gsum, double hb) {
  WindowStats st{};
  st.num_weights = total;
  st.num_ones = num_ones;
  st.usage_percent = 100.0 * num_ones / (double)total;
  st.reduced_ratio = gsum >= 0 ? 1.0 - gsum / (double)total : ((double)total - num_ones) / (double)total;
  // [w_corr] w_corr = num_weights / num_ones (1 when nothing is kept): the factor that keeps the
  // masked layer's output variance near the unmasked one's.
  st.w_corr = num_ones > 0 ? (double)total / num_ones : 1.0;
  st.halfbandwidth = hb;
  return st;
}

// The most bytes a .npy file of a weight-shaped window may have: float64 data and a header.
uintmax_t npy_size_limit(const Shape& weight_shape) { return (uintmax_t)numel(weight_shape) * 8 + (1u << 20); }

// A given window (a tensor or a .npy file): checked against the weight's shape, counted.
Window given_window(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer) {
  MURINE_CHECK(!(spec.given.defined() && !spec.given_npy.empty()),
               layer << ": window: give the window as a tensor (given) or a .npy file (given_npy), not both");
  const Sides s = sides_of(weight_shape, layer);
  if (!spec.form.empty()) checked_form(spec, s, weight_shape, layer);
  Tensor w;
  std::string what;
  if (spec.given.defined()) {
    w = spec.given.detach().to(Device::CPU);
    what = "the given window (window.given)";
  } else {
    const std::string& path = spec.given_npy;
    what = "the window file (window.given_npy) '" + path + "'";
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(path, ec);
    MURINE_CHECK(!ec, layer << ": " << what << " cannot be read: " << ec.message());
    MURINE_CHECK(size <= npy_size_limit(weight_shape),
                 layer << ": " << what << " has " << size << " bytes, more than a window for the weight "
                       << shape_str(weight_shape) << " can need");
    w = load_npy(path);
  }
  MURINE_CHECK(w.shape() == weight_shape, layer << ": " << what << " has shape " << shape_str(w.shape())
                                                << " but the layer's weight has shape " << shape_str(weight_shape)
                                                << "; a window has the weight's shape (PyTorch layout)");
  Window out{w.clone(), {}};
  const std::vector<float> v = out.tensor.to_vector();
  for (size_t k = 0; k < v.size(); ++k)
    MURINE_CHECK(std::isfinite(v[k]), layer << ": " << what << " holds a non-finite value " << v[k]
                                            << " at flat index " << k);
  out.stats = window_stats_of(out.tensor);
  return out;
}

}  // namespace

Window build_window(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer_name) {
  const std::string layer = layer_name.empty() ? std::string("window") : layer_name;
  if (spec.has_given()) return given_window(spec, weight_shape, layer);
  const Sides s = sides_of(weight_shape, layer);
  const std::string form = checked_form(spec, s, weight_shape, layer);
  check_halfbandwidth(spec.halfbandwidth, layer);
  if (spec.halfbandwidth > 0.0) {
    MURINE_CHECK(!s.conv, layer << ": halfbandwidth " << spec.halfbandwidth
                                << " is for dense layers only; a convolution's 'diagonal' band is "
                                   "set by param_reduction (weight "
                                << shape_str(weight_shape) << ")");
    MURINE_CHECK(form == "diagonal" || form == "gaussian",
                 layer << ": halfbandwidth " << spec.halfbandwidth
                       << " is used only by forms 'diagonal' and 'gaussian', not '" << form << "'");
  }
  const bool uses_p = form == "random" || form == "individual" || form == "kernel" ||
                      ((form == "diagonal" || form == "gaussian") && !(spec.halfbandwidth > 0.0));
  if (uses_p) check_param_reduction(spec.param_reduction, layer, form);

  const int64_t total = numel(weight_shape);
  std::vector<double> full(total, 0.0);  // the weight-shaped window, row-major
  double num_ones = 0, gsum = -1, hb = 0;

  if (form == "random" || form == "individual") {
    // [window random] each weight kept when its uniform draw u ∈ [0, 1) satisfies u >= p.
    Generator gen(spec.seed);
    std::vector<float> u = rand(weight_shape, gen).to_vector();
    for (int64_t k = 0; k < total; ++k) full[k] = u[k] >= spec.param_reduction ? 1.0 : 0.0;
  } else {
    ChannelWindow cw;
    if (form == "kernel") {
      // [window random] 'kernel': one draw per (y, x) pair keeps or drops its whole kh×kw kernel.
      Generator gen(spec.seed);
      std::vector<float> u = rand({s.ny, s.nx}, gen).to_vector();
      cw.values.resize(u.size());
      for (size_t k = 0; k < u.size(); ++k) cw.values[k] = u[k] >= spec.param_reduction ? 1.0 : 0.0;
    } else if (form == "2d") {
      const char* x_side = s.conv ? "x side (weight axis 1: input channels / groups; output "
                                    "channels for a transposed convolution)"
                                  : "x side (weight axis 1: input features)";
      const char* y_side = s.conv ? "y side (weight axis 0: output channels; input channels for a "
                                    "transposed convolution)"
                                  : "y side (weight axis 0: output features)";
      check_2d(s.nx, s.ny, spec.input2d_width, spec.output2d_width, spec.window2d_width, layer, x_side,
               y_side);
      cw = scan_2d(s.nx, s.ny, spec.input2d_width, spec.output2d_width, spec.window2d_width);
    } else if (form == "diagonal") {
      cw = scan_diagonal(s.nx, s.ny, spec.param_reduction, spec.halfbandwidth);
    } else {  // gaussian
      cw = scan_gaussian(s.nx, s.ny, spec.param_reduction, spec.halfbandwidth);
      gsum = cw.gsum;
    }
    hb = cw.halfbandwidth;
    // A convolution repeats the channel window over every tap: weight[y][x][i][j] = window[y][x].
    for (int64_t yx = 0; yx < s.ny * s.nx; ++yx)
      std::fill_n(full.begin() + yx * s.taps, s.taps, cw.values[yx]);
  }

  if (gsum >= 0) {
    num_ones = gsum;  // 'gaussian' on a Linear weight: no taps
  } else {
    for (double v : full) num_ones += v;
  }
  const bool banded = form == "diagonal" || form == "gaussian";
  std::vector<float> values(full.begin(), full.end());
  return {from_vector(values, weight_shape), stats_of(total, num_ones, gsum, banded ? hb : 0.0)};
}

WindowStats window_stats_of(const Tensor& window) {
  MURINE_CHECK(window.defined() && window.numel() > 0, "window_stats_of: needs a non-empty window");
  double num_ones = 0;
  for (float v : window.to_vector()) num_ones += v;
  return stats_of(window.numel(), num_ones, -1, 0.0);
}

double diagonal_halfbandwidth(int64_t nx, int64_t ny, double param_reduction) {
  // [window diagonal hb] hb = nx·ny / sqrt(nx² + ny²) · (1 - sqrt(p))
  return ((double)(nx * ny) / std::sqrt((double)(nx * nx + ny * ny))) * (1.0 - std::sqrt(param_reduction));
}

NodePosition node_position(int64_t index, int64_t n, int64_t n1) {
  // [window 2d layout] node i of n, n1 per row: (u, v) = ((i mod n1)/n1, (i div n1)/(n div n1))
  return {(double)(index % n1) / (double)n1, (double)(index / n1) / (double)(n / n1)};
}

int64_t default_2d_width(int64_t n) {
  MURINE_CHECK(n >= 1, "default_2d_width: node count must be >= 1; got " << n);
  const int64_t e = (int64_t)std::nearbyint(std::log2((double)n) / 2.0);  // ties to even (default rounding mode)
  return std::min<int64_t>(int64_t{1} << e, n);
}

Tensor make_window(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer) {
  return build_window(spec, weight_shape, layer).tensor;
}

WindowStats window_stats(const WindowSpec& spec, const Shape& weight_shape, const std::string& layer) {
  return build_window(spec, weight_shape, layer).stats;
}

namespace {
Tensor channel_tensor(const ChannelWindow& w, int64_t ny, int64_t nx) {
  return from_vector(std::vector<float>(w.values.begin(), w.values.end()), {ny, nx});
}
void check_sides(const char* op, int64_t nx, int64_t ny) {
  MURINE_CHECK(nx >= 1 && ny >= 1, op << ": nx and ny must be >= 1; got nx " << nx << ", ny " << ny);
}
}  // namespace

Tensor window_2d(int64_t nx, int64_t ny, int64_t nx1, int64_t ny1, double r) {
  check_sides("window_2d", nx, ny);
  check_2d(nx, ny, nx1, ny1, r, "window_2d", "x side", "y side");
  return channel_tensor(scan_2d(nx, ny, nx1, ny1, r), ny, nx);
}

Tensor window_diagonal(int64_t nx, int64_t ny, double param_reduction, double halfbandwidth) {
  check_sides("window_diagonal", nx, ny);
  check_halfbandwidth(halfbandwidth, "window_diagonal");
  if (!(halfbandwidth > 0.0)) check_param_reduction(param_reduction, "window_diagonal", "diagonal");
  return channel_tensor(scan_diagonal(nx, ny, param_reduction, halfbandwidth), ny, nx);
}

Tensor window_gaussian(int64_t nx, int64_t ny, double param_reduction, double halfbandwidth) {
  check_sides("window_gaussian", nx, ny);
  check_halfbandwidth(halfbandwidth, "window_gaussian");
  if (!(halfbandwidth > 0.0)) check_param_reduction(param_reduction, "window_gaussian", "gaussian");
  return channel_tensor(scan_gaussian(nx, ny, param_reduction, halfbandwidth), ny, nx);
}

}  // namespace murine
