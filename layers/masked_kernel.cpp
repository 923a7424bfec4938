// MaskedKernel: the window built once, its figures, and W ⊙ window.
#include "layers/masked_kernel.h"

#include "autograd/node.h"
#include "autograd/ops.h"

namespace murine {

MaskedKernel::MaskedKernel(WindowSpec spec, const Shape& weight_shape, std::string layer, Device device)
    : spec_(std::move(spec)), weight_shape_(weight_shape), layer_(std::move(layer)), given_(spec_.has_given()) {
  Window w = build_window(spec_, weight_shape_, layer_);
  window_ = w.tensor.to(device);
  stats_ = w.stats;
  spec_.given = Tensor();  // the window now lives in window_ (and the layer's state), not twice
}

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
}

}  // namespace murine
