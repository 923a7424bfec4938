// The pixel range a model trains on: the Keras DCGAN and the DDIM read images in [0, 1], the PyTorch
// DCGAN in [-1, 1]. Data sets (data/) deliver [0, 1]; these map to a model's range and back.
#pragma once
#include "tensor/tensor.h"

namespace murine {

enum class PixelRange { ZeroOne, MinusOneOne };

// x in [0, 1] → the range: x, or 2x − 1.
Tensor to_pixel_range(const Tensor& images, PixelRange range);
// The inverse, for showing images: x, or (x + 1) / 2.
Tensor from_pixel_range(const Tensor& images, PixelRange range);

}  // namespace murine
