// `murine mask`: the connection window of one layer, as figures and as a picture.
//   murine mask --kind conv_transpose --in 512 --out 256 --kernel 4 --form 2d --input2d-width 16
//               --output2d-width 16 --window2d-width 0.4 --node 37 --png out.png
// The PNG has two panels. Left: the ny × nx channel window (rows = y nodes, columns = x nodes, black =
// connected), with the chosen x node's column in red. Right ('2d' only): the unit square on which
// '2d' lays out both sides' nodes, the chosen x node, the circle of radius window2d_width around it,
// and the y nodes it connects to (the red column, drawn where those nodes sit).
#include "tools/cmd_mask.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "autograd/window_blocks.h"
#include "io/npy.h"
#include "io/png.h"
#include "layers/window.h"
#include "tensor/error.h"

namespace murine {

namespace {

struct MaskOptions {
  std::string kind = "dense";
  int64_t in = 0, out = 0, kernel = 0, groups = 1;
  WindowSpec spec{.form = "2d"};
  int64_t node = -1;  // x node to highlight; -1: the one nearest the square's centre
  std::string png;
  std::string npy;  // write the window here (the weight's PyTorch layout, float32 0/1)
  bool csv = false;
  CLI::Option *input2d_option = nullptr, *output2d_option = nullptr, *kernel_option = nullptr,
              *form_option = nullptr;
};

// The layer's weight shape (PyTorch layout) and what its two window sides are.
struct Layer {
  std::string name;  // the reference's PyTorch class, used in error messages
  Shape weight;      // (ny, nx) or (ny, nx, k, k)
  int64_t ny, nx;
  std::string y_side, x_side;  // what the y and x nodes are, in words
};

Layer layer_of(const MaskOptions& o) {
  MURINE_CHECK(o.kind == "dense" || o.kind == "conv" || o.kind == "conv_transpose",
               "mask: unknown --kind '" << o.kind << "'; valid kinds: dense, conv, conv_transpose");
  MURINE_CHECK(o.in >= 1 && o.out >= 1,
               "mask: --in and --out must be >= 1; got --in " << o.in << " --out " << o.out);
  Layer l;
  if (o.kind == "dense") {
    MURINE_CHECK(o.kernel_option->count() == 0,
                 "mask: --kernel applies to --kind conv and conv_transpose only");
    MURINE_CHECK(o.groups == 1, "mask: --groups applies to --kind conv and conv_transpose only");
    l = {"mLinear", {o.out, o.in}, o.out, o.in, "output features", "input features"};
    return l;
  }
  const int64_t k = o.kernel_option->count() ? o.kernel : 3;
  MURINE_CHECK(k >= 1, "mask: --kernel must be >= 1; got " << k);
  MURINE_CHECK(o.groups >= 1 && o.in % o.groups == 0 && o.out % o.groups == 0,
               "mask: --groups " << o.groups << " must divide --in " << o.in << " and --out " << o.out);
  const std::string per_group = o.groups > 1 ? " of one group" : "";
  if (o.kind == "conv")  // Conv2d weight (out, in/groups, k, k): y = output, x = input channels
    l = {"mConv2d",         {o.out, o.in / o.groups, k, k}, o.out, o.in / o.groups,
         "output channels", "input channels" + per_group};
  else  // ConvTranspose2d weight (in, out/groups, k, k): the role swap, y = input, x = output channels
    l = {"mConvTranspose2d", {o.in, o.out / o.groups, k, k}, o.in, o.out / o.groups,
         "input channels",   "output channels" + per_group};
  return l;
}

// Shortest text that reads back as the same double (Python's repr): 34.515380859375.
std::string num(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// The channel window (ny, nx): the weight-shaped window averaged over its taps (exact for every
// form but 'individual', whose taps differ), as doubles.
std::vector<double> channel_window(const Tensor& window, int64_t ny, int64_t nx) {
  const std::vector<float> v = window.to_vector();
  const int64_t taps = (int64_t)v.size() / (ny * nx);
  std::vector<double> c(ny * nx, 0.0);
  for (int64_t yx = 0; yx < ny * nx; ++yx) {
    double s = 0;
    for (int64_t t = 0; t < taps; ++t) s += v[yx * taps + t];
    c[yx] = s / (double)taps;
  }
  return c;
}

// ---- the picture ----

constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kGray{150, 150, 150}, kLight{215, 215, 215},
    kRed{215, 25, 28}, kPink{252, 215, 215}, kBlue{33, 102, 172}, kPaleBlue{146, 197, 222};

Rgb mix(Rgb a, Rgb b, double t) {  // (1-t)·a + t·b
  auto m = [t](uint8_t x, uint8_t y) { return (uint8_t)std::lround(x + t * ((double)y - x)); };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

struct Figure {
  const MaskOptions& o;
  const Layer& l;
  const std::vector<double>& cw;  // (ny, nx) channel window
  const WindowStats& st;
  int64_t node;
};

constexpr int kLine = 7 * 2 + 8;  // text line height (labels use the font at scale 2)
constexpr int kPad = 16;

// Left panel: the ny × nx window, each cell an s×s block (s chosen so the panel is >= 256 px tall),
// or, for windows over 768 nodes on a side, a d×d block of cells averaged into one grey pixel.
// Returns the panel's size; draws with its top-left corner at (x0, y0) when `c` is given.
std::pair<int, int> draw_window(Canvas* c, const Figure& f, int x0, int y0) {
  const int64_t ny = f.l.ny, nx = f.l.nx;
  const int64_t d = std::max<int64_t>(1, (std::max(ny, nx) + 767) / 768);
  const int64_t rows = (ny + d - 1) / d, cols = (nx + d - 1) / d;
  int64_t s = std::max<int64_t>(1, (256 + rows - 1) / rows);
  s = std::min<int64_t>(s, std::max<int64_t>(1, 640 / cols));
  const int w = (int)(cols * s), h = (int)(rows * s);
  if (!c) return {w, h};
  double vmax = 0;
  for (double v : f.cw) vmax = std::max(vmax, v);
  if (vmax <= 0) vmax = 1;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t q = 0; q < cols; ++q) {
      double sum = 0;
      int64_t n = 0;
      bool chosen = false;
      for (int64_t y = r * d; y < std::min(ny, (r + 1) * d); ++y)
        for (int64_t x = q * d; x < std::min(nx, (q + 1) * d); ++x, ++n) {
          sum += f.cw[y * nx + x];
          chosen = chosen || x == f.node;
        }
      const double v = sum / (double)n / vmax;  // 0 = not connected, 1 = connected (soft in between)
      const Rgb colour = chosen ? mix(kPink, kRed, v) : mix(kWhite, kBlack, v);
      c->fill_rect(x0 + (int)(q * s), y0 + (int)(r * s), (int)s, (int)s, colour);
    }
  // A window drawn at under 3 px per column gets a translucent red band over the chosen column,
  // so that the column stands out; its own cells stay red (connected) and pink (not).
  const int xc = x0 + (int)((f.node / d) * s + s / 2);
  if (s < 3)
    for (int yy = y0; yy < y0 + h; ++yy)
      for (int xx = xc - 3; xx <= xc + 3; ++xx)
        if (std::abs(xx - xc) > (int)s / 2) c->set(xx, yy, mix(c->get(xx, yy), kRed, 0.35));
  c->outline_rect(x0 - 1, y0 - 1, w + 2, h + 2, kGray);
  // Red triangles above and below the chosen column.
  for (int k = 0; k < 7; ++k) {
    c->fill_rect(xc - k, y0 - 10 + k - 7, 2 * k + 1, 1, kRed);
    c->fill_rect(xc - k, y0 + h + 10 - k + 7, 2 * k + 1, 1, kRed);
  }
  // Node numbers: every row and column when the cells are big enough, else the first and last.
  const int below = y0 + h + 20;
  if (d == 1 && s >= 12) {
    for (int64_t r = 0; r < rows; ++r)
      c->text(x0 + w + 6, y0 + (int)(r * s + (s - 7) / 2), std::to_string(r), kGray, 1);
    for (int64_t q = 0; q < cols; ++q) {
      const std::string label = std::to_string(q);
      c->text(x0 + (int)(q * s + s / 2) - Canvas::text_width(label, 1) / 2, below, label,
              q == f.node ? kRed : kGray, 1);
    }
  } else {
    const std::string last_row = std::to_string(ny - 1), last_col = std::to_string(nx - 1);
    const std::string node = std::to_string(f.node);
    c->text(x0 + w + 8, y0, "0", kGray);
    c->text(x0 + w + 8, y0 + h - 14, last_row, kGray);
    const int node_lo = xc - Canvas::text_width(node) / 2, node_hi = node_lo + Canvas::text_width(node);
    if (node_lo > x0 + Canvas::text_width("0") + 6) c->text(x0, below, "0", kGray);
    if (node_hi < x0 + w - Canvas::text_width(last_col) - 6)
      c->text(x0 + w - Canvas::text_width(last_col), below, last_col, kGray);
    c->text(node_lo, below, node, kRed);
  }
  return {w, h};
}

// Right panel ('2d'): the unit square, v pointing down so that grid rows read as the window's rows.
constexpr int kPlane = 440;

void draw_plane(Canvas& c, const Figure& f, int x0, int y0) {
  const WindowSpec& sp = f.o.spec;
  const int64_t nx1 = sp.input2d_width, ny1 = sp.output2d_width;
  const int64_t ny2 = f.l.ny / ny1;
  // View [lo, hi]² of the plane; far enough to show nodes that land at v >= 1.
  double hi = 1.1;
  for (int64_t i : {f.l.nx - 1}) hi = std::max(hi, node_position(i, f.l.nx, nx1).v + 0.1);
  for (int64_t j : {f.l.ny - 1}) hi = std::max(hi, node_position(j, f.l.ny, ny1).v + 0.1);
  const double lo = -0.1, scale = kPlane / (hi - lo);
  auto px = [&](double u) { return x0 + (u - lo) * scale; };
  auto py = [&](double v) { return y0 + (v - lo) * scale; };

  c.outline_rect(x0, y0, kPlane, kPlane, kLight);
  c.outline_rect((int)std::lround(px(0)), (int)std::lround(py(0)), (int)std::lround(scale) + 1,
                 (int)std::lround(scale) + 1, kGray);
  // Axes: u to the right along the top, v down along the left.
  for (double t : {0.0, 0.5, 1.0}) {
    const std::string label = t == 0.5 ? "0.5" : t == 0.0 ? "0" : "1";
    c.text((int)px(t) - Canvas::text_width(label) / 2, y0 - kLine + 2, label, kGray);
    c.text(x0 - Canvas::text_width(label) - 6, (int)py(t) - 7, label, kGray);
  }
  const std::string u_axis = std::string("U ") + kArrowRight, v_axis = std::string("V ") + kArrowDown;
  c.text((int)px(1.0) + 16, y0 - kLine + 2, u_axis, kGray);
  c.text(x0 - Canvas::text_width(v_axis) - 6, y0 + kPlane - kLine, v_axis, kGray);

  c.set_clip(x0 + 1, y0 + 1, kPlane - 2, kPlane - 2);  // markers and the circle stay in the view
  // y nodes: squares, red when connected to the chosen x node, grey crosses when beyond the grid.
  const double spacing = scale / (double)std::max(ny1, ny2);  // px between neighbouring y nodes
  const double half = std::clamp(0.3 * spacing, 1.0, 8.0);
  const bool numbered = f.l.ny <= 64 && spacing >= 24;  // small grids: write j beside each y node
  for (int64_t j = 0; j < f.l.ny; ++j) {
    const NodePosition p = node_position(j, f.l.ny, ny1);
    const int x = (int)std::lround(px(p.u)), y = (int)std::lround(py(p.v)), hs = (int)std::lround(half);
    if (j >= ny1 * ny2) {
      c.line(x - hs, y - hs, x + hs, y + hs, kGray);
      c.line(x - hs, y + hs, x + hs, y - hs, kGray);
    } else if (f.cw[j * f.l.nx + f.node] > 0) {
      c.fill_rect(x - hs, y - hs, 2 * hs + 1, 2 * hs + 1, kRed);
    } else {
      c.outline_rect(x - hs, y - hs, 2 * hs + 1, 2 * hs + 1, kGray);
    }
    if (numbered) c.text(x + hs + 3, y - hs - 9, std::to_string(j), kGray, 1 + (spacing >= 60));
  }
  // x nodes: small blue dots; the chosen one large, with its circle.
  for (int64_t i = 0; i < f.l.nx; ++i) {
    const NodePosition p = node_position(i, f.l.nx, nx1);
    c.disc(px(p.u), py(p.v), std::max(1.0, half * 0.45), kPaleBlue);
  }
  const NodePosition o = node_position(f.node, f.l.nx, nx1);
  c.circle(px(o.u), py(o.v), sp.window2d_width * scale, kBlue, 2.5);
  c.disc(px(o.u), py(o.v), 6, kBlue);
  c.reset_clip();
}

// The legend line: a marker then its text. Returns the next line's y.
int legend(Canvas& c, int x, int y, int marker, Rgb colour, const std::string& text) {
  const int cy = y + 7;
  if (marker == 0) {  // big dot
    c.disc(x + 7, cy, 6, colour);
  } else if (marker == 1) {  // filled square
    c.fill_rect(x + 2, cy - 5, 11, 11, colour);
  } else if (marker == 2) {  // hollow square
    c.outline_rect(x + 2, cy - 5, 11, 11, colour);
  } else if (marker == 3) {  // small dot
    c.disc(x + 7, cy, 3, colour);
  } else if (marker == 4) {  // cross
    c.line(x + 2, cy - 5, x + 12, cy + 5, colour);
    c.line(x + 2, cy + 5, x + 12, cy - 5, colour);
  } else {  // ring
    c.circle(x + 7, cy, 6, colour, 2.0);
  }
  c.text(x + 22, y, text, kBlack);
  return y + kLine;
}

std::string upper_name(const Figure& f) {
  std::string s = f.l.name + " " + std::to_string(f.o.in) + " -> " + std::to_string(f.o.out);
  if (f.l.weight.size() == 4)
    s += ", KERNEL " + std::to_string(f.l.weight[2]) + "X" + std::to_string(f.l.weight[3]);
  return s;
}

// What the left panel's shades mean for each form, in one or two lines.
std::vector<std::string> form_notes(const Figure& f) {
  const std::string& form = f.o.spec.form;
  const bool conv = f.l.weight.size() == 4;
  const std::string kernel = conv ? std::to_string(f.l.weight[2]) + "X" + std::to_string(f.l.weight[3]) : "";
  std::vector<std::string> notes;
  if (f.o.spec.has_given()) notes.push_back("A GIVEN WINDOW (--WINDOW-NPY): GREY LEVEL = ITS VALUE (BLACK = MAX)");
  if (form == "2d") notes.push_back("BLACK = CONNECTED, WHITE = NOT");
  if (form == "diagonal") notes.push_back("BLACK = CONNECTED: A BAND AROUND THE DIAGONAL");
  if (form == "gaussian") notes.push_back("GREY LEVEL = THE SOFT FACTOR G (BLACK = 1)");
  if (form == "random" || (form == "individual" && !conv))
    notes.push_back("BLACK = KEPT: EACH WEIGHT KEPT WITH PROBABILITY 1 - P");
  if (form == "individual" && conv)
    notes.push_back("GREY = SHARE OF THE " + kernel + " TAPS KEPT, EACH DRAWN ALONE");
  if (form == "kernel") notes.push_back("BLACK = THE WHOLE " + kernel + " KERNEL KEPT (PROBABILITY 1 - P)");
  if (conv && form != "individual") notes.push_back("EVERY " + kernel + " KERNEL TAP REPEATS THIS WINDOW");
  return notes;
}

void render(const Figure& f, const std::string& path) {
  const bool given = f.o.spec.has_given();
  const bool plane = f.o.spec.form == "2d" && !given;
  const auto [ww, wh] = draw_window(nullptr, f, 0, 0);

  // Title: the layer, the form and the figures.
  std::string line1 = upper_name(f) + (given ? ", GIVEN WINDOW" : "") + ", FORM '" + f.o.spec.form + "'";
  if (plane) line1 += ", WINDOW2D_WIDTH R = " + num(f.o.spec.window2d_width);
  if (!given && f.o.spec.form != "2d" && !(f.o.spec.halfbandwidth > 0))
    line1 += ", P = " + num(f.o.spec.param_reduction);
  std::string line3 = "W_CORR " + num(f.st.w_corr);
  if (f.st.halfbandwidth > 0) line3 += ", HALFBANDWIDTH " + num(f.st.halfbandwidth);
  const std::vector<std::string> title = {line1,
                                          "USAGE " + num(f.st.usage_percent) + " %: " + num(f.st.num_ones) +
                                              " OF " + std::to_string(f.st.num_weights) + " WEIGHTS KEPT",
                                          line3};

  std::vector<std::string> below = {"COLUMNS: X NODE I = " + f.l.x_side + " (" + std::to_string(f.l.nx) +
                                    ")"};
  for (const std::string& note : form_notes(f)) below.push_back(note);
  below.push_back("RED: THE COLUMN OF X NODE " + std::to_string(f.node));
  const std::string rows_label = "ROWS: Y NODE J = " + f.l.y_side + " (" + std::to_string(f.l.ny) + ")";

  int left_w =
      std::max(ww + 8 + Canvas::text_width(std::to_string(f.l.ny - 1)), Canvas::text_width(rows_label));
  for (const std::string& line : below) left_w = std::max(left_w, Canvas::text_width(line));
  const int right_w = plane ? 60 + kPlane + 80 : 0;  // v labels on the left, the u label on the right
  const int legend_lines = 6;
  const int top = kPad + (int)title.size() * kLine + 10;
  const int left_h = kLine + 24 + wh + 20 + kLine + 4 + (int)below.size() * kLine;
  const int right_h = plane ? kLine + 24 + kPlane + 12 + legend_lines * kLine : 0;
  int width = kPad + left_w + (plane ? 40 + right_w : 0) + kPad;
  for (const std::string& line : title) width = std::max(width, Canvas::text_width(line) + 2 * kPad);
  const int height = top + std::max(left_h, right_h) + kPad;
  Canvas c(width, height, kWhite);
  for (size_t k = 0; k < title.size(); ++k) c.text(kPad, kPad + (int)k * kLine, title[k], kBlack);

  // Left panel.
  int y = top;
  c.text(kPad, y, rows_label, kBlack);
  y += kLine + 24;
  draw_window(&c, f, kPad, y);
  y += wh + 20 + kLine + 4;  // below the node numbers
  for (size_t k = 0; k < below.size(); ++k)
    c.text(kPad, y + (int)k * kLine, below[k], k + 1 == below.size() ? kRed : kBlack);

  if (!plane) {
    write_png(path, c);
    return;
  }
  // Right panel.
  const int rx = kPad + left_w + 40 + 60;
  int ry = top;
  c.text(rx - 60, ry, "NODE PLANE: BOTH SIDES ON THE UNIT SQUARE", kBlack);
  // (the x and y grids: input2d_width and output2d_width nodes per row)
  ry += kLine + 24;
  draw_plane(c, f, rx, ry);
  ry += kPlane + 12;
  const NodePosition o = node_position(f.node, f.l.nx, f.o.spec.input2d_width);
  int64_t connected = 0;
  for (int64_t j = 0; j < f.l.ny; ++j) connected += f.cw[j * f.l.nx + f.node] > 0;
  const int lx = rx - 60;
  ry = legend(c, lx, ry, 0, kBlue,
              "X NODE " + std::to_string(f.node) + " AT (" + num(o.u) + ", " + num(o.v) + ")");
  ry = legend(c, lx, ry, 5, kBlue, "CIRCLE OF RADIUS R = " + num(f.o.spec.window2d_width));
  ry =
      legend(c, lx, ry, 1, kRed, "THE " + std::to_string(connected) + " Y NODES IT CONNECTS TO (RED COLUMN)");
  ry = legend(c, lx, ry, 2, kGray, "OTHER Y NODES (" + f.l.y_side + ")");
  ry = legend(c, lx, ry, 3, kPaleBlue, "OTHER X NODES (" + f.l.x_side + ")");
  const int64_t beyond = f.l.ny - f.o.spec.output2d_width * (f.l.ny / f.o.spec.output2d_width);
  if (beyond > 0)
    legend(c, lx, ry, 4, kGray, std::to_string(beyond) + " Y NODES OFF THE GRID: NEVER CONNECTED");
  write_png(path, c);
}

// ---- the command ----

int run_mask(MaskOptions& o) {
  const Layer l = layer_of(o);
  WindowSpec& sp = o.spec;
  if (!o.input2d_option->count()) sp.input2d_width = default_2d_width(l.nx);
  if (!o.output2d_option->count()) sp.output2d_width = default_2d_width(l.ny);
  const Window built = build_window(sp, l.weight, l.name);  // validates the spec
  const Tensor& window = built.tensor;
  const WindowStats& st = built.stats;
  // The products the layer would run (autograd/window_blocks.h): the window-aware ones where the
  // cost estimate says they pay, and the share of the dense multiply-adds they perform.
  int64_t taps = 1;
  for (size_t i = 2; i < l.weight.size(); ++i) taps *= l.weight[i];
  const WindowPlan plan = plan_window(window_pattern(window.to_vector(), l.weight[0], l.weight[1], taps),
                                      l.weight[0], l.weight[1], taps, l.weight.size() == 2);
  const double mac_fraction = plan.use_window ? plan.blocks.mac_fraction() : 1.0;
  if (!sp.given_npy.empty() && !o.form_option->count()) sp.form = "";  // a given window has no form unless named
  const bool plane = sp.form == "2d" && !sp.has_given();

  int64_t node = o.node;
  if (node < 0) {  // nearest the centre of the square on '2d', the middle column otherwise
    node = plane ? (l.nx / sp.input2d_width / 2) * sp.input2d_width + sp.input2d_width / 2 : l.nx / 2;
    node = std::min(node, l.nx - 1);
  }
  MURINE_CHECK(node < l.nx, "mask: --node " << node << " is not an x node: the x side (" << l.x_side
                                            << ") has " << l.nx << " nodes, 0.." << l.nx - 1);

  if (o.csv) {
    std::printf(
        "kind,in,out,kernel,groups,form,input2d_width,output2d_width,window2d_width,param_reduction,"
        "halfbandwidth,seed,num_weights,num_ones,usage_percent,reduced_ratio,w_corr,path,mac_fraction\n");
    std::printf("%s,%lld,%lld,%lld,%lld,%s,%lld,%lld,%s,%s,%s,%llu,%lld,%s,%s,%s,%s,%s,%s\n", o.kind.c_str(),
                (long long)o.in, (long long)o.out, (long long)(l.weight.size() == 4 ? l.weight[2] : 1),
                (long long)o.groups, sp.form.c_str(), (long long)sp.input2d_width,
                (long long)sp.output2d_width, num(sp.window2d_width).c_str(), num(sp.param_reduction).c_str(),
                num(st.halfbandwidth).c_str(), (unsigned long long)sp.seed, (long long)st.num_weights,
                num(st.num_ones).c_str(), num(st.usage_percent).c_str(), num(st.reduced_ratio).c_str(),
                num(st.w_corr).c_str(), plan.use_window ? "window" : "dense", num(mac_fraction).c_str());
  } else {
    std::printf("%s %lld -> %lld, weight %s, form '%s'\n", l.name.c_str(), (long long)o.in, (long long)o.out,
                shape_str(l.weight).c_str(), sp.form.c_str());
    if (sp.has_given()) std::printf("  given window: %s\n", sp.given_npy.c_str());
    std::printf("  x side: %lld %s (weight axis 1)", (long long)l.nx, l.x_side.c_str());
    if (plane)
      std::printf(", input2d_width %lld: %lld rows", (long long)sp.input2d_width,
                  (long long)(l.nx / sp.input2d_width));
    std::printf("\n  y side: %lld %s (weight axis 0)", (long long)l.ny, l.y_side.c_str());
    if (plane)
      std::printf(", output2d_width %lld: %lld rows", (long long)sp.output2d_width,
                  (long long)(l.ny / sp.output2d_width));
    std::printf("\n");
    if (plane) std::printf("  window2d_width %s\n", num(sp.window2d_width).c_str());
    std::printf("num_weights    %lld\n", (long long)st.num_weights);
    std::printf("num_ones       %s\n", num(st.num_ones).c_str());
    std::printf("num_zeros      %s\n", num((double)st.num_weights - st.num_ones).c_str());
    std::printf("usage_percent  %s\n", num(st.usage_percent).c_str());
    std::printf("reduced_ratio  %s\n", num(st.reduced_ratio).c_str());
    std::printf("w_corr         %s\n", num(st.w_corr).c_str());
    std::printf("halfbandwidth  %s\n", num(st.halfbandwidth).c_str());
    if (plan.use_window)
      std::printf("mac_fraction   %s (the window-aware products, blocks of %lld channels)\n", num(mac_fraction).c_str(),
                  (long long)plan.blocks.width);
    else
      std::printf("mac_fraction   1 (the dense products: skipping this window would not pay)\n");
  }
  if (!o.npy.empty()) {
    save_npy(o.npy, window);  // atomic (io/atomic_file.h); `--window-npy` reads it back
    if (!o.csv) std::printf("wrote %s: the window, %s float32 (the weight's PyTorch layout)\n", o.npy.c_str(),
                            shape_str(window.shape()).c_str());
  }
  if (o.png.empty()) return 0;

  const std::vector<double> cw = channel_window(window, l.ny, l.nx);
  render(Figure{o, l, cw, st, node}, o.png);
  if (o.csv) return 0;
  std::printf(
      "wrote %s\n  left: the %lld x %lld channel window, rows = y nodes (%s), columns = x nodes (%s); "
      "black = connected, white = not; red = the column of x node %lld%s\n",
      o.png.c_str(), (long long)l.ny, (long long)l.nx, l.y_side.c_str(), l.x_side.c_str(), (long long)node,
      l.weight.size() == 4 ? "; every kernel tap repeats it" : "");
  if (plane)
    std::printf(
        "  right: x and y nodes on the unit square; x node %lld (blue), the circle of radius %s around "
        "it, and the y nodes it connects to (red squares, the red column on the left)\n",
        (long long)node, num(sp.window2d_width).c_str());
  return 0;
}

}  // namespace

namespace cli {

Command add_mask_command(CLI::App& app) {
  auto o = std::make_shared<MaskOptions>();
  CLI::App* cmd = app.add_subcommand(
      "mask", "print the connection window of a layer (figures or --csv) and draw it (--png)");
  cmd->add_option("--kind", o->kind, "dense, conv or conv_transpose")->capture_default_str();
  cmd->add_option("--in", o->in, "input features / channels")->required();
  cmd->add_option("--out", o->out, "output features / channels")->required();
  o->kernel_option = cmd->add_option("--kernel", o->kernel, "square kernel size (conv kinds; default 3)");
  cmd->add_option("--groups", o->groups, "convolution groups")->capture_default_str();
  o->form_option = cmd->add_option("--form", o->spec.form, "2d, diagonal, gaussian, random, individual or kernel")
                       ->capture_default_str();
  o->input2d_option = cmd->add_option("--input2d-width", o->spec.input2d_width,
                                      "'2d': x nodes per grid row (default 2^round(log2(nx)/2))");
  o->output2d_option = cmd->add_option("--output2d-width", o->spec.output2d_width,
                                       "'2d': y nodes per grid row (default 2^round(log2(ny)/2))");
  cmd->add_option("--window2d-width", o->spec.window2d_width, "'2d': radius r on the unit square")
      ->capture_default_str();
  cmd->add_option("--param-reduction", o->spec.param_reduction, "diagonal, gaussian, random forms: p")
      ->capture_default_str();
  cmd->add_option("--halfbandwidth", o->spec.halfbandwidth,
                  "dense diagonal/gaussian: explicit hb (0: from p)")
      ->capture_default_str();
  cmd->add_option("--seed", o->spec.seed, "random forms: Philox seed")->capture_default_str();
  cmd->add_option("--window-npy", o->spec.given_npy,
                  "a given window: a .npy file of the weight's shape (e.g. drawn by the reference), shown "
                  "and counted instead of building one; --form then only labels it");
  cmd->add_option("--node", o->node, "x node to highlight (default: the centre)");
  cmd->add_option("--png", o->png, "write the picture here");
  cmd->add_option("--npy", o->npy,
                  "write the window here as a .npy file (float32 0/1 of the weight's PyTorch shape, what "
                  "--window-npy reads)");
  cmd->add_flag("--csv", o->csv, "print a CSV header and row instead of the figures");
  return {cmd, [o] { return run_mask(*o); }};
}

}  // namespace cli
}  // namespace murine
