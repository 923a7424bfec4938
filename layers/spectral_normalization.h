// SpectralNormalization (Miyato et al. 2018; Keras' keras.layers.SpectralNormalization, PyTorch's
// nn.utils.spectral_norm): wraps a Dense, Conv2D or Conv2DTranspose (or a masked twin) and runs it
// with W/σ, σ the largest singular value of the weight, estimated by power iteration with a persistent
// vector u. Names: the wrapped layer's "layer.weight" (the raw W, the trained parameter), "layer.bias",
// and the buffer "u".
//
// The matrix. Keras reshapes its kernel (…, out) to (−1, out) and keeps u of shape (1, out), out being
// the kernel's LAST axis. In murine's PyTorch layouts that axis is the weight's FIRST:
//   Dense     W (out, in)          ↔ Keras kernel (in, out)
//   Conv2D    W (out, in, kh, kw)  ↔ Keras kernel (kh, kw, in, out)
//   Conv2DT   W (in, out, kh, kw)  ↔ Keras kernel (kh, kw, out, in)   (Keras' "out" axis is our in!)
// so here M = W reshaped to (W.shape[0], −1) and u is (1, W.shape[0]). M is Keras' matrix transposed,
// with its columns in another order; a reordering of v's entries changes neither u nor σ, so u and σ
// are exactly Keras'. (PyTorch's spectral_norm also takes u over weight axis 0 for Linear and Conv2d,
// giving the same u and σ; for ConvTranspose2d it uses axis 1, which Keras and murine do not.)
//
// One step, in Keras' order (ε = 1e-7, normalize(a) = a / max(‖a‖, ε)):
//   v = normalize(u·M),  u ← normalize(v·Mᵀ)   (power_iterations times),  σ = u·M·vᵀ,  W_sn = W/σ.
//
// Decisions (Keras 3 source, keras/src/layers/normalization/spectral_normalization.py, read for this):
//  - Training mode runs the power iteration, stores the new u, and runs the layer with W/σ. An all-zero
//    W is left alone, u unchanged (Keras' ops.cond on all(kernel == 0)), instead of 0/0.
//  - Gradient: u and v are constants (Keras stop_gradient()s both, as does PyTorch), σ is not: the
//    gradient reaches the raw W both directly and through σ, dW = (dW_sn − ⟨dW_sn, W_sn⟩·uᵀv)/σ.
//    Keras itself then assign()s W/σ INTO its kernel variable and runs the layer on that variable, which
//    makes its kernel gradient backend-dependent: with TensorFlow's GradientTape the assign cuts the σ
//    term (the kernel gets dW_sn straight through, and the stored kernel is the normalised one); with
//    JAX's stateless trainer the gradient flows through σ as here and the kernel assignment is dropped.
//    murine keeps the raw W as the parameter and the normalisation in the graph, as the paper and
//    PyTorch do; a training step's forward values are Keras' (the same u, σ, and W/σ, which
//    normalized_weight() returns).
//  - Inference (eval) does not change u and still divides by σ, from the current u:
//    û = normalize(u), v = normalize(û·M), σ = û·M·vᵀ = ‖û·M‖ (PyTorch keeps v as a second buffer
//    instead). For a fixed u this σ is a smooth function of W whose exact gradient equals the
//    stop-gradient one, so eval is gradient-checkable. Keras' inference call instead runs the layer on
//    its kernel variable as it stands (W/σ of the last training call on TensorFlow, the raw W on JAX);
//    normalize_in_eval = false gives that literal behaviour here: eval runs the layer on the raw W.
//  - u starts as normalize(N(0, 1)) drawn from global_generator() after the wrapped layer's weights
//    (PyTorch's init; Keras draws TruncatedNormal(stddev 0.02): only u's direction matters).
#pragma once
#include <functional>
#include <memory>

#include "layers/conv2d.h"
#include "layers/conv2d_transpose.h"
#include "layers/dense.h"

namespace murine {

struct SpectralNormalizationOptions {
  int64_t power_iterations = 1;  // > 0
  bool normalize_in_eval = true;  // false: eval runs the wrapped layer on the raw W (Keras' inference call)
};

class SpectralNormalization : public Module {
 public:
  explicit SpectralNormalization(std::shared_ptr<Dense> layer, SpectralNormalizationOptions options = {});
  // Conv2D, Conv2DTranspose and their masked twins.
  explicit SpectralNormalization(std::shared_ptr<Convolution> layer, SpectralNormalizationOptions options = {});

  // Training: one power-iteration step (u updated), then the layer with W/σ. Eval: W/σ from the current u
  // (or the raw W, with normalize_in_eval off).
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "SpectralNormalization"; }
  const SpectralNormalizationOptions& options() const { return options_; }

  Module& layer() { return *layer_; }
  // The raw weight W of the wrapped layer (its "weight" parameter); undefined until it is built.
  Tensor raw_weight() const;
  // σ the last forward divided by (1 when it ran the raw W), and the weight it ran the layer with
  // (W/σ, Keras' kernel after a training call); no graph; undefined before the first forward.
  Tensor sigma() const { return sigma_; }
  Tensor normalized_weight() const { return normalized_weight_; }

  Tensor u;  // (1, W.shape[0]); created with the wrapped layer's weights

 private:
  SpectralNormalization(std::shared_ptr<Module> layer, Tensor* weight_slot,
                        std::function<void(const Tensor&)> build_layer, SpectralNormalizationOptions options);
  void build_u();
  // W/σ with σ from u; with `update`, the power iteration runs first and u is stored.
  Tensor divide_by_sigma(bool update);

  std::shared_ptr<Module> layer_;
  // The wrapped layer's `weight` member: forward points it at W/σ for the duration of the layer's
  // forward and back at the raw parameter after, so the layer's own code (window mask, padding,
  // activation) runs unchanged. The shared_ptr above keeps the slot alive.
  Tensor* weight_slot_;
  std::function<void(const Tensor&)> build_layer_;  // builds the wrapped layer from a first input
  SpectralNormalizationOptions options_;
  Tensor sigma_, normalized_weight_;
};

}  // namespace murine
