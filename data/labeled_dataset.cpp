// Choosing and loading a classification data set by kind (data/labeled_dataset.h).
#include "data/labeled_dataset.h"

#include <filesystem>
#include <tuple>

#include "data/cifar10.h"
#include "data/class_folder.h"
#include "data/idx.h"
#include "tensor/error.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kDefaultFolderImageSize = 32;

void require_dir(const std::string& kind, const std::string& dir) {
  MURINE_CHECK(!dir.empty(), "load_labeled_dataset: data set '" << kind << "' needs a directory (--data " << kind
                                                                << " DIR)");
}

// The Debian package's directory, or an error saying how to install it.
std::string debian_fashion_mnist_dir() {
  std::error_code ec;
  const fs::path dir = kDebianFashionMnistDir;
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"})
    MURINE_CHECK(fs::is_regular_file(dir / name, ec),
                 "load_labeled_dataset: Fashion-MNIST is not installed (" << (dir / name).string()
                     << " is missing); run `make deps` or `sudo apt-get install dataset-fashion-mnist`, or pass "
                        "the directory of the four IDX files");
  return dir.string();
}

}  // namespace

std::vector<std::string> labeled_dataset_kinds() { return {"fashion-mnist", "mnist", "cifar10", "folder"}; }

LabeledDataset load_labeled_dataset(const std::string& kind, const std::string& dir, int64_t image_size) {
  LabeledDataset set;
  if (kind == "fashion-mnist") {
    set.name = "Fashion-MNIST";
    std::tie(set.train, set.test) = load_mnist_dir(dir.empty() ? debian_fashion_mnist_dir() : dir,
                                                   fashion_mnist_class_names());
  } else if (kind == "mnist") {
    require_dir(kind, dir);
    set.name = "MNIST";
    std::tie(set.train, set.test) = load_mnist_dir(dir, mnist_class_names());
  } else if (kind == "cifar10") {
    require_dir(kind, dir);
    set.name = "CIFAR-10";
    std::tie(set.train, set.test) = load_cifar10_dir(dir);
  } else if (kind == "folder") {
    require_dir(kind, dir);
    MURINE_CHECK(image_size >= 0 && image_size <= 4096,
                 "load_labeled_dataset: image size must be in [0, 4096] (0 for 32); got " << image_size);
    const int size = (int)(image_size == 0 ? kDefaultFolderImageSize : image_size);
    set.name = "folder " + dir;
    set.train = load_class_folder(dir, size);
    set.test.images = Tensor::empty({0, set.train.images.size(1), size, size});
    set.test.class_names = set.train.class_names;
  } else {
    std::string kinds;
    for (const std::string& k : labeled_dataset_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
    MURINE_CHECK(false, "load_labeled_dataset: unknown data set '" << kind.substr(0, 64) << "'; expected one of: " << kinds);
  }
  return set;
}

}  // namespace murine
