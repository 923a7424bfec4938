// The CPU optimizer step: Backend::optimizer_update as one loop over the parameters, the maths of
// each kind in tensor/optimizer_math.h (shared with the CUDA kernel).
#include "tensor/cpu_backend.h"
#include "tensor/optimizer_math.h"

namespace murine {

namespace {

// Below this many parameters a parallel region costs more than it saves.
constexpr int64_t kParallelParameters = 1 << 16;

template <OptimizerUpdate kind>
void update_all(const OptimizerScalars& s, float* param, const float* grad, float* slot_a, float* slot_b,
                int64_t n) {
  float unused = 0;
#pragma omp parallel for schedule(static) if (n >= kParallelParameters) firstprivate(unused)
  for (int64_t i = 0; i < n; ++i)
    math::optimizer_update<kind>(s, param[i], grad[i], slot_a[i], slot_b ? slot_b[i] : unused);
}

}  // namespace

void CpuBackend::optimizer_update(OptimizerUpdate update, const OptimizerScalars& s, float* param,
                                  const float* grad, float* slot_a, float* slot_b, int64_t n) {
  switch (update) {
    case OptimizerUpdate::AdamKeras: return update_all<OptimizerUpdate::AdamKeras>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::AdamTorch: return update_all<OptimizerUpdate::AdamTorch>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropKeras:
      return update_all<OptimizerUpdate::RMSpropKeras>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropTorch:
      return update_all<OptimizerUpdate::RMSpropTorch>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropTF2: return update_all<OptimizerUpdate::RMSpropTF2>(s, param, grad, slot_a, slot_b, n);
  }
}

}  // namespace murine
