// CUDA backend: the optimizer step; the twin of tensor/cpu_optimizer.cpp. One thread per parameter,
// the maths of each kind in tensor/optimizer_math.h (shared with the CPU loop, rounded op by op).
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "tensor/optimizer_math.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

namespace {

template <OptimizerUpdate kind>
__global__ void optimizer_update_kernel(OptimizerScalars s, float* param, const float* grad, float* slot_a,
                                        float* slot_b, int64_t n) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) {
    float unused = 0;
    math::optimizer_update<kind>(s, param[i], grad[i], slot_a[i], slot_b ? slot_b[i] : unused);
  }
}

template <OptimizerUpdate kind>
void launch(const OptimizerScalars& s, float* param, const float* grad, float* slot_a, float* slot_b, int64_t n) {
  optimizer_update_kernel<kind><<<blocks_for(n), kThreadsPerBlock>>>(s, param, grad, slot_a, slot_b, n);
  CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::optimizer_update(OptimizerUpdate update, const OptimizerScalars& s, float* param,
                                   const float* grad, float* slot_a, float* slot_b, int64_t n) {
  if (n == 0) return;
  switch (update) {
    case OptimizerUpdate::AdamKeras: return launch<OptimizerUpdate::AdamKeras>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::AdamTorch: return launch<OptimizerUpdate::AdamTorch>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropKeras: return launch<OptimizerUpdate::RMSpropKeras>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropTorch: return launch<OptimizerUpdate::RMSpropTorch>(s, param, grad, slot_a, slot_b, n);
    case OptimizerUpdate::RMSpropTF2: return launch<OptimizerUpdate::RMSpropTF2>(s, param, grad, slot_a, slot_b, n);
  }
}

}  // namespace murine
