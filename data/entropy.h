// Image entropy, the figure the paper uses to compare data sets. Definition used here: the Shannon
// entropy, in bits, of an image's 256-bin grey-level histogram,
//     H = -Σ_k p_k · log2 p_k,   p_k = (pixels with grey level k) / (all pixels),
// where a pixel's grey level is k = round(255 · (0.299 R + 0.587 G + 0.114 B)) (ITU-R BT.601 luma, as
// PIL's convert("L")), R, G, B in [0, 1]. A constant image has 0 bits; an image using all 256 levels
// equally often has the maximum, 8 bits. A data set's entropy is the mean over its images.
#pragma once
#include <iostream>
#include <string>

#include "tensor/tensor.h"

namespace murine {

// H of one image (3, H, W) (or (1, H, W) / (H, W) grey) with values in [0, 1] (clamped).
double image_entropy(const Tensor& image);

// Mean H over a batch (N, 3, H, W) (or (N, 1, H, W)).
double mean_image_entropy(const Tensor& images);

struct FolderEntropy {
  double mean_bits = 0;
  int64_t images = 0, skipped = 0;
};
// Mean H over the image files under `folder` (data/image_folder.h's listing), each at its own
// resolution, undecodable files skipped with one warning line each on `warnings`. Throws
// murine::Error naming the folder when it is missing or holds no decodable image.
FolderEntropy folder_entropy(const std::string& folder, std::ostream& warnings = std::cerr);

}  // namespace murine
