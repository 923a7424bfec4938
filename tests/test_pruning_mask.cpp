// Post-training pruning masks (layers/pruning_mask.h): small masks worked out by hand from the
// MNIST_4layers*Nrm scripts' loops, the scripts' own 512 × 512 counts, the kept fraction, the
// width 0 / 1 edge cases, the random form's count and law, and the errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "layers/pruning_mask.h"
#include "layers/window.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

using testing::expect_error;
using Rows = std::vector<std::vector<int>>;

// A 0/1 mask as rows of integers, mask[iy][ix] (rows: outputs, columns: inputs).
Rows rows_of(const Tensor& m) {
  EXPECT_EQ(m.rank(), 2);
  const std::vector<float> v = m.to_vector();
  Rows rows(m.size(0), std::vector<int>(m.size(1)));
  for (int64_t y = 0; y < m.size(0); ++y)
    for (int64_t x = 0; x < m.size(1); ++x) {
      const float e = v[y * m.size(1) + x];
      EXPECT_TRUE(e == 0.0f || e == 1.0f) << "entry (" << y << ", " << x << ") = " << e;
      rows[y][x] = (int)e;
    }
  return rows;
}

int64_t ones_of(const Tensor& m) {
  int64_t n = 0;
  for (float v : m.to_vector()) n += v == 1.0f;
  return n;
}

Rows all(int64_t rows, int64_t cols, int value) { return Rows(rows, std::vector<int>(cols, value)); }

// ---- the scripts' forms, by hand ----

TEST(PruningMask, DiagonalKeepsTheBandOfTheScript) {
  // MNIST_4layersDiagonalNrm: zero when iy − ix ≥ id or ix − iy ≥ id; 4 × 4, w = 0.5 → id = 2.
  EXPECT_EQ(rows_of(pruning_mask("diagonal", 4, 4, 0.5)), (Rows{{1, 1, 0, 0}, {1, 1, 1, 0}, {0, 1, 1, 1}, {0, 0, 1, 1}}));
  // id = 1: the diagonal alone.
  EXPECT_EQ(rows_of(pruning_mask("diagonal", 4, 4, 0.25)), (Rows{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}));
  // 3 outputs × 5 inputs, w = 0.4 → id = 2 input nodes, slope rxy = (5−1)/(3−1) = 2: keep |ix − 2·iy| < 2.
  EXPECT_EQ(rows_of(pruning_mask("diagonal", 3, 5, 0.4)), (Rows{{1, 1, 0, 0, 0}, {0, 1, 1, 1, 0}, {0, 0, 0, 1, 1}}));
}

TEST(PruningMask, CenteredKeepsTheCentralSquareOfTheScript) {
  // MNIST_4layersCenteredNrm: zero when |iy − n/2| > id/2 or |ix − n/2| > id/2.
  // 4 × 4, w = 0.5 → id = 2: |i − 2| ≤ 1 keeps i = 1, 2, 3 (id + 1: id and n are both even).
  EXPECT_EQ(rows_of(pruning_mask("centered", 4, 4, 0.5)), (Rows{{0, 0, 0, 0}, {0, 1, 1, 1}, {0, 1, 1, 1}, {0, 1, 1, 1}}));
  // 5 × 5, w = 0.4 → id = 2: |i − 2.5| ≤ 1 keeps i = 2, 3.
  Rows five = all(5, 5, 0);
  five[2][2] = five[2][3] = five[3][2] = five[3][3] = 1;
  EXPECT_EQ(rows_of(pruning_mask("centered", 5, 5, 0.4)), five);
  // 4 outputs × 6 inputs, w = 0.5: id_y = 2 keeps iy = 1..3, id_x = 3 keeps |ix − 3| ≤ 1.5: ix = 2..4.
  EXPECT_EQ(rows_of(pruning_mask("centered", 4, 6, 0.5)),
            (Rows{{0, 0, 0, 0, 0, 0}, {0, 0, 1, 1, 1, 0}, {0, 0, 1, 1, 1, 0}, {0, 0, 1, 1, 1, 0}}));
}

