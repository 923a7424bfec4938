// Adam (Kingma & Ba, 2015, Algorithm 1) in the two conventions murine's reference models use.
// They share the moment updates
//   m_t = β1·m_{t−1} + (1 − β1)·g_t,   v_t = β2·v_{t−1} + (1 − β2)·g_t²   (m_0 = v_0 = 0)
// and differ in where the bias correction and ε enter:
//   Keras 3 (keras.optimizers.Adam, ε = 1e-7, the paper's "ε̂" before its §2.1):
//     α_t = lr·√(1 − β2ᵗ) / (1 − β1ᵗ),   p_t = p_{t−1} − α_t·m_t / (√v_t + ε)
//     (t = iterations; the moments are written m += (g − m)·(1 − β1), v += (g² − v)·(1 − β2);
//     β^t and α_t are computed in float32, as Keras does for a float32 variable)
//   PyTorch (torch.optim.Adam, ε = 1e-8, the paper's Algorithm 1):
//     m̂_t = m_t / (1 − β1ᵗ), v̂_t = v_t / (1 − β2ᵗ),   p_t = p_{t−1} − lr·m̂_t / (√v̂_t + ε)
//     evaluated as PyTorch does: p −= (lr / (1 − β1ᵗ))·m_t / (√v_t / √(1 − β2ᵗ) + ε)
//     (t = updates(i), this parameter's own count; scalars in double, the tensors in float32)
// Written in PyTorch's form, Keras' step is p −= lr·m̂_t / (√v̂_t + ε/√(1 − β2ᵗ)): its ε acts as
// ε/√(1 − β2ᵗ), about 31.6·ε at t = 1 for β2 = 0.999, tending to ε as t grows. Otherwise the two agree.
// weight_decay λ: Keras applies it decoupled before the step, p ← p − p·λ·lr (AdamW-style);
// PyTorch's Adam adds it to the gradient, g ← g + λ·p (L2). Each convention does its own.
// A parameter with zero gradient and zero value (a masked weight) gets exactly zero update in both.
// State dict: "adam.m.<i>", "adam.v.<i>" and the counts (see optimizer.h).
#pragma once
#include "optim/optimizer.h"

namespace murine {

enum class AdamConvention { Keras, Torch };

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-7;  // Keras' default; Adam::torch uses 1e-8
  double weight_decay = 0.0;
  AdamConvention convention = AdamConvention::Keras;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options);
  // keras.optimizers.Adam(learning_rate, beta_1, beta_2, epsilon, weight_decay).
  static Adam keras(std::vector<Tensor> params, double lr = 1e-3, double beta1 = 0.9,
                    double beta2 = 0.999, double eps = 1e-7, double weight_decay = 0.0);
  // torch.optim.Adam(params, lr, betas=(beta1, beta2), eps, weight_decay).
  static Adam torch(std::vector<Tensor> params, double lr = 1e-3, double beta1 = 0.9,
                    double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0.0);

  const AdamOptions& options() const { return options_; }

 protected:
  void update(size_t index, Tensor& param, const Tensor& grad) override;

 private:
  void update_keras(size_t index, Tensor& param, const Tensor& grad);
  void update_torch(size_t index, Tensor& param, const Tensor& grad);
  AdamOptions options_;
};

}  // namespace murine
