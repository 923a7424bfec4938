// The optimizers' one-pass updates (Backend::optimizer_update), one element at a time, shared by the
// CPU loop (tensor/cpu_optimizer.cpp) and the CUDA kernel (cuda/cuda_optimizer.cu). Each performs the
// float operations of the in-place op sequence it replaces in optim/ (the equations are tagged there),
// in the same order, each rounded on its own: on CUDA through the _rn intrinsics, which nvcc never
// contracts into a fused multiply-add, so both backends give the bits the separate ops give.
#pragma once
#include <cmath>

#include "tensor/backend.h"
#include "tensor/philox.h"  // MURINE_HD

namespace murine::math {

#ifdef __CUDA_ARCH__
MURINE_HD float mul_rn(float a, float b) { return __fmul_rn(a, b); }
MURINE_HD float add_rn(float a, float b) { return __fadd_rn(a, b); }
MURINE_HD float sub_rn(float a, float b) { return __fsub_rn(a, b); }
MURINE_HD float div_rn(float a, float b) { return __fdiv_rn(a, b); }
MURINE_HD float sqrt_rn(float a) { return __fsqrt_rn(a); }
#else
MURINE_HD float mul_rn(float a, float b) { return a * b; }
MURINE_HD float add_rn(float a, float b) { return a + b; }
MURINE_HD float sub_rn(float a, float b) { return a - b; }
MURINE_HD float div_rn(float a, float b) { return a / b; }
MURINE_HD float sqrt_rn(float a) { return sqrtf(a); }
#endif

// One parameter p with gradient g and slots a, b (Adam: m, v; RMSprop: v, unused), updated in place.
template <OptimizerUpdate kind>
MURINE_HD void optimizer_update(const OptimizerScalars& s, float& p, float g, float& a, float& b) {
  if constexpr (kind == OptimizerUpdate::AdamKeras) {
    // m += (g − m)·(1 − β1);  v += (g² − v)·(1 − β2);  p −= (m·α_t) / (√v + ε̂)   (Adam::update_keras)
    a = add_rn(a, mul_rn(sub_rn(g, a), s.one_minus_beta1));
    b = add_rn(b, mul_rn(sub_rn(mul_rn(g, g), b), s.one_minus_beta2));
    p = sub_rn(p, div_rn(mul_rn(a, s.lr), add_rn(sqrt_rn(b), s.eps)));
  } else if constexpr (kind == OptimizerUpdate::AdamTorch) {
    // m = m·β1 + g·(1 − β1);  v = v·β2 + g²·(1 − β2);  p += (m / (√v/√(1 − β2ᵗ) + ε))·(−step)   (Adam::update_torch)
    a = add_rn(mul_rn(a, s.beta1), mul_rn(g, s.one_minus_beta1));
    b = add_rn(mul_rn(b, s.beta2), mul_rn(mul_rn(g, g), s.one_minus_beta2));
    p = add_rn(p, mul_rn(div_rn(a, add_rn(div_rn(sqrt_rn(b), s.sqrt_bias_correction2), s.eps)), -s.lr));
  } else if constexpr (kind == OptimizerUpdate::RMSpropKeras) {
    // v = v·ρ + g²·(1 − ρ);  p −= (g·lr) / √(v + ε)   (RMSprop::update_keras)
    a = add_rn(mul_rn(a, s.rho), mul_rn(mul_rn(g, g), s.one_minus_rho));
    p = sub_rn(p, div_rn(mul_rn(g, s.lr), sqrt_rn(add_rn(a, s.eps))));
  } else if constexpr (kind == OptimizerUpdate::RMSpropTorch) {
    // v = v·α + g²·(1 − α);  p += (g / (√v + ε))·(−lr)   (RMSprop::update_torch)
    a = add_rn(mul_rn(a, s.rho), mul_rn(mul_rn(g, g), s.one_minus_rho));
    p = add_rn(p, mul_rn(div_rn(g, add_rn(sqrt_rn(a), s.eps)), -s.lr));
  } else {
    static_assert(kind == OptimizerUpdate::RMSpropTF2);
    // v = v·ρ + g²·(1 − ρ);  p −= (g·lr) / (√v + ε)   (RMSprop::update_tf2)
    a = add_rn(mul_rn(a, s.rho), mul_rn(mul_rn(g, g), s.one_minus_rho));
    p = sub_rn(p, div_rn(mul_rn(g, s.lr), add_rn(sqrt_rn(a), s.eps)));
  }
}

}  // namespace murine::math
