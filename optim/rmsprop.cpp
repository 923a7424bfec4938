// RMSprop (see rmsprop.h): the Keras 3, PyTorch and TF2 updates, each in its reference's order of
// operations, with the in-place ops of autograd/ops_inplace.h (step() runs them under a NoGradGuard).
// The plain variants (no momentum, not centered) run as one pass (Backend::optimizer_update) that
// rounds each operation as those ops do, so both forms give the same values.
#include "optim/rmsprop.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/ops_inplace.h"
#include "tensor/error.h"

namespace murine {

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : Optimizer(std::move(params), options.lr, "RMSprop", "rmsprop", {"v", "momentum", "mean_grad"}),
      options_(options) {
  const char* rho_name = options.convention == RMSpropConvention::Torch ? "alpha" : "rho";
  MURINE_CHECK(std::isfinite(options.rho) && options.rho >= 0 && options.rho < 1,
               "RMSprop: " << rho_name << " must be in [0, 1), got " << options.rho);
  // ε = 0 would turn a zero gradient into 0/0 = NaN (a masked weight must stay exactly 0).
  MURINE_CHECK(std::isfinite(options.eps) && options.eps > 0, "RMSprop: eps must be > 0, got " << options.eps);
  MURINE_CHECK(std::isfinite(options.momentum) && options.momentum >= 0 && options.momentum < 1,
               "RMSprop: momentum must be in [0, 1), got " << options.momentum);
  MURINE_CHECK(std::isfinite(options.weight_decay) && options.weight_decay >= 0,
               "RMSprop: weight_decay must be >= 0, got " << options.weight_decay);
  MURINE_CHECK(options.weight_decay == 0 || options.convention == RMSpropConvention::Torch,
               "RMSprop: weight_decay is offered in the PyTorch convention only (RMSprop::torch), got "
                   << options.weight_decay);
}

RMSprop RMSprop::keras(std::vector<Tensor> params, double lr, double rho, double eps, double momentum,
                       bool centered) {
  return RMSprop(std::move(params), RMSpropOptions{lr, rho, eps, momentum, centered, 0.0, RMSpropConvention::Keras});
}

RMSprop RMSprop::torch(std::vector<Tensor> params, double lr, double alpha, double eps, double weight_decay,
                       double momentum, bool centered) {
  return RMSprop(std::move(params),
                 RMSpropOptions{lr, alpha, eps, momentum, centered, weight_decay, RMSpropConvention::Torch});
}

RMSprop RMSprop::tf2(std::vector<Tensor> params, double lr, double rho, double eps, double momentum,
                     bool centered) {
  return RMSprop(std::move(params), RMSpropOptions{lr, rho, eps, momentum, centered, 0.0, RMSpropConvention::TF2});
}

// The scalars of the one-pass updates (no momentum, not centered).
OptimizerScalars RMSprop::plain_scalars() const {
  OptimizerScalars s;
  s.lr = (float)lr_;
  s.rho = (float)options_.rho;
  s.one_minus_rho = (float)(1.0 - options_.rho);
  s.eps = (float)options_.eps;
  return s;
}

void RMSprop::update(size_t index, Tensor& param, const Tensor& grad) {
  switch (options_.convention) {
    case RMSpropConvention::Keras: return update_keras(index, param, grad);
    case RMSpropConvention::Torch: return update_torch(index, param, grad);
    case RMSpropConvention::TF2: return update_tf2(index, param, grad);
  }
}

// keras.optimizers.RMSprop.update_step (Keras 3), in float32.
void RMSprop::update_keras(size_t index, Tensor& param, const Tensor& grad) {
  const float rho = (float)options_.rho, one_minus_rho = (float)(1.0 - options_.rho);
  const float eps = (float)options_.eps;
  Tensor& v = slot("v", index);
  if (!options_.centered && options_.momentum == 0) {
    // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²;  [RMSprop keras] p_t = p_{t−1} − lr·g_t / √(v_t + ε)
    // in one pass (tensor/optimizer_math.h), rounding as the ops below would
    update_in_one_pass(OptimizerUpdate::RMSpropKeras, plain_scalars(), param, grad, v);
    return;
  }
  // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²
  mul_(v, rho);
  addcmul_(v, one_minus_rho, grad, grad);
  Tensor denominator;
  if (options_.centered) {
    Tensor& mean_grad = slot("mean_grad", index);
    // [RMSprop centered] ḡ_t = ρ·ḡ_{t−1} + (1 − ρ)·g_t;  v_t − ḡ_t² in place of v_t
    mul_(mean_grad, rho);
    axpy_(mean_grad, one_minus_rho, grad);
    denominator = add(sub(v, mul(mean_grad, mean_grad)), eps);
  } else {
    denominator = add(v, eps);
  }
  // [RMSprop keras] Δ_t = lr·g_t / √(v_t + ε);  p_t = p_{t−1} − Δ_t, or with momentum m_t = μ·m_{t−1} + Δ_t, p_t = p_{t−1} − m_t
  Tensor increment = div(mul(grad, (float)lr_), sqrt(denominator));
  if (options_.momentum > 0) {
    Tensor& momentum = slot("momentum", index);
    mul_(momentum, (float)options_.momentum);
    add_(momentum, increment);
    sub_(param, momentum);
  } else {
    sub_(param, increment);
  }
}

// torch.optim.rmsprop._single_tensor_rmsprop (foreach = False, maximize = False).
void RMSprop::update_torch(size_t index, Tensor& param, const Tensor& grad) {
  const float alpha = (float)options_.rho, one_minus_alpha = (float)(1.0 - options_.rho);
  Tensor g = grad;
  if (options_.weight_decay != 0) {
    // [RMSprop torch weight decay] g_t ← g_t + λ·p_{t−1}  (L2)
    g = grad.detach().clone();
    axpy_(g, (float)options_.weight_decay, param);
  }
  Tensor& v = slot("v", index);
  if (!options_.centered && options_.momentum == 0) {
    // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²;  [RMSprop torch] p_t = p_{t−1} − lr·g_t/(√v_t + ε)
    // in one pass (tensor/optimizer_math.h), rounding as the ops below would
    update_in_one_pass(OptimizerUpdate::RMSpropTorch, plain_scalars(), param, g, v);
    return;
  }
  // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²
  mul_(v, alpha);
  addcmul_(v, one_minus_alpha, g, g);
  Tensor avg;
  if (options_.centered) {
    Tensor& mean_grad = slot("mean_grad", index);
    // [RMSprop centered] ḡ_t = ρ·ḡ_{t−1} + (1 − ρ)·g_t;  v_t − ḡ_t² in place of v_t
    mul_(mean_grad, alpha);
    axpy_(mean_grad, one_minus_alpha, g);
    avg = sqrt(sub(v, mul(mean_grad, mean_grad)));
  } else {
    avg = sqrt(v);
  }
  // [RMSprop torch] d_t = √v_t + ε;  p_t = p_{t−1} − lr·g_t/d_t, or with momentum b_t = μ·b_{t−1} + g_t/d_t, p_t = p_{t−1} − lr·b_t
  add_scalar_(avg, (float)options_.eps);
  if (options_.momentum > 0) {
    Tensor& buffer = slot("momentum", index);
    mul_(buffer, (float)options_.momentum);
    addcdiv_(buffer, 1.0f, g, avg);
    axpy_(param, (float)-lr_, buffer);
  } else {
    addcdiv_(param, (float)-lr_, g, avg);
  }
}

// tf.keras optimizer_v2 RMSprop._resource_apply_dense (TF 2.x): the Python update without
// momentum, the ApplyRMSProp / ApplyCenteredRMSProp kernels with it.
void RMSprop::update_tf2(size_t index, Tensor& param, const Tensor& grad) {
  const float rho = (float)options_.rho, one_minus_rho = (float)(1.0 - options_.rho);
  const float lr = (float)lr_, eps = (float)options_.eps;
  Tensor& v = slot("v", index);
  if (options_.momentum == 0 && !options_.centered) {
    // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²;  [RMSprop tf2] p_t = p_{t−1} − lr·g_t / (√v_t + ε)
    // in one pass (tensor/optimizer_math.h), rounding as the ops below would
    update_in_one_pass(OptimizerUpdate::RMSpropTF2, plain_scalars(), param, grad, v);
    return;
  }
  if (options_.momentum == 0) {
    // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²
    Tensor v_new = add(mul(v, rho), mul(mul(grad, grad), one_minus_rho));
    copy_(v, v_new);
    Tensor denominator = v;
    if (options_.centered) {
      Tensor& mean_grad = slot("mean_grad", index);
      // [RMSprop centered] ḡ_t = ρ·ḡ_{t−1} + (1 − ρ)·g_t;  v_t − ḡ_t² in place of v_t
      copy_(mean_grad, add(mul(mean_grad, rho), mul(grad, one_minus_rho)));
      denominator = sub(v, mul(mean_grad, mean_grad));
    }
    // [RMSprop tf2] p_t = p_{t−1} − lr·g_t / (√v_t + ε)  (momentum 0)
    sub_(param, div(mul(grad, lr), add(sqrt(denominator), eps)));
    return;
  }
  // [RMSprop] v_t = ρ·v_{t−1} + (1 − ρ)·g_t²  (the kernel: v += (g² − v)·(1 − ρ))
  lerp_(v, mul(grad, grad), one_minus_rho);
  Tensor denominator;
  if (options_.centered) {
    Tensor& mean_grad = slot("mean_grad", index);
    // [RMSprop centered] ḡ_t = ρ·ḡ_{t−1} + (1 − ρ)·g_t;  v_t − ḡ_t² in place of v_t  (the kernel: ḡ += (g − ḡ)·(1 − ρ))
    lerp_(mean_grad, grad, one_minus_rho);
    denominator = add(sub(v, mul(mean_grad, mean_grad)), eps);
  } else {
    denominator = add(v, eps);
  }
  // [RMSprop tf2 momentum] m_t = μ·m_{t−1} + lr·g_t / √(v_t + ε);  p_t = p_{t−1} − m_t
  Tensor& momentum = slot("momentum", index);
  Tensor m_new = add(mul(momentum, (float)options_.momentum), div(mul(grad, lr), sqrt(denominator)));
  copy_(momentum, m_new);
  sub_(param, momentum);
}

}  // namespace murine
