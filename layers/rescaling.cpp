// Rescaling (see rescaling.h).
#include "layers/rescaling.h"

namespace murine {

// [rescaling] y = x·scale + offset;  dx = dy·scale
Tensor Rescaling::forward(const Tensor& x) {
  return add(mul(x, (float)options_.scale), (float)options_.offset);
}

}  // namespace murine
