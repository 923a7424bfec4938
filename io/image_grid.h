// Image tensors to PNG files: one image, or a batch laid out as a grid (sample grids, data previews).
// Values in [0, 1] (clamped) map to bytes round(255·v).
#pragma once
#include <string>

#include "io/png.h"
#include "tensor/tensor.h"

namespace murine {

// (3, H, W) or (1, H, W) in [0, 1] → a W × H canvas.
Canvas image_to_canvas(const Tensor& image);

// Writes one image (3, H, W) as a PNG, atomically (io/png.h).
void save_image(const Tensor& image, const std::string& path);

// Writes images (N, 3, S, S) (or (N, 1, S, S)) in [0, 1] as one PNG: `columns` per row, ⌈N/columns⌉
// rows, the images separated and framed by a 2-pixel dark-grey border. Throws murine::Error naming
// save_grid and the shape for anything else.
void save_grid(const Tensor& images, int columns, const std::string& path);

}  // namespace murine
