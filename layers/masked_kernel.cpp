// MaskedKernel: the window built once, its figures, and W ⊙ window.
#include "layers/masked_kernel.h"

#include <atomic>

#include "autograd/node.h"
#include "autograd/ops.h"

namespace murine {

namespace {
std::atomic<WindowPath> g_window_path{WindowPath::Auto};
}  // namespace

void set_window_path(WindowPath path) { g_window_path = path; }
WindowPath window_path() { return g_window_path; }

MaskedKernel::MaskedKernel(WindowSpec spec, const Shape& weight_shape, std::string layer, Device device)
    : spec_(std::move(spec)), weight_shape_(weight_shape), layer_(std::move(layer)), given_(spec_.has_given()) {
  Window w = build_window(spec_, weight_shape_, layer_);
  window_ = w.tensor.to(device);
  stats_ = w.stats;
  spec_.given = Tensor();  // the window now lives in window_ (and the layer's state), not twice
  make_plan();
}

// The weight (dim0, dim1, taps…) as plan_window sees it: its channel pattern, a Dense or a
// convolution's products.
void MaskedKernel::make_plan() {
  const int64_t dim0 = weight_shape_[0], dim1 = weight_shape_[1];
  int64_t taps = 1;
  for (size_t i = 2; i < weight_shape_.size(); ++i) taps *= weight_shape_[i];
  const std::vector<uint8_t> pattern = window_pattern(window_.to_vector(), dim0, dim1, taps);
  // a '2d' window's x grid (weight axis 1), for blocks that are patches of it
  const int64_t grid = spec_.form == "2d" && !given_ ? spec_.input2d_width : 0;
  plan_ = std::make_shared<const WindowPlan>(plan_window(pattern, dim0, dim1, taps, weight_shape_.size() == 2, grid));
  blocks_ = std::shared_ptr<const WindowBlocks>(plan_, &plan_->blocks);
}

std::shared_ptr<const WindowBlocks> MaskedKernel::blocks(Device device) const {
  switch (window_path()) {
    case WindowPath::Dense: return nullptr;
    case WindowPath::Window: return blocks_;
    case WindowPath::Auto: break;
  }
  return device == Device::CPU && plan_->use_window ? blocks_ : nullptr;
}

double MaskedKernel::mac_fraction(Device device) const { return blocks(device) ? plan_->blocks.mac_fraction() : 1.0; }

// [w_corr init] W ← W ⊙ window · w_corr (a 'gaussian' window, built or given, carries w_corr itself)
Tensor MaskedKernel::initial_weight(const Tensor& drawn) const {
  NoGradGuard no_grad;
  if (spec_.form == "gaussian") return mul(drawn, window_);
  return mul(mul(drawn, window_), (float)stats_.w_corr);
}

// [masked weight] W_eff = W ⊙ window;  dW = dW_eff ⊙ window (mul's backward; the window is a constant)
Tensor MaskedKernel::effective_weight(const Tensor& weight) const { return mul(weight, window_); }

void MaskedKernel::window_loaded() {
  const std::vector<float> loaded = window_.to_vector();
  if (!given_ && build_window(spec_, weight_shape_, layer_).tensor.to_vector() == loaded) return;
  stats_ = window_stats_of(window_);
  given_ = true;
  make_plan();
}

}  // namespace murine
