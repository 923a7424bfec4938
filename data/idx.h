// IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// header (magic 0x00000803 for unsigned-byte images N × H × W, 0x00000801 for labels N), then the
// bytes row-major. Plain or gzip-compressed files are read alike (zlib). Files are untrusted input:
// every dimension is bounded before anything is allocated.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/labeled_images.h"
#include "tensor/tensor.h"

namespace murine {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension
inline constexpr int64_t kIdxMaxCount = 10'000'000;       // images or labels in one file
inline constexpr int64_t kIdxMaxSide = 4096;              // H and W
inline constexpr int64_t kIdxMaxPixels = int64_t(1) << 30;  // N·H·W (4 GiB as float32)

// (N, 1, H, W) with values byte/255. Throws murine::Error naming the file on a missing or unreadable
// file, a wrong magic number (both magics in hex), a dimension out of bounds, or a truncated file.
Tensor read_idx_images(const std::string& path);

// The N label bytes. The same errors as read_idx_images.
std::vector<int64_t> read_idx_labels(const std::string& path);

// "0" … "9", and Fashion-MNIST's ten classes in label order (T-shirt/top, Trouser, …, Ankle boot).
std::vector<std::string> mnist_class_names();
std::vector<std::string> fashion_mnist_class_names();

// {train, test} from the four standard files in `dir` (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or with ".gz"; plain is preferred).
// Throws murine::Error naming the file when one is missing, when the image and label counts differ,
// or when a label is not below class_names.size() (naming its index and value).
std::pair<LabeledImages, LabeledImages> load_mnist_dir(const std::string& dir,
                                                       const std::vector<std::string>& class_names = mnist_class_names());

}  // namespace murine
