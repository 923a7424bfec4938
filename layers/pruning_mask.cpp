// Post-training pruning masks (layers/pruning_mask.h): each form's loop as its script writes it,
// over the script's kernel[ix][iy], stored at mask[iy][ix] of murine's (out, in) weight.
#include "layers/pruning_mask.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "autograd/ops.h"
#include "layers/window.h"
#include "tensor/error.h"
#include "tensor/random.h"

namespace murine {

namespace {

constexpr const char* kOp = "pruning_mask";

// The scripts' integer width parameter id for a side of n nodes: round(w·n).
int64_t script_id(double width, int64_t n) { return (int64_t)std::llround(width * (double)n); }

// The slope of the diagonal from (0, 0) to (ny−1, nx−1) in (iy, ix): 1 for a square layer.
double slope(int64_t ny, int64_t nx) { return ny > 1 ? (double)(nx - 1) / (double)(ny - 1) : 0.0; }

// A (ny, nx) mask from a keep(iy, ix) → value rule.
template <typename Rule>
Tensor mask_of(int64_t ny, int64_t nx, Rule keep) {
  std::vector<float> m(ny * nx);
  for (int64_t iy = 0; iy < ny; ++iy)
    for (int64_t ix = 0; ix < nx; ++ix) m[iy * nx + ix] = (float)keep(iy, ix);
  return from_vector(m, {ny, nx});
}

Tensor diagonal(int64_t ny, int64_t nx, double width) {
  // [pruning diagonal] keep |ix − rxy·iy| < id, id = round(w·nx) (square: zero when iy − ix ≥ id or ix − iy ≥ id)
  const int64_t id = script_id(width, nx);
  const double rxy = slope(ny, nx);
  return mask_of(ny, nx, [&](int64_t iy, int64_t ix) {
    return std::fabs((double)ix - rxy * (double)iy) < (double)id ? 1.0 : 0.0;
  });
}

Tensor centered(int64_t ny, int64_t nx, double width) {
  // [pruning centered] keep |iy − ny/2| ≤ id_y/2 and |ix − nx/2| ≤ id_x/2, id = round(w·n) per side
  const int64_t id_y = script_id(width, ny), id_x = script_id(width, nx);
  return mask_of(ny, nx, [&](int64_t iy, int64_t ix) {
    const bool outside = std::fabs((double)iy - (double)ny / 2.0) > (double)id_y / 2.0 ||
                         std::fabs((double)ix - (double)nx / 2.0) > (double)id_x / 2.0;
    return outside ? 0.0 : 1.0;
  });
}

Tensor gaussian(int64_t ny, int64_t nx, double width) {
  // [pruning gaussian] g = exp(−(ix − rxy·iy)² / (2σ²)), σ = 2·id, id = round(w·nx); g = 1 when id ≥ nx
  const int64_t id = script_id(width, nx);
  const double rxy = slope(ny, nx);
  const double sigma = 2.0 * (double)id;
  return mask_of(ny, nx, [&](int64_t iy, int64_t ix) {
    if (id >= nx) return 1.0;
    const double d = (double)ix - rxy * (double)iy;
    if (sigma == 0.0) return d == 0.0 ? 1.0 : 0.0;  // the σ → 0 limit (the script never reaches id = 0)
    return std::exp(-d * d / (2.0 * sigma * sigma));
  });
}

// The uniform draws of Generator(seed), one at a time, in chunks of a multiple of 4 so that the
// stream is the same as one long draw.
class UniformStream {
 public:
  explicit UniformStream(uint64_t seed) : gen_(seed) {}
  double next() {
    if (at_ == chunk_.size()) {
      chunk_ = rand({kChunk}, gen_).to_vector();
      at_ = 0;
    }
    return (double)chunk_[at_++];
  }
  // A uniform index in [0, n), as random.randrange(n).
  int64_t index(int64_t n) { return std::min<int64_t>((int64_t)(next() * (double)n), n - 1); }

