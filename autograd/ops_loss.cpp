// Loss ops with a backward of their own (the losses themselves, with their reductions, are in
// layers/losses.h).
#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/error.h"

namespace murine {

Tensor torch_bce_elementwise(const Tensor& y_true, const Tensor& y_pred) {
  MURINE_CHECK(y_true.defined() && y_pred.defined(), "torch_bce_elementwise: y_true or y_pred is undefined");
  MURINE_CHECK(y_true.shape() == y_pred.shape(), "torch_bce_elementwise: y_true of shape " << shape_str(y_true.shape())
               << " and y_pred of shape " << shape_str(y_pred.shape()) << " must have the same shape");
  Tensor log_p, log_1mp, loss;
  {
    NoGradGuard no_grad;
    Tensor floor = full({}, -100.0f, y_pred.device());
    log_p = maximum(log(y_pred), floor);
    log_1mp = maximum(log(1.0f - y_pred), floor);
    // [torch bce] ℓ = (y − 1)·max(ln(1 − p), −100) − y·max(ln p, −100)
    loss = sub(mul(add(y_true, -1.0f), log_1mp), mul(y_true, log_p));
  }
  loss = record(loss, "torch_bce", {y_true, y_pred},
                [y = y_true.detach(), p = y_pred.detach(), log_p, log_1mp](
                    const Tensor& gy, const std::vector<bool>& needs) {
                  // [torch bce backward] dp = dℓ·(p − y) / max((1 − p)·p, 1e-12);  dy = dℓ·(max(ln(1 − p), −100) − max(ln p, −100))
                  Tensor dy, dp;
                  if (needs[0]) dy = mul(gy, sub(log_1mp, log_p));
                  if (needs[1]) {
                    Tensor tiny = full({}, 1e-12f, p.device());
                    dp = mul(gy, div(sub(p, y), maximum(mul(1.0f - p, p), tiny)));
                  }
                  return std::vector<Tensor>{dy, dp};
                });
  return loss;
}

}  // namespace murine
