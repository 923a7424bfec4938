// Dropout.
#include "layers/dropout.h"

#include <cmath>

#include "autograd/ops.h"
#include "tensor/backend.h"
#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

// A fresh 64-bit seed from the global stream: one Philox block at the next unused counter.
static uint64_t seed_from_global() {
  Generator& global = global_generator();
  philox::Block b = philox::philox4x32_10(global.take(4), global.seed);
  return (uint64_t)b.x[0] | ((uint64_t)b.x[1] << 32);
}

Dropout::Dropout(DropoutOptions options) : options_(options) {
  MURINE_CHECK(std::isfinite(options_.rate) && options_.rate >= 0 && options_.rate < 1,
               "Dropout: rate must be in [0, 1), got " << options_.rate);
  generator_ = Generator(options_.seed ? *options_.seed : seed_from_global());
}

// [dropout] y = x ⊙ m / (1 − p),  m_i = [u_i ≥ p], u ~ U[0, 1) (training; p = rate);  dx = dy ⊙ m / (1 − p)
// x: any shape; the mask has x's shape. Inference (or p = 0) returns x itself.
Tensor Dropout::forward(const Tensor& x) {
  if (!training() || options_.rate == 0) return x;
  const float p = (float)options_.rate;
  // m / (1 − p) in one pass from the numbers rand(x.shape(), generator_) would draw (no graph)
  Tensor scaled_mask = Tensor::empty(x.shape(), x.device());
  const uint64_t offset = generator_.take(x.numel());
  if (x.numel())
    backend(x.device()).dropout_mask(scaled_mask.data(), x.numel(), p, 1.0f / (1.0f - p), generator_.seed, offset);
  return mul(x, scaled_mask);  // mul's backward gives dx = dy ⊙ m / (1 − p)
}

}  // namespace murine