TEST(PruningMask, GaussianWeighsByDistanceFromTheDiagonal) {
  // MNIST_4layersGaussNrm: g = exp(−(ix − iy)² / (2σ²)), σ = 2·id; 3 × 3, w = 1/3 → id = 1, σ = 2.
  const std::vector<float> g = pruning_mask("gaussian", 3, 3, 1.0 / 3.0).to_vector();
  const double e1 = std::exp(-1.0 / 8.0), e2 = std::exp(-4.0 / 8.0);
  const std::vector<double> expected = {1, e1, e2, e1, 1, e1, e2, e1, 1};
  for (size_t k = 0; k < g.size(); ++k) EXPECT_FLOAT_EQ(g[k], (float)expected[k]) << "element " << k;
  EXPECT_NEAR(kept_fraction(pruning_mask("gaussian", 3, 3, 1.0 / 3.0)), (3 + 4 * e1 + 2 * e2) / 9.0, 1e-7);
  // id ≥ n: the script's `if id < idim` fails and g = 1 everywhere.
  EXPECT_EQ(rows_of(pruning_mask("gaussian", 3, 3, 1.0)), all(3, 3, 1));
}

TEST(PruningMask, StripingZeroesWrappedDiagonals) {
  // MNIST_4layersStripingNrm: s stripes, stripe a zeroes kernel[ix][(ix + int(a·n/s)) mod n].
  // 4 × 4, w = 0.5 → s = 2, offsets 0, 2: zero where (iy − ix) mod 4 ∈ {0, 2}.
  EXPECT_EQ(rows_of(pruning_mask("striping", 4, 4, 0.5)), (Rows{{0, 1, 0, 1}, {1, 0, 1, 0}, {0, 1, 0, 1}, {1, 0, 1, 0}}));
  // w = 0.25 → s = 3, fstep = 4/3, offsets int(0), int(1.33), int(2.67) = 0, 1, 2: only (iy − ix) mod 4 = 3 is kept.
  EXPECT_EQ(rows_of(pruning_mask("striping", 4, 4, 0.25)), (Rows{{0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}, {1, 0, 0, 0}}));
  // A stripe wraps around the outputs: 2 outputs × 4 inputs, s = 1 stripe zeroes (ix mod 2, ix).
  EXPECT_EQ(rows_of(pruning_mask("striping", 2, 4, 0.5)), (Rows{{0, 1, 0, 1}, {1, 0, 1, 0}}));
  EXPECT_DOUBLE_EQ(kept_fraction(pruning_mask("striping", 8, 5, 0.25)), 1.0 - 6.0 / 8.0);
}

TEST(PruningMask, SzDiagonalIsTheCifarScriptsBand) {
  // CIFAR10_DiagNrmCNN: zero where |rxy·iy − ix| ≥ hw·√(rxy² + 1), hw = nx·ny/√(nx² + ny²)·(1 − √p), p = 1 − w.
  const int64_t ny = 6, nx = 10;
  for (double w : {0.1, 0.3, 0.5, 0.77, 0.9}) {
    const double p = 1.0 - w, rxy = (nx - 1.0) / (ny - 1.0);
    const double hwdiv = (nx * ny / std::sqrt((double)(nx * nx + ny * ny))) * (1.0 - std::sqrt(p)) * std::sqrt(rxy * rxy + 1);
    Rows expected = all(ny, nx, 1);
    for (int64_t iy = 0; iy < ny; ++iy)
      for (int64_t ix = 0; ix < nx; ++ix)
        if (std::fabs(rxy * iy - ix) >= hwdiv) expected[iy][ix] = 0;
    EXPECT_EQ(rows_of(pruning_mask("sz-diagonal", ny, nx, w)), expected) << "w = " << w;
    EXPECT_EQ(rows_of(pruning_mask("sz-diagonal", ny, nx, w)), rows_of(window_diagonal(nx, ny, p, 0.0)));
  }
}

// ---- the scripts' 512 × 512 layer: the counts their loops give ----

TEST(PruningMask, TheScriptsCountsOnTheir512Layer) {
  const int64_t n = 512;
  // diagonal, id = 507: n² − (n − id)(n − id + 1) weights kept.
  EXPECT_EQ(ones_of(pruning_mask("diagonal", n, n, 507.0 / n)), n * n - 5 * 6);
  // centered, id = 507 (odd) keeps 507 a side; id = 2 keeps 3 a side.
  EXPECT_EQ(ones_of(pruning_mask("centered", n, n, 507.0 / n)), 507 * 507);
  EXPECT_EQ(ones_of(pruning_mask("centered", n, n, 2.0 / n)), 9);
  // random, id = 257: (n − id)² weights zeroed.
  EXPECT_EQ(ones_of(pruning_mask("random", n, n, 257.0 / n, 7)), n * n - 255 * 255);
  // striping, id = 5 stripes (w = 1 − 5/512): 5·n weights zeroed.
  EXPECT_EQ(ones_of(pruning_mask("striping", n, n, 1.0 - 5.0 / n)), n * n - 5 * n);
}

// ---- edge cases and the kept fraction ----

