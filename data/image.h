// Images for training: decoding PNG/JPEG files (libpng and libjpeg-turbo, data/image_decode.cpp), resizing with area
// (box) resampling and centre-cropping. An image is a CPU tensor (3, H, W), channels R, G, B, values
// in [0, 1]; a model that trains on [-1, 1] maps them itself (models/pixel_range.h).
#pragma once
#include <string>

#include "tensor/tensor.h"

namespace murine {

// The declared size an image may have, checked from its header before it is decoded: at most
// max_image_pixels() pixels (16 megapixels by default: 4096 × 4096; the decoded float image then
// takes at most 192 MB) and sides at most kMaxImageAspect : 1 apart.
constexpr int64_t kDefaultMaxImagePixels = int64_t(1) << 24;
constexpr uint64_t kMaxImageAspect = 64;
void set_max_image_pixels(int64_t pixels);  // for the whole process (`--max-image-pixels`)
int64_t max_image_pixels();

// Decodes a PNG or JPEG file, told apart by its first bytes whatever its extension (any bit depth;
// grey, palette and alpha images become RGB, alpha is dropped; CMYK JPEGs are converted as Adobe
// writes them) to (3, H, W) in [0, 1]. Throws murine::Error naming the file and the reason for any
// other format, a truncated or corrupt file, or a declared size beyond the limits above.
Tensor decode_image(const std::string& path);

// Area (box) resampling of (C, H, W) to (C, height, width): output pixel (y, x) covers the input
// rectangle [y·H/height, (y+1)·H/height) × [x·W/width, (x+1)·W/width) and is the mean of the input
// pixels weighted by how much of each lies inside it. Exact and alias-free for downscaling (AFHQ's
// 512 → 64); upscaling repeats pixels (nearest neighbour with fractional edges). A constant image
// stays constant.
Tensor resize_area(const Tensor& image, int height, int width);

// The centred (C, height, width) window of (C, H, W); extra rows/columns are cut equally from both
// sides (the odd one from the bottom/right).
Tensor center_crop(const Tensor& image, int height, int width);

// What the data sets use: scale so that the shorter side is `size` (area resampling), keeping the
// aspect ratio, then centre-crop to (C, size, size).
Tensor resize_and_center_crop(const Tensor& image, int size);

// decode_image + resize_and_center_crop: (3, size, size) in [0, 1].
Tensor load_image(const std::string& path, int size);

}  // namespace murine
