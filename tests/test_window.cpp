// Connection windows (layers/window.h): the spec's published %usage figures to the last bit, small
// windows worked out by hand from the spec's scans, the edge cases the spec names, the random
// forms' statistics, and the errors for bad arguments.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "autograd/ops.h"
#include "layers/window.h"
#include "tensor/error.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::expect_error;

// A window as rows of 0/1 integers (values are exactly 0 or 1 for the hard forms).
std::vector<std::vector<int>> rows_of(const Tensor& w) {
  EXPECT_EQ(w.rank(), 2);
  std::vector<float> v = w.to_vector();
  std::vector<std::vector<int>> rows(w.size(0), std::vector<int>(w.size(1)));
  for (int64_t y = 0; y < w.size(0); ++y)
    for (int64_t x = 0; x < w.size(1); ++x) {
      float e = v[y * w.size(1) + x];
      EXPECT_TRUE(e == 0.0f || e == 1.0f) << "entry (" << y << ", " << x << ") = " << e;
      rows[y][x] = (int)e;
    }
  return rows;
}

double sum_of(const Tensor& w) {
  double s = 0;
  for (float v : w.to_vector()) s += v;
  return s;
}

WindowSpec spec_2d(int64_t input2d_width, int64_t output2d_width, double window2d_width) {
  WindowSpec s;
  s.form = "2d";
  s.input2d_width = input2d_width;
  s.output2d_width = output2d_width;
  s.window2d_width = window2d_width;
  return s;
}

// ---- the figures every implementation must reproduce (spec, "Figures") ----

// PyTorch DCGAN notebook: mConvTranspose2d(in → out, kernel 4, input2d, output2d, r 0.4). The weight
// is (in, out, 4, 4); by the transposed role swap y = in channels (output2d_width describes them)
// and x = out channels (input2d_width describes them).
TEST(Window, SpecFiguresDcganTransposedConvolutions) {
  struct Case {
    int64_t in, out, input2d, output2d;
    double usage;
  };
  for (const Case& c : {Case{512, 256, 16, 16, 34.515380859375}, Case{256, 128, 16, 8, 34.4970703125},
                        Case{128, 64, 8, 8, 35.888671875}}) {
    SCOPED_TRACE(std::to_string(c.in) + " -> " + std::to_string(c.out));
    const Shape weight = {c.in, c.out, 4, 4};
    WindowStats st = window_stats(spec_2d(c.input2d, c.output2d, 0.4), weight, "mConvTranspose2d");
    EXPECT_EQ(st.num_weights, c.in * c.out * 16);
    EXPECT_DOUBLE_EQ(st.usage_percent, c.usage);
    EXPECT_EQ(st.usage_percent, c.usage);  // bit for bit, not just within 4 ulps
    EXPECT_DOUBLE_EQ(st.num_ones, c.usage / 100.0 * (double)st.num_weights);
    EXPECT_DOUBLE_EQ(st.w_corr, (double)st.num_weights / st.num_ones);
    EXPECT_DOUBLE_EQ(st.reduced_ratio, 1.0 - c.usage / 100.0);
    EXPECT_EQ(st.halfbandwidth, 0.0);
    EXPECT_DOUBLE_EQ(sum_of(make_window(spec_2d(c.input2d, c.output2d, 0.4), weight, "t")), st.num_ones);
  }
}

TEST(Window, SpecFigureMLinear) {
  // mLinear(1024 → 512): weight (512, 1024), x = 1024 inputs on a 32×32 grid, y = 512 outputs 16 per row.
  WindowStats st = window_stats(spec_2d(32, 16, 0.4), {512, 1024}, "mLinear");
  EXPECT_EQ(st.num_weights, 512 * 1024);
  EXPECT_DOUBLE_EQ(st.usage_percent, 34.18846130371094);
  EXPECT_EQ(st.usage_percent, 34.18846130371094);
  EXPECT_EQ(st.num_ones, 179246.0);
}

// ---- '2d' by hand ----

