// Adam (see adam.h): the Keras 3 and PyTorch updates, each in its reference's order of operations.
// The moments and the parameter are updated in one pass (Backend::optimizer_update,
// tensor/optimizer_math.h) that rounds each operation as the in-place ops it replaces did; the weight
// decay uses those ops (autograd/ops_inplace.h). step() runs this under a NoGradGuard.
#include "optim/adam.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/ops_inplace.h"
#include "tensor/error.h"

namespace murine {

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Optimizer(std::move(params), options.lr, "Adam", "adam", {"m", "v"}), options_(options) {
  auto in_unit = [](double b) { return std::isfinite(b) && b >= 0 && b < 1; };
  MURINE_CHECK(in_unit(options.beta1), "Adam: beta1 must be in [0, 1), got " << options.beta1);
  MURINE_CHECK(in_unit(options.beta2), "Adam: beta2 must be in [0, 1), got " << options.beta2);
  // ε = 0 would turn a zero gradient into 0/0 = NaN (a masked weight must stay exactly 0).
  MURINE_CHECK(std::isfinite(options.eps) && options.eps > 0, "Adam: eps must be > 0, got " << options.eps);
  MURINE_CHECK(std::isfinite(options.weight_decay) && options.weight_decay >= 0,
               "Adam: weight_decay must be >= 0, got " << options.weight_decay);
}

Adam Adam::keras(std::vector<Tensor> params, double lr, double beta1, double beta2, double eps,
                 double weight_decay) {
  return Adam(std::move(params), AdamOptions{lr, beta1, beta2, eps, weight_decay, AdamConvention::Keras});
}

Adam Adam::torch(std::vector<Tensor> params, double lr, double beta1, double beta2, double eps,
                 double weight_decay) {
  return Adam(std::move(params), AdamOptions{lr, beta1, beta2, eps, weight_decay, AdamConvention::Torch});
}

void Adam::update(size_t index, Tensor& param, const Tensor& grad) {
  if (options_.convention == AdamConvention::Keras)
    update_keras(index, param, grad);
  else
    update_torch(index, param, grad);
}

// keras.optimizers.Adam.update_step, after the base optimizer's decoupled weight decay.
void Adam::update_keras(size_t index, Tensor& param, const Tensor& grad) {
  const float lr = (float)lr_, beta1 = (float)options_.beta1, beta2 = (float)options_.beta2;
  const float t = (float)iterations();
  if (options_.weight_decay != 0) {
    // [Adam keras weight decay] p ← p − p·λ·lr  (decoupled, before the step)
    sub_(param, mul(mul(param, (float)options_.weight_decay), lr));
  }
  Tensor& m = slot("m", index);
  Tensor& v = slot("v", index);
  // [Adam keras] α_t = lr·√(1 − β2ᵗ) / (1 − β1ᵗ)  (float32)
  const float alpha = lr * std::sqrt(1.0f - std::pow(beta2, t)) / (1.0f - std::pow(beta1, t));
  // [Adam, Alg. 1] m_t = β1·m_{t−1} + (1 − β1)·g_t  (Keras: m += (g − m)·(1 − β1))
  // [Adam, Alg. 1] v_t = β2·v_{t−1} + (1 − β2)·g_t²  (Keras: v += (g² − v)·(1 − β2))
  // [Adam keras] p_t = p_{t−1} − α_t·m_t / (√v_t + ε̂)
  // All three in one pass (tensor/optimizer_math.h), rounding as lerp_(m, g, 1 − β1),
  // lerp_(v, g·g, 1 − β2), p −= (m·α_t) / (√v + ε̂) would.
  OptimizerScalars s;
  s.lr = alpha;
  s.one_minus_beta1 = (float)(1.0 - options_.beta1);
  s.one_minus_beta2 = (float)(1.0 - options_.beta2);
  s.eps = (float)options_.eps;
  update_in_one_pass(OptimizerUpdate::AdamKeras, s, param, grad, m, &v);
}

// torch.optim.adam._single_tensor_adam (foreach = False, capturable = False).
void Adam::update_torch(size_t index, Tensor& param, const Tensor& grad) {
  const double t = (double)updates(index);
  Tensor g = grad;
  if (options_.weight_decay != 0) {
    // [Adam torch weight decay] g_t ← g_t + λ·p_{t−1}  (L2)
    g = grad.detach().clone();
    axpy_(g, (float)options_.weight_decay, param);
  }
  Tensor& m = slot("m", index);
  Tensor& v = slot("v", index);
  // [Adam, Alg. 1] m_t = β1·m_{t−1} + (1 − β1)·g_t
  // [Adam, Alg. 1] v_t = β2·v_{t−1} + (1 − β2)·g_t²
  // [Adam torch] p_t = p_{t−1} − lr·m̂_t / (√v̂_t + ε), m̂_t = m_t/(1 − β1ᵗ), v̂_t = v_t/(1 − β2ᵗ); as p −= (lr/(1 − β1ᵗ))·m_t / (√v_t/√(1 − β2ᵗ) + ε)
  // All three in one pass (tensor/optimizer_math.h), rounding as mul_(m, β1), axpy_(m, 1 − β1, g),
  // mul_(v, β2), addcmul_(v, 1 − β2, g, g), addcdiv_(p, −step, m, √v/√(1 − β2ᵗ) + ε) would.
  const double bias_correction1 = 1.0 - std::pow(options_.beta1, t);
  const double bias_correction2 = 1.0 - std::pow(options_.beta2, t);
  OptimizerScalars s;
  s.lr = (float)(lr_ / bias_correction1);
  s.beta1 = (float)options_.beta1;
  s.one_minus_beta1 = (float)(1.0 - options_.beta1);
  s.beta2 = (float)options_.beta2;
  s.one_minus_beta2 = (float)(1.0 - options_.beta2);
  s.sqrt_bias_correction2 = (float)std::sqrt(bias_correction2);
  s.eps = (float)options_.eps;
  update_in_one_pass(OptimizerUpdate::AdamTorch, s, param, g, m, &v);
}

}  // namespace murine
