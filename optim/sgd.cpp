// SGD (see sgd.h): PyTorch's update, written with the in-place ops of autograd/ops_inplace.h.
#include "optim/sgd.h"

#include <cmath>

#include "autograd/ops.h"
#include "autograd/ops_inplace.h"
#include "tensor/error.h"

namespace murine {

SGD::SGD(std::vector<Tensor> params, double lr, double momentum, bool nesterov, double weight_decay)
    : Optimizer(std::move(params), lr, "SGD", "sgd", {"momentum"}),
      momentum_(momentum),
      nesterov_(nesterov),
      weight_decay_(weight_decay) {
  MURINE_CHECK(std::isfinite(momentum) && momentum >= 0, "SGD: momentum must be >= 0, got " << momentum);
  MURINE_CHECK(std::isfinite(weight_decay) && weight_decay >= 0,
               "SGD: weight_decay must be >= 0, got " << weight_decay);
  MURINE_CHECK(!nesterov || momentum > 0, "SGD: nesterov needs momentum > 0, got momentum " << momentum);
}

void SGD::update(size_t index, Tensor& param, const Tensor& grad) {
  Tensor direction = grad;  // never written to while it is still the gradient itself
  if (weight_decay_ != 0) {
    // [sgd weight decay] g_t ← g_t + λ·p_{t−1}  (L2, PyTorch)
    direction = grad.detach().clone();
    axpy_(direction, (float)weight_decay_, param);
  }
  if (momentum_ != 0) {
    Tensor& buffer = slot("momentum", index);
    // [sgd momentum] b_t = μ·b_{t−1} + g_t;  p_t = p_{t−1} − lr·b_t  (Keras: v_t = μ·v_{t−1} − lr·g_t, p_t = p_{t−1} + v_t, v_t = −lr·b_t)
    mul_(buffer, (float)momentum_);
    add_(buffer, direction);
    if (nesterov_) {
      // [sgd nesterov] p_t = p_{t−1} − lr·(g_t + μ·b_t)
      if (direction.impl() == grad.impl()) direction = grad.detach().clone();
      axpy_(direction, (float)momentum_, buffer);
    } else {
      direction = buffer;
    }
  }
  // [sgd] p_t = p_{t−1} − lr·d_t  (d_t = g_t, b_t or g_t + μ·b_t)
  axpy_(param, -(float)lr_, direction);
}

}  // namespace murine