// nx = ny = 4, 2 nodes per row: x and y nodes both at (0,0) (.5,0) (0,.5) (.5,.5) for i, j = 0..3.
TEST(Window, TwoDFourByFourByHand) {
  // r = 0.5. x0 (0,0): row ky 0 only (ceil(0.5·2) = 1), d = 0.5, kx in [ceil(-1), ceil(1)) = {0}: y0.
  // x1 (.5,0): row 0, kx in [ceil(0), ceil(2)) = {0, 1}: y0, y1 (y0 at distance exactly 0.5 is kept:
  // the scan's left edge is inclusive). x2 (0,.5): row 0 has d² = 0 (skipped), row 1 gives {0}: y2.
  // x3 (.5,.5): row 1, {0, 1}: y2, y3.
  EXPECT_EQ(rows_of(window_2d(4, 4, 2, 2, 0.5)), (std::vector<std::vector<int>>{
                                                     {1, 1, 0, 0},  // y0
                                                     {0, 1, 0, 0},  // y1
                                                     {0, 0, 1, 1},  // y2
                                                     {0, 0, 0, 1},  // y3
                                                 }));
  // r = 0.6: every x node reaches the three y nodes within 0.5, never the opposite corner (0.707).
  // x0: row 0 d = 0.6 → kx {0, 1}; row 1 d = sqrt(0.36 - 0.25) = 0.33 → kx [0, ceil(0.66)) = {0}.
  EXPECT_EQ(rows_of(window_2d(4, 4, 2, 2, 0.6)), (std::vector<std::vector<int>>{
                                                     {1, 1, 1, 0},
                                                     {1, 1, 0, 1},
                                                     {1, 0, 1, 1},
                                                     {0, 1, 1, 1},
                                                 }));
}

TEST(Window, TwoDUnequalSidesByHand) {
  // nx = 2 (one row: x0 (0,0), x1 (.5,0)), ny = 4 on 4 per row (y j at (j/4, 0)), r = 0.3.
  // x0: d = 0.3, kx in [ceil(-1.2), ceil(1.2)) = {0, 1}. x1: kx in [ceil(0.8), ceil(3.2)) = {1, 2, 3}.
  EXPECT_EQ(rows_of(window_2d(2, 4, 2, 4, 0.3)), (std::vector<std::vector<int>>{
                                                     {1, 0},
                                                     {1, 1},
                                                     {0, 1},
                                                     {0, 1},
                                                 }));
}

TEST(Window, TwoDLargeRadiusConnectsEverything) {
  for (double r : {std::sqrt(2.0), 1.5, 10.0})
    for (auto [nx, ny, nx1, ny1] :
         std::vector<std::array<int64_t, 4>>{{16, 16, 4, 4}, {5, 8, 2, 4}, {64, 32, 8, 4}, {7, 9, 7, 3}}) {
      Tensor w = window_2d(nx, ny, nx1, ny1, r);
      EXPECT_EQ(sum_of(w), (double)(nx * ny)) << "r " << r << " nx " << nx << " ny " << ny;
    }
}

TEST(Window, TwoDSingleYNodeIsAllOnes) {
  EXPECT_EQ(sum_of(window_2d(9, 1, 3, 1, 0.01)), 9.0);
  WindowStats st = window_stats(spec_2d(4, 1, 0.1), {1, 16}, "mLinear");
  EXPECT_EQ(st.num_ones, 16.0);
  EXPECT_EQ(st.usage_percent, 100.0);
  EXPECT_EQ(st.w_corr, 1.0);
}

TEST(Window, TwoDYNodesBeyondTheGridAreNeverConnected) {
  // ny = 10 with 3 per row: ny2 = 3 rows hold y0..y8; y9 (j >= ny1·ny2) is in no row of the scan.
  std::vector<std::vector<int>> w = rows_of(window_2d(4, 10, 2, 3, 1.5));
  for (int y = 0; y < 9; ++y) EXPECT_EQ(w[y], (std::vector<int>{1, 1, 1, 1})) << "y" << y;
  EXPECT_EQ(w[9], (std::vector<int>{0, 0, 0, 0}));
}

TEST(Window, TwoDNodeLayout) {
  // nx = 5 with 2 per row: nx2 = 2, so x4 sits at v = 2/2 = 1, on the square's far edge.
  EXPECT_EQ(node_position(3, 5, 2).u, 0.5);
  EXPECT_EQ(node_position(3, 5, 2).v, 0.5);
  EXPECT_EQ(node_position(4, 5, 2).u, 0.0);
  EXPECT_EQ(node_position(4, 5, 2).v, 1.0);
  // Halves round to even, as Python's round() in the reference scripts' DDIM: 4.5 → 4, 2.5 → 2, 5.5 → 6.
  EXPECT_EQ(default_2d_width(512), 16);
  EXPECT_EQ(default_2d_width(32), 4);
  EXPECT_EQ(default_2d_width(2048), 64);
  EXPECT_EQ(default_2d_width(256), 16);
  EXPECT_EQ(default_2d_width(128), 16);
  EXPECT_EQ(default_2d_width(64), 8);
  EXPECT_EQ(default_2d_width(3), 2);
  EXPECT_EQ(default_2d_width(1), 1);
}