 private:
  static constexpr int64_t kChunk = 4096;
  Generator gen_;
  std::vector<float> chunk_;
  size_t at_ = 0;
};

Tensor random_mask(int64_t ny, int64_t nx, double width, uint64_t seed) {
  // [pruning random] zero (ny − id_y)·(nx − id_x) distinct weights: draw iy, ix uniformly, again while already zeroed
  const int64_t removed = (ny - script_id(width, ny)) * (nx - script_id(width, nx));
  std::vector<float> m(ny * nx, 1.0f);
  UniformStream u(seed);
  for (int64_t r = 0; r < removed; ++r) {
    int64_t iy, ix;
    do {
      iy = u.index(ny);
      ix = u.index(nx);
    } while (m[iy * nx + ix] == 0.0f);
    m[iy * nx + ix] = 0.0f;
  }
  return from_vector(m, {ny, nx});
}

Tensor striping(int64_t ny, int64_t nx, double width) {
  // [pruning striping] s = round((1 − w)·ny) stripes; stripe a zeroes (iy = (ix + int(a·ny/s)) mod ny, ix) for all ix
  const int64_t stripes = script_id(1.0 - width, ny);
  std::vector<float> m(ny * nx, 1.0f);
  if (stripes > 0) {
    const double fstep = (double)ny / (double)stripes;
    for (int64_t a = 0; a < stripes; ++a) {
      const int64_t iy0 = (int64_t)(fstep * (double)a);  // int() truncates
      for (int64_t ix = 0; ix < nx; ++ix) m[((ix + iy0) % ny) * nx + ix] = 0.0f;
    }
  }
  return from_vector(m, {ny, nx});
}

Tensor sz_diagonal(int64_t ny, int64_t nx, double width) {
  // [pruning sz-diagonal] the 'diagonal' window of layers/window.h at p = 1 − w: zero where |rxy·iy − ix| ≥ hb·√(rxy² + 1)
  return window_diagonal(nx, ny, 1.0 - width, 0.0);
}

std::string form_list() {
  std::ostringstream s;
  const auto& forms = pruning_mask_forms();
  for (size_t i = 0; i < forms.size(); ++i) s << (i ? ", " : "") << forms[i];
  return s.str();
}

}  // namespace

const std::vector<std::string>& pruning_mask_forms() {
  static const std::vector<std::string> forms = {"diagonal", "centered", "gaussian", "random", "striping", "sz-diagonal"};
  return forms;
}

Tensor pruning_mask(const std::string& form, int64_t rows, int64_t cols, double width, uint64_t seed) {
  MURINE_CHECK(rows > 0 && cols > 0,
               kOp << ": the weight must have rows (out) and cols (in) > 0, got (" << rows << ", " << cols << ")");
  MURINE_CHECK(std::isfinite(width) && width >= 0.0 && width <= 1.0,
               kOp << ": width must be in [0, 1] (1 keeps every weight), got " << width);
  if (form == "diagonal") return diagonal(rows, cols, width);
  if (form == "centered") return centered(rows, cols, width);
  if (form == "gaussian") return gaussian(rows, cols, width);
  if (form == "random") return random_mask(rows, cols, width, seed);
  if (form == "striping") return striping(rows, cols, width);
  if (form == "sz-diagonal") return sz_diagonal(rows, cols, width);
  MURINE_CHECK(false, kOp << ": unknown form '" << form << "' (forms: " << form_list() << ")");
  return Tensor();
}

double kept_fraction(const Tensor& mask) {
  MURINE_CHECK(mask.defined() && mask.numel() > 0, "kept_fraction: needs a non-empty mask");
  // [pruning kept fraction] f = Σ mask / numel (the scripts' fcount / (idim·idim))
  double sum = 0.0;
  for (float v : mask.to_vector()) sum += v;
  return sum / (double)mask.numel();
}

}  // namespace murine
