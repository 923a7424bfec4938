// SpectralNormalization: power iteration on the wrapped layer's weight, and the layer run with W/σ.
#include "layers/spectral_normalization.h"

#include "tensor/error.h"

namespace murine {

namespace {

constexpr float kNormalizeEpsilon = 1e-7f;  // Keras' backend.epsilon(), the floor of ‖a‖ in normalize

// [l2 normalize] normalize(a) = a / max(‖a‖₂, ε)
Tensor l2_normalize(const Tensor& a) {
  return div(a, maximum(sqrt(sum(mul(a, a))), scalar(kNormalizeEpsilon, a.device())));
}

// Points *slot at `value` until the scope ends, then back at what it held (also when the layer throws).
class SlotSwap {
 public:
  SlotSwap(Tensor* slot, Tensor value) : slot_(slot), saved_(*slot) { *slot_ = std::move(value); }
  ~SlotSwap() { *slot_ = saved_; }
  SlotSwap(const SlotSwap&) = delete;
  SlotSwap& operator=(const SlotSwap&) = delete;

 private:
  Tensor* slot_;
  Tensor saved_;
};

// The wrapped layer's `weight` member, after checking the layer exists.
template <typename Layer>
Tensor* weight_slot_of(const std::shared_ptr<Layer>& layer) {
  MURINE_CHECK(layer, "SpectralNormalization: the wrapped layer is null");
  return &layer->weight;
}

}  // namespace

SpectralNormalization::SpectralNormalization(std::shared_ptr<Dense> layer, SpectralNormalizationOptions options)
    : SpectralNormalization(layer, weight_slot_of(layer),
                            [l = layer.get()](const Tensor& x) {
                              MURINE_CHECK(x.rank() >= 2, "SpectralNormalization: the wrapped " << l->type_name()
                                                              << " expects input (batch, features), got "
                                                              << shape_str(x.shape()));
                              if (!l->built()) l->build(x.shape().back());
                            },
                            options) {}

SpectralNormalization::SpectralNormalization(std::shared_ptr<Convolution> layer, SpectralNormalizationOptions options)
    : SpectralNormalization(layer, weight_slot_of(layer),
                            [l = layer.get()](const Tensor& x) {
                              MURINE_CHECK(x.rank() == 4, "SpectralNormalization: the wrapped " << l->type_name()
                                                              << " expects input (N, C, H, W), got "
                                                              << shape_str(x.shape()));
                              if (!l->built()) l->build(x.shape()[1]);
                            },
                            options) {}

SpectralNormalization::SpectralNormalization(std::shared_ptr<Module> layer, Tensor* weight_slot,
                                             std::function<void(const Tensor&)> build_layer,
                                             SpectralNormalizationOptions options)
    : layer_(std::move(layer)), weight_slot_(weight_slot), build_layer_(std::move(build_layer)), options_(options) {
  MURINE_CHECK(options_.power_iterations > 0,
               type_name() << ": power_iterations must be positive, got " << options_.power_iterations);
  register_module("layer", layer_);
  if (weight_slot_->defined()) build_u();
}

Tensor SpectralNormalization::raw_weight() const {
  for (const auto& [name, t] : layer_->named_parameters())
    if (name == "weight") return t;
  return Tensor();
}

void SpectralNormalization::build_u() {
  Tensor w = raw_weight();
  MURINE_CHECK(w.defined(), type_name() << ": the wrapped " << layer_->type_name() << " has no 'weight' parameter");
  MURINE_CHECK(w.impl() == weight_slot_->impl(), type_name() << ": the wrapped " << layer_->type_name()
                                                             << "'s 'weight' parameter is not its weight member");
  NoGradGuard no_grad;
  u = register_buffer("u", l2_normalize(randn({1, w.shape()[0]}, global_generator())).to(device()));
}

Tensor SpectralNormalization::divide_by_sigma(bool update) {
  Tensor w = *weight_slot_;
  const int64_t rows = w.shape()[0];
  Tensor matrix = reshape(w, {rows, -1});  // M (rows, K), in the graph
  Tensor u_new, v;
  {
    NoGradGuard no_grad;  // u and v are constants for the gradient (Keras' stop_gradient)
    Tensor m = matrix.detach();
    if (update) {
      u_new = u;
      for (int64_t i = 0; i < options_.power_iterations; ++i) {
        // [power iteration] v = normalize(u·M),  u = normalize(v·Mᵀ)   (M = W as (W.shape[0], −1); Keras' order)
        v = l2_normalize(matmul(u_new, m));
        u_new = l2_normalize(matmul(v, transpose(m)));
      }
    } else {
      u_new = l2_normalize(u);
      v = l2_normalize(matmul(u_new, m));  // σ = u·M·vᵀ = ‖u·M‖ for this v
    }
  }
  // [spectral norm] σ = u·M·vᵀ (u, v constants),  W_sn = W/σ;  dW = (dW_sn − ⟨dW_sn, W_sn⟩·uᵀv)/σ
  Tensor sigma = reshape(matmul(matmul(u_new, matrix), transpose(v)), {});
  // An all-zero W stays as it is and u unchanged (Keras), instead of 0/0.
  Tensor zero_weight;
  {
    NoGradGuard no_grad;
    zero_weight = eq(sum(abs(w.detach())), scalar(0.0f, w.device()));
    if (update) set_buffer("u", where(zero_weight, u, u_new));
  }
  sigma = where(zero_weight, scalar(1.0f, w.device()), sigma);
  Tensor w_sn = div(w, sigma);
  sigma_ = sigma.detach();
  normalized_weight_ = w_sn.detach();
  return w_sn;
}

Tensor SpectralNormalization::forward(const Tensor& x) {
  if (!u.defined()) {
    build_layer_(x);
    build_u();
  }
  if (!training() && !options_.normalize_in_eval) {  // Keras' inference: the layer as it stands
    sigma_ = scalar(1.0f, weight_slot_->device());
    normalized_weight_ = weight_slot_->detach();
    return layer_->forward(x);
  }
  SlotSwap swap(weight_slot_, divide_by_sigma(training()));
  return layer_->forward(x);
}

}  // namespace murine
