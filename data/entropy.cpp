// Grey-level Shannon entropy of images and data sets (data/entropy.h).
#include "data/entropy.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "data/image.h"
#include "data/image_folder.h"
#include "tensor/error.h"

namespace murine {

namespace {

// Shannon entropy: H = -Σ_k p_k log2 p_k over the 256 grey levels k = round(255·(0.299R + 0.587G + 0.114B)).
double entropy_of_planes(const float* data, int channels, int64_t plane) {
  MURINE_CHECK(channels == 1 || channels == 3, "image_entropy: expected 1 or 3 channels; got " << channels);
  if (plane == 0) return 0.0;
  std::array<int64_t, 256> histogram{};
  for (int64_t p = 0; p < plane; ++p) {
    double grey = channels == 1 ? data[p]
                                : 0.299 * data[p] + 0.587 * data[plane + p] + 0.114 * data[2 * plane + p];
    grey = std::clamp(grey, 0.0, 1.0);
    ++histogram[(int)std::lround(grey * 255.0)];
  }
  double h = 0.0;
  for (int64_t count : histogram)
    if (count) {
      const double p = (double)count / plane;
      h -= p * std::log2(p);
    }
  return h == 0.0 ? 0.0 : h;  // no "-0"
}

}  // namespace

double image_entropy(const Tensor& image) {
  MURINE_CHECK(image.defined() && (image.rank() == 2 || image.rank() == 3) && image.device() == Device::CPU,
               "image_entropy: expected a CPU image (3, H, W), (1, H, W) or (H, W); got "
                   << (image.defined() ? shape_str(image.shape()) : std::string("an undefined tensor")));
  const int channels = image.rank() == 2 ? 1 : (int)image.size(0);
  const int64_t plane = image.size(-1) * image.size(-2);
  return entropy_of_planes(image.data(), channels, plane);
}

double mean_image_entropy(const Tensor& images) {
  MURINE_CHECK(images.defined() && images.rank() == 4 && images.size(0) >= 1 && images.device() == Device::CPU,
               "mean_image_entropy: expected a CPU batch (N, 3, H, W) with N >= 1; got "
                   << (images.defined() ? shape_str(images.shape()) : std::string("an undefined tensor")));
  const int64_t n = images.size(0), channels = images.size(1), plane = images.size(2) * images.size(3);
  double total = 0.0;
  for (int64_t i = 0; i < n; ++i) total += entropy_of_planes(images.data() + i * channels * plane, (int)channels, plane);
  return total / n;
}

FolderEntropy folder_entropy(const std::string& folder, std::ostream& warnings) {
  const std::vector<std::string> files = list_image_files(folder);
  MURINE_CHECK(!files.empty(), "image folder '" << folder << "' holds no PNG or JPEG files");
  FolderEntropy result;
  double total = 0.0;
  for (const std::string& file : files) {
    try {
      total += image_entropy(decode_image(file));
      ++result.images;
    } catch (const Error& e) {
      warnings << "warning: skipping '" << file << "': " << e.what() << "\n";
      ++result.skipped;
    }
  }
  MURINE_CHECK(result.images > 0, "image folder '" << folder << "': none of its " << files.size()
                                                   << " image files could be decoded");
  result.mean_bits = total / result.images;
  return result;
}

}  // namespace murine
