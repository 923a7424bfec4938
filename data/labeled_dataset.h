// One entry point for the classification data sets the CLI offers (`--data KIND [DIR]`):
// fashion-mnist, mnist, cifar10 and folder.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/labeled_images.h"

namespace murine {

// Where the Debian package dataset-fashion-mnist puts its four gzipped IDX files.
inline constexpr const char* kDebianFashionMnistDir = "/usr/share/datasets/fashion-mnist";

struct LabeledDataset {
  std::string name;            // "Fashion-MNIST", "MNIST", "CIFAR-10", or "folder <dir>"
  LabeledImages train, test;   // test is empty (0 samples, same class names) for a folder
};

// The kinds load_labeled_dataset accepts, in the order its error lists them.
std::vector<std::string> labeled_dataset_kinds();

// kind "fashion-mnist": the IDX files in `dir`, or with dir "" those of the Debian package (an error
//                       telling the user to run `make deps` or `apt-get install dataset-fashion-mnist`
//                       when they are missing);
//      "mnist" DIR:     the four IDX files (data/idx.h);
//      "cifar10" DIR:   the CIFAR-10 binary batches (data/cifar10.h);
//      "folder" DIR:    class subfolders (data/class_folder.h), resized to image_size (0 → 32), RGB.
// Throws murine::Error listing the kinds for an unknown kind, and naming the kind when DIR is needed.
LabeledDataset load_labeled_dataset(const std::string& kind, const std::string& dir, int64_t image_size = 0);

}  // namespace murine
