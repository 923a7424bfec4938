// RMSprop (Hinton, Coursera lecture 6e) in the conventions of murine's reference frameworks. All
// keep a moving average of the squared gradient and divide the step by its root,
//   v_t = ρ·v_{t−1} + (1 − ρ)·g_t²   (v_0 = 0; PyTorch calls ρ alpha)
// with optional plain (not Nesterov) momentum μ and, when `centered`, the variance instead of the
// second moment: ḡ_t = ρ·ḡ_{t−1} + (1 − ρ)·g_t, and v_t − ḡ_t² under the root. No bias correction.
// They differ in where ε sits and in how momentum carries the learning rate:
//   Keras 3 (keras.optimizers.RMSprop, keras/src/optimizers/rmsprop.py update_step; ε = 1e-7,
//   lr 1e-3, ρ 0.9): ε INSIDE the root,
//     Δ_t = lr·g_t / √(v_t + ε)            (centered: √(v_t − ḡ_t² + ε))
//     μ = 0: p_t = p_{t−1} − Δ_t;   μ > 0: m_t = μ·m_{t−1} + Δ_t, p_t = p_{t−1} − m_t
//   PyTorch (torch.optim.RMSprop, _single_tensor_rmsprop, 1.13; ε = 1e-8, lr 1e-2, alpha 0.99):
//     ε OUTSIDE the root, lr outside the momentum buffer; weight_decay λ is L2 (g ← g + λ·p):
//     d_t = √v_t + ε                       (centered: √(v_t − ḡ_t²) + ε)
//     μ = 0: p_t = p_{t−1} − lr·g_t/d_t;   μ > 0: b_t = μ·b_{t−1} + g_t/d_t, p_t = p_{t−1} − lr·b_t
//   TF2 (tf.keras 2.x optimizer_v2/rmsprop.py, as in TF 2.3, which the paper's CIFAR-10 script ran
//   with keras.optimizers.RMSprop(learning_rate=1e-4, decay=1e-6); ε = 1e-7): two code paths.
//     μ = 0 (the script's case): a Python update with ε OUTSIDE the root,
//       p_t = p_{t−1} − lr·g_t / (√v_t + ε)          (centered: √(v_t − ḡ_t²) + ε)
//     μ > 0: the ApplyRMSProp / ApplyCenteredRMSProp kernels (tensorflow/core/kernels/training_ops.cc),
//       ε INSIDE the root: v += (g² − v)·(1 − ρ), m_t = μ·m_{t−1} + lr·g_t/√(v_t + ε), p_t = p_{t−1} − m_t
//       (centered: ḡ += (g − ḡ)·(1 − ρ), √(v_t − ḡ_t² + ε))
//     Its `decay` argument is a learning-rate schedule, lr/(1 + decay·iterations): see
//     optim/lr_schedule.h (LrSchedule::inverse_time), which the training loop applies through set_lr.
// So for μ = 0, TF2 is PyTorch's formula with Keras' ε = 1e-7, and Keras 3 is not: with
// gradients ≪ √ε (≈ 3e-4) Keras 3's steps are smaller (Δ ≈ lr·g/√ε instead of ≈ lr).
// A parameter with zero gradient and zero value (a masked weight) gets exactly zero update in all
// three (v, ḡ and the momentum stay 0, and ε > 0 keeps 0/0 away).
// State dict: "rmsprop.v.<i>", "rmsprop.momentum.<i>" (μ > 0), "rmsprop.mean_grad.<i>"
// (centered) and the counts (see optimizer.h).
#pragma once
#include "optim/optimizer.h"

namespace murine {

enum class RMSpropConvention { Keras, Torch, TF2 };

struct RMSpropOptions {
  double lr = 1e-3;
  double rho = 0.9;   // PyTorch's alpha
  double eps = 1e-7;  // Keras' and TF2's default; RMSprop::torch uses 1e-8
  double momentum = 0.0;
  bool centered = false;
  double weight_decay = 0.0;  // PyTorch only (L2, added to the gradient)
  RMSpropConvention convention = RMSpropConvention::Keras;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options);
  // keras.optimizers.RMSprop(learning_rate, rho, momentum, epsilon, centered) of Keras 3.
  static RMSprop keras(std::vector<Tensor> params, double lr = 1e-3, double rho = 0.9, double eps = 1e-7,
                       double momentum = 0.0, bool centered = false);
  // torch.optim.RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered).
  static RMSprop torch(std::vector<Tensor> params, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
                       double weight_decay = 0.0, double momentum = 0.0, bool centered = false);
  // tf.keras.optimizers.RMSprop(learning_rate, rho, momentum, epsilon, centered) of TF 2.x; its
  // `decay` is LrSchedule::inverse_time(decay).
  static RMSprop tf2(std::vector<Tensor> params, double lr = 1e-3, double rho = 0.9, double eps = 1e-7,
                     double momentum = 0.0, bool centered = false);

  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(size_t index, Tensor& param, const Tensor& grad) override;

 private:
  OptimizerScalars plain_scalars() const;
  void update_keras(size_t index, Tensor& param, const Tensor& grad);
  void update_torch(size_t index, Tensor& param, const Tensor& grad);
  void update_tf2(size_t index, Tensor& param, const Tensor& grad);
  RMSpropOptions options_;
};

}  // namespace murine