// ---- 'diagonal' by hand ----

TEST(Window, DiagonalByHand) {
  // nx = ny = 4: rxy = 1; hb = 0.85 → hwdiv = 0.85·sqrt(2) = 1.202. Row y keeps
  // x in [trunc(y - 1.202) + 1 or 0, ceil(y + 1.202) or 4): [0,2) [0,3) [1,4) [2,4): |x - y| <= 1.
  EXPECT_EQ(rows_of(window_diagonal(4, 4, 0.5, 0.85)), (std::vector<std::vector<int>>{
                                                           {1, 1, 0, 0},
                                                           {1, 1, 1, 0},
                                                           {0, 1, 1, 1},
                                                           {0, 0, 1, 1},
                                                       }));
  // nx = 7, ny = 3: rxy = 3; hb = 0.5 → hwdiv = 0.5·sqrt(10) = 1.581. Centres x = 0, 3, 6:
  // [0, ceil(1.58)) = [0,2); [trunc(1.42)+1, ceil(4.58)) = [2,5); [trunc(4.42)+1, 7) = [5,7).
  EXPECT_EQ(rows_of(window_diagonal(7, 3, 0.5, 0.5)), (std::vector<std::vector<int>>{
                                                          {1, 1, 0, 0, 0, 0, 0},
                                                          {0, 0, 1, 1, 1, 0, 0},
                                                          {0, 0, 0, 0, 0, 1, 1},
                                                      }));
}

TEST(Window, DiagonalHalfbandwidthFromParamReduction) {
  const double hb = (16.0 / std::sqrt(32.0)) * (1.0 - std::sqrt(0.25));
  EXPECT_EQ(diagonal_halfbandwidth(4, 4, 0.25), hb);
  WindowSpec s;
  s.form = "diagonal";
  s.param_reduction = 0.25;
  WindowStats st = window_stats(s, {4, 4}, "mDense");
  EXPECT_EQ(st.halfbandwidth, hb);
  // p = 0.5 on a large square layer drops about half the weights (two corner triangles of area p/2).
  s.param_reduction = 0.5;
  EXPECT_NEAR(window_stats(s, {300, 300}, "mDense").usage_percent, 50.0, 1.0);
  // A convolution repeats the band over its taps: same %usage, 9 times the counts.
  WindowStats lin = window_stats(s, {40, 24}, "t"), conv = window_stats(s, {40, 24, 3, 3}, "t");
  EXPECT_EQ(conv.num_ones, 9 * lin.num_ones);
  EXPECT_DOUBLE_EQ(conv.usage_percent, lin.usage_percent);
  EXPECT_EQ(sum_of(window_diagonal(5, 1, 0.9, 0.0)), 5.0);  // one y node: all ones
}

// ---- 'gaussian' ----

TEST(Window, GaussianSumAndWCorrByHand) {
  // nx = 3, ny = 2, hb = 1: rxy = 2, g[y][x] = exp(-(x - 2y)²/2).
  const double e05 = std::exp(-0.5), e2 = std::exp(-2.0);
  const double g[2][3] = {{1.0, e05, e2}, {e2, e05, 1.0}};
  const double gsum = 2.0 + 2.0 * e05 + 2.0 * e2;
  const double w_corr = 6.0 / gsum;
  std::vector<float> w = window_gaussian(3, 2, 0.5, 1.0).to_vector();
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) EXPECT_FLOAT_EQ(w[y * 3 + x], (float)(g[y][x] * w_corr));
  WindowSpec s;
  s.form = "gaussian";
  s.halfbandwidth = 1.0;
  WindowStats st = window_stats(s, {2, 3}, "mDense");
  EXPECT_DOUBLE_EQ(st.num_ones, gsum);
  EXPECT_DOUBLE_EQ(st.w_corr, w_corr);
  EXPECT_DOUBLE_EQ(st.usage_percent, 100.0 * gsum / 6.0);
  EXPECT_DOUBLE_EQ(st.reduced_ratio, 1.0 - gsum / 6.0);
  EXPECT_EQ(st.halfbandwidth, 1.0);
  // The soft window carries w_corr, so its mean is 1.
  EXPECT_NEAR(sum_of(make_window(s, {2, 3}, "mDense")), 6.0, 1e-5);
}

