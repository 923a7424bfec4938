// Keras ImageDataGenerator-style augmentation of a batch (random_transform: one affine transform per
// image about its centre, then the channel shift and the horizontal flip), as the reference CIFAR-10
// script uses it (rotation_range=20, width/height_shift_range=0.2, zoom_range=0.2, horizontal_flip).
// Everything is off by default; the random numbers come from a Generator, so a seed fixes the result.
#pragma once
#include <cstdint>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

struct AugmentOptions {
  bool horizontal_flip = false;  // mirror left-right with probability 1/2
  double width_shift = 0;        // shift ~ U(±width_shift·W) pixels, a fraction in [0, 1)
  double height_shift = 0;       // shift ~ U(±height_shift·H) pixels, a fraction in [0, 1)
  double rotation = 0;           // degrees ~ U(±rotation), in [0, 180]
  double zoom = 0;               // zx, zy ~ U[1 - zoom, 1 + zoom] independently, zoom in [0, 1)
  double channel_shift = 0;      // one offset ~ U(±channel_shift) added to every channel, clipped to
                                 // the image's [min, max]; in [0, 1] (units of the [0, 1] pixels)
  bool enabled() const;
};

// The transform of one image (Keras' transform parameters; x is the column axis, y the row axis).
struct AugmentTransform {
  double theta = 0;             // degrees
  double tx = 0, ty = 0;        // pixels along x (columns) and y (rows)
  double zx = 1, zy = 1;
  bool flip = false;            // horizontal, applied last
  bool channel_shift = false;   // whether to add channel_intensity
  double channel_intensity = 0;
};

// The number of uniform numbers augment draws per image (a fixed block: image i uses numbers
// i·kAugmentDraws … of the batch's draw, so the images can be transformed in parallel).
inline constexpr int64_t kAugmentDraws = 8;

// Keras' apply_affine_transform: with M = R(θ)·T(tx, ty)·Z(zx, zy) taken about the centre
// c = ((W-1)/2, (H-1)/2), output pixel (x, y) reads the input at M·((x, y) - c) + c (scipy's
// affine_transform maps output to input coordinates): bilinear interpolation (order 1), and points
// outside read the nearest edge pixel (fill_mode "nearest"). So tx = 1 moves the content one pixel
// left. Then the channel shift and the flip. image (C, H, W) → (C, H, W).
Tensor transform_image(const Tensor& image, const AugmentTransform& transform);

// A new (N, C, H, W) batch: each image transformed by a transform drawn from `options` and the next
// N·kAugmentDraws numbers of `gen`. A copy of the batch, and gen untouched, when nothing is enabled.
// Throws murine::Error naming the option out of range or the batch's shape.
Tensor augment(const Tensor& batch, const AugmentOptions& options, Generator& gen);

}  // namespace murine
