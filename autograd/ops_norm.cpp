// Group normalisation as one differentiable op: the backend's group_norm_forward keeps the
// per-(sample, group) mean and rstd, and group_norm_backward turns them and dL/dy into dx, dγ, dβ.
#include "autograd/node.h"
#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine {

// [group norm] y = (x − μ_ng)·rstd_ng·γ_c + β_c, rstd = 1/√(σ²_ng + ε) (tensor/cpu_norm.cpp);
//   [d group norm] dx, dγ, dβ from dy and the saved μ, rstd
// x (N, C, …) → y of x's shape; the statistics (N, G) are kept for the backward.
Tensor group_norm(const Tensor& x, int64_t groups, const Tensor& weight, const Tensor& bias, float epsilon) {
  MURINE_CHECK(x.defined(), "group_norm: x must be a defined tensor");
  MURINE_CHECK(x.rank() >= 2, "group_norm: x must be (N, C, …), got " << shape_str(x.shape()));
  MURINE_CHECK(x.numel() > 0, "group_norm: x " << shape_str(x.shape()) << " is empty");
  const int64_t N = x.size(0), C = x.size(1);
  MURINE_CHECK(groups > 0 && C % groups == 0,
               "group_norm: groups must be positive and divide the " << C << " channels of x "
                                                                     << shape_str(x.shape()) << ", got " << groups);
  MURINE_CHECK(epsilon > 0, "group_norm: epsilon must be positive, got " << epsilon);
  for (const auto& [name, t] : {std::pair<const char*, const Tensor*>{"weight", &weight}, {"bias", &bias}}) {
    if (!t->defined()) continue;
    MURINE_CHECK(t->shape() == Shape{C}, "group_norm: " << name << " must have shape (" << C << ",) to match x "
                                                        << shape_str(x.shape()) << ", got " << shape_str(t->shape()));
    MURINE_CHECK(t->device() == x.device(), "group_norm: " << name << " is on " << device_name(t->device())
                                                           << " but x is on " << device_name(x.device()));
  }
  const GroupNormGeometry g{.batch = N, .channels = C, .positions = x.numel() / (N * C), .groups = groups};

  Tensor y = Tensor::empty(x.shape(), x.device());
  Tensor mean = Tensor::empty({N, groups}, x.device()), rstd = Tensor::empty({N, groups}, x.device());
  backend(x.device()).group_norm_forward(g, x.data(), weight.defined() ? weight.data() : nullptr,
                                         bias.defined() ? bias.data() : nullptr, epsilon, y.data(), mean.data(),
                                         rstd.data());
  return record(y, "group_norm", {x, weight, bias},
                [x, weight, mean, rstd, g](const Tensor& gy, const std::vector<bool>& needs) {
                  Tensor gx, gweight, gbias;
                  if (needs[0]) gx = Tensor::empty(x.shape(), gy.device());
                  if (needs[1]) gweight = Tensor::empty({g.channels}, gy.device());
                  if (needs[2]) gbias = Tensor::empty({g.channels}, gy.device());
                  backend(gy.device()).group_norm_backward(
                      g, gy.data(), x.data(), mean.data(), rstd.data(), weight.defined() ? weight.data() : nullptr,
                      needs[0] ? gx.data() : nullptr, needs[1] ? gweight.data() : nullptr,
                      needs[2] ? gbias.data() : nullptr);
                  return std::vector<Tensor>{gx, gweight, gbias};
                });
}

}  // namespace murine