TEST(Window, GaussianHalfbandwidthFromParamReductionIsWidened) {
  WindowSpec s;
  s.form = "gaussian";
  s.param_reduction = 0.5;
  EXPECT_EQ(window_stats(s, {20, 30}, "mDense").halfbandwidth, 1.5 * diagonal_halfbandwidth(30, 20, 0.5));
  // p = 1 makes hb 0: no band, the window is all ones.
  s.param_reduction = 1.0;
  WindowStats st = window_stats(s, {20, 30}, "mDense");
  EXPECT_EQ(st.num_ones, 600.0);
  EXPECT_EQ(st.w_corr, 1.0);
  EXPECT_EQ(sum_of(window_gaussian(30, 1, 0.5, 0.0)), 30.0);  // one y node: all ones
}

// ---- random forms ----

TEST(Window, RandomFormsKeepAbout1MinusP) {
  WindowSpec s;
  s.param_reduction = 0.3;
  s.seed = 7;
  s.form = "random";
  EXPECT_NEAR(window_stats(s, {512, 1024}, "mDense").usage_percent, 70.0, 0.5);
  s.form = "individual";
  EXPECT_NEAR(window_stats(s, {256, 128, 3, 3}, "mConv2D").usage_percent, 70.0, 0.5);
  s.form = "kernel";
  EXPECT_NEAR(window_stats(s, {256, 128, 3, 3}, "mConv2D").usage_percent, 70.0, 2.0);
}

TEST(Window, KernelFormKeepsWholeKernels) {
  WindowSpec s;
  s.form = "kernel";
  s.seed = 3;
  std::vector<float> w = make_window(s, {16, 8, 3, 3}, "mConv2D").to_vector();
  int kept = 0;
  for (int yx = 0; yx < 16 * 8; ++yx) {
    for (int t = 1; t < 9; ++t) ASSERT_EQ(w[yx * 9 + t], w[yx * 9]) << "pair " << yx << " tap " << t;
    kept += w[yx * 9] == 1.0f;
  }
  EXPECT_GT(kept, 0);
  EXPECT_LT(kept, 16 * 8);
}

TEST(Window, RandomFormsSameSeedSameWindow) {
  for (const char* form : {"random", "individual"}) {
    WindowSpec s;
    s.form = form;
    s.seed = 42;
    Shape shape = std::string(form) == "random" ? Shape{64, 32} : Shape{64, 32, 3, 3};
    std::vector<float> a = make_window(s, shape, "t").to_vector(), b = make_window(s, shape, "t").to_vector();
    EXPECT_EQ(a, b) << form;
    s.seed = 43;
    EXPECT_NE(make_window(s, shape, "t").to_vector(), a) << form;
  }
  // p = 0 keeps everything, p = 1 nothing (w_corr then falls back to 1).
  WindowSpec s;
  s.form = "random";
  s.param_reduction = 0.0;
  EXPECT_EQ(window_stats(s, {10, 10}, "t").num_ones, 100.0);
  s.param_reduction = 1.0;
  WindowStats none = window_stats(s, {10, 10}, "t");
  EXPECT_EQ(none.num_ones, 0.0);
  EXPECT_EQ(none.w_corr, 1.0);
  EXPECT_EQ(none.reduced_ratio, 1.0);
}

// ---- convolutions ----

TEST(Window, ConvolutionRepeatsTheChannelWindowOverEveryTap) {
  Tensor channel = window_2d(12, 8, 4, 4, 0.5);  // (ny 8, nx 12)
  std::vector<float> c = channel.to_vector();
  Tensor w = make_window(spec_2d(4, 4, 0.5), {8, 12, 3, 2}, "mConv2D");
  ASSERT_EQ(w.shape(), (Shape{8, 12, 3, 2}));
  std::vector<float> v = w.to_vector();
  for (int64_t yx = 0; yx < 8 * 12; ++yx)
    for (int t = 0; t < 6; ++t) ASSERT_EQ(v[yx * 6 + t], c[yx]) << "pair " << yx << " tap " << t;
  WindowStats st = window_stats(spec_2d(4, 4, 0.5), {8, 12, 3, 2}, "mConv2D");
  EXPECT_EQ(st.num_weights, 8 * 12 * 6);
  EXPECT_EQ(st.num_ones, 6 * sum_of(channel));
  // A Linear weight of the same (ny, nx) gets the channel window itself.
  EXPECT_EQ(make_window(spec_2d(4, 4, 0.5), {8, 12}, "mLinear").to_vector(), c);
}

