// Mapping images between [0, 1] and a model's pixel range (models/pixel_range.h).
#include "models/pixel_range.h"

#include "autograd/ops.h"

namespace murine {

Tensor to_pixel_range(const Tensor& images, PixelRange range) {
  return range == PixelRange::ZeroOne ? images : images * 2.0f - 1.0f;
}

Tensor from_pixel_range(const Tensor& images, PixelRange range) {
  return range == PixelRange::ZeroOne ? images : mul(add(images, 1.0f), 0.5f);
}

}  // namespace murine
