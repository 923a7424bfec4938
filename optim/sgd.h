// SGD: stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay, in
// PyTorch's formulation (torch.optim.SGD, dampening 0):
//   g ← g + λ·p                     (weight_decay λ > 0: L2, added to the gradient)
//   b_t = μ·b_{t−1} + g_t           (momentum μ > 0; b_0 = 0, so b_1 = g_1 as PyTorch's first step)
//   p_t = p_{t−1} − lr·b_t          (or, with nesterov, p_t = p_{t−1} − lr·(g_t + μ·b_t))
// Keras (keras.optimizers.SGD) writes the same method with a velocity that carries the learning
// rate: v_t = μ·v_{t−1} − lr·g_t, p_t = p_{t−1} + v_t (nesterov: p_t = p_{t−1} + μ·v_t − lr·g_t).
// For a constant lr, induction gives v_t = −lr·b_t (v_t = μ·(−lr·b_{t−1}) − lr·g_t = −lr·(μ·b_{t−1} + g_t)),
// so the two produce the same parameters; they differ only in float rounding, and when lr changes
// during training (Keras' velocity keeps each past step at the lr it was taken with; PyTorch
// multiplies the whole buffer by the current lr).
// Keras' weight_decay is decoupled instead (p ← p − lr·λ·p before the step); not offered here.
// State dict: "sgd.momentum.<i>" (when momentum > 0) and the counts (see optimizer.h).
#pragma once
#include "optim/optimizer.h"

namespace murine {

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, double lr, double momentum = 0.0, bool nesterov = false,
      double weight_decay = 0.0);

  double momentum() const { return momentum_; }
  bool nesterov() const { return nesterov_; }
  double weight_decay() const { return weight_decay_; }

 protected:
  void update(size_t index, Tensor& param, const Tensor& grad) override;

 private:
  double momentum_;
  bool nesterov_;
  double weight_decay_;
};

}  // namespace murine