TEST(PruningMask, WidthOneKeepsEverythingAndWidthZeroTheScriptsLimit) {
  for (const std::string& form : pruning_mask_forms()) {
    const Tensor m = pruning_mask(form, 6, 4, 1.0, 3);
    EXPECT_EQ(m.shape(), (Shape{6, 4})) << form;
    EXPECT_EQ(rows_of(m), all(6, 4, 1)) << form;
    EXPECT_DOUBLE_EQ(kept_fraction(m), 1.0) << form;
  }
  for (const char* form : {"diagonal", "random", "striping", "sz-diagonal"})
    EXPECT_EQ(rows_of(pruning_mask(form, 6, 4, 0.0, 3)), all(6, 4, 0)) << form;
  // centered at id = 0 keeps the one weight at (n/2, n/2) of an even layer, none of an odd one.
  Rows centre = all(4, 4, 0);
  centre[2][2] = 1;
  EXPECT_EQ(rows_of(pruning_mask("centered", 4, 4, 0.0)), centre);
  EXPECT_EQ(rows_of(pruning_mask("centered", 5, 5, 0.0)), all(5, 5, 0));
  // gaussian at σ = 0: the limit, 1 on the diagonal and 0 elsewhere.
  EXPECT_EQ(rows_of(pruning_mask("gaussian", 3, 3, 0.0)), (Rows{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}));
}

TEST(PruningMask, KeptFractionIsTheMeanOfTheMask) {
  EXPECT_DOUBLE_EQ(kept_fraction(pruning_mask("diagonal", 4, 4, 0.5)), 10.0 / 16.0);
  EXPECT_DOUBLE_EQ(kept_fraction(pruning_mask("centered", 4, 4, 0.5)), 9.0 / 16.0);
  EXPECT_DOUBLE_EQ(kept_fraction(pruning_mask("striping", 4, 4, 0.5)), 0.5);
  // Narrower masks keep less, for every form.
  for (const std::string& form : pruning_mask_forms()) {
    double previous = 2.0;
    for (double w : {1.0, 0.8, 0.6, 0.4, 0.2}) {
      const double f = kept_fraction(pruning_mask(form, 40, 40, w, 1));
      EXPECT_LT(f, previous) << form << " w = " << w;
      previous = f;
    }
  }
}

TEST(PruningMask, RandomZeroesExactlyTheScriptsCountUniformly) {
  // 4 outputs × 6 inputs, w = 0.5: (4 − 2)·(6 − 3) = 6 weights zeroed, whatever the seed.
  for (uint64_t seed : {0, 1, 2, 99}) EXPECT_EQ(ones_of(pruning_mask("random", 4, 6, 0.5, seed)), 24 - 6);
  // The same seed gives the same mask; another seed another one.
  EXPECT_EQ(rows_of(pruning_mask("random", 8, 8, 0.5, 5)), rows_of(pruning_mask("random", 8, 8, 0.5, 5)));
  EXPECT_NE(rows_of(pruning_mask("random", 8, 8, 0.5, 5)), rows_of(pruning_mask("random", 8, 8, 0.5, 6)));
  // Uniform: over 400 seeds every weight of an 8 × 8 layer is zeroed with chance 16/64 (sd of the
  // frequency √(0.25·0.75/400) ≈ 0.022; 0.1 is beyond 4 sd).
  const int runs = 400;
  std::vector<int> zeroed(64, 0);
  for (int s = 0; s < runs; ++s) {
    const std::vector<float> v = pruning_mask("random", 8, 8, 0.5, (uint64_t)s).to_vector();
    for (int k = 0; k < 64; ++k) zeroed[k] += v[k] == 0.0f;
  }
  for (int k = 0; k < 64; ++k) EXPECT_NEAR(zeroed[k] / (double)runs, 0.25, 0.1) << "weight " << k;
}

// ---- errors ----

TEST(PruningMask, ErrorsNameTheArgument) {
  expect_error([] { pruning_mask("square", 4, 4, 0.5); },
               {"pruning_mask", "unknown form 'square'", "diagonal, centered, gaussian, random, striping, sz-diagonal"});
  expect_error([] { pruning_mask("diagonal", 4, 4, 1.5); }, {"pruning_mask", "width", "[0, 1]", "1.5"});
  expect_error([] { pruning_mask("diagonal", 4, 4, -0.1); }, {"width", "-0.1"});
  expect_error([] { pruning_mask("diagonal", 4, 4, std::nan("")); }, {"width", "nan"});
  expect_error([] { pruning_mask("centered", 0, 4, 0.5); }, {"pruning_mask", "(0, 4)"});
  expect_error([] { kept_fraction(Tensor()); }, {"kept_fraction"});
}

}  // namespace
}  // namespace murine