// ---- errors ----

TEST(Window, ValidationErrors) {
  WindowSpec s = spec_2d(4, 4, 0.5);
  s.form = "circle";
  expect_error(
      [&] {
        make_window(s, {16, 16}, "mDense");
      },
      {"mDense", "'circle'", "'2d'", "'diagonal'", "'gaussian'", "'random'", "'individual'", "'kernel'"});
  s.form = "gaussian";
  expect_error(
      [&] {
        make_window(s, {16, 16, 3, 3}, "mConv2D");
      },
      {"mConv2D", "'gaussian'", "(16, 16, 3, 3)"});
  s.form = "random";
  expect_error([&] { make_window(s, {16, 16, 3, 3}, "mConv2D"); }, {"mConv2D", "'random'"});
  s.form = "kernel";
  expect_error([&] { make_window(s, {16, 16}, "mDense"); }, {"mDense", "'kernel'", "(16, 16)"});

  expect_error(
      [] {
        make_window(spec_2d(4, 4, 0.0), {16, 16}, "mDense");
      },
      {"mDense", "window2d_width", "0"});
  expect_error([] { make_window(spec_2d(4, 4, -1.0), {16, 16}, "mDense"); }, {"window2d_width", "-1"});
  expect_error([] { make_window(spec_2d(4, 4, NAN), {16, 16}, "mDense"); }, {"window2d_width", "nan"});
  expect_error([] { make_window(spec_2d(0, 4, 0.5), {16, 16}, "mDense"); }, {"mDense", "input2d_width", "0"});
  expect_error([] { make_window(spec_2d(4, -2, 0.5), {16, 16}, "mDense"); }, {"output2d_width", "-2"});
  // Too wide: names the width, the side and its node count.
  expect_error(
      [] {
        make_window(spec_2d(20, 4, 0.5), {32, 16, 3, 3}, "mConv2D");
      },
      {"mConv2D", "input2d_width 20", "16", "x side"});
  expect_error(
      [] {
        make_window(spec_2d(4, 40, 0.5), {32, 16, 3, 3}, "mConvTranspose2d");
      },
      {"mConvTranspose2d", "output2d_width 40", "32", "y side"});

  WindowSpec d;
  d.form = "diagonal";
  d.param_reduction = 1.5;
  expect_error([&] { make_window(d, {8, 8}, "SzDense"); }, {"SzDense", "param_reduction", "1.5"});
  d.param_reduction = -0.1;
  expect_error([&] { make_window(d, {8, 8}, "SzDense"); }, {"param_reduction", "-0.1"});
  d.param_reduction = 0.5;
  d.halfbandwidth = -1;
  expect_error([&] { make_window(d, {8, 8}, "SzDense"); }, {"SzDense", "halfbandwidth", "-1"});
  d.halfbandwidth = 2;
  expect_error([&] { make_window(d, {8, 8, 3, 3}, "SzConv2D"); }, {"SzConv2D", "halfbandwidth", "dense"});
  WindowSpec h = spec_2d(4, 4, 0.5);
  h.halfbandwidth = 2;
  expect_error([&] { make_window(h, {16, 16}, "mDense"); }, {"halfbandwidth", "'2d'"});

  expect_error([] { make_window(WindowSpec{}, {16, 16, 3}, "mConv2D"); }, {"mConv2D", "rank", "(16, 16, 3)"});
  expect_error([] { make_window(spec_2d(1, 1, 0.5), {0, 16}, "mDense"); }, {"mDense", "(0, 16)"});
  expect_error([] { window_2d(4, 4, 8, 2, 0.5); }, {"window_2d", "input2d_width 8"});
  expect_error([] { window_diagonal(4, 4, 2.0, 0.0); }, {"window_diagonal", "param_reduction"});
  expect_error([] { window_gaussian(4, 0, 0.5, 0.0); }, {"window_gaussian", "ny"});
}

}  // namespace
}  // namespace murine
