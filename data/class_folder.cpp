// Loading a folder of class subfolders as a labelled image set (data/class_folder.h).
#include "data/class_folder.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "data/image.h"
#include "data/image_folder.h"
#include "tensor/error.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

// The subfolders of `dir` (symbolic links followed, as os.scandir's is_dir does), sorted by byte order.
std::vector<std::string> class_subfolders(const std::string& dir) {
  std::error_code ec;
  MURINE_CHECK(fs::exists(dir, ec), "load_class_folder: " << dir << " does not exist");
  MURINE_CHECK(fs::is_directory(dir, ec), "load_class_folder: " << dir << " is not a directory");
  std::vector<std::string> names;
  fs::directory_iterator it(dir, ec), end;
  MURINE_CHECK(!ec, "load_class_folder: " << dir << " cannot be read: " << ec.message());
  for (; it != end; it.increment(ec)) {
    MURINE_CHECK(!ec, "load_class_folder: " << dir << " cannot be read: " << ec.message());
    if (!it->is_directory(ec)) continue;
    MURINE_CHECK((int64_t)names.size() < kClassFolderMaxClasses,
                 "load_class_folder: " << dir << ": more than " << kClassFolderMaxClasses << " class folders");
    names.push_back(it->path().filename().string());
  }
  MURINE_CHECK(!names.empty(), "load_class_folder: " << dir << ": no class subfolders (expected " << dir
                                                     << "/<class>/<image>.png|jpg|jpeg)");
  std::sort(names.begin(), names.end());
  return names;
}

// (3, S, S) → (1, S, S) grey, BT.601 luma.
Tensor to_grey(const Tensor& rgb) {
  const int64_t plane = rgb.size(1) * rgb.size(2);
  Tensor grey = Tensor::empty({1, rgb.size(1), rgb.size(2)});
  const float *r = rgb.data(), *g = r + plane, *b = g + plane;
  for (int64_t p = 0; p < plane; ++p) grey.data()[p] = 0.299f * r[p] + 0.587f * g[p] + 0.114f * b[p];
  return grey;
}

}  // namespace

LabeledImages load_class_folder(const std::string& dir, int size, int channels) {
  MURINE_CHECK(size >= 1 && size <= 4096, "load_class_folder: " << dir << ": image size must be in [1, 4096]; got " << size);
  MURINE_CHECK(channels == 1 || channels == 3, "load_class_folder: " << dir << ": channels must be 1 or 3; got " << channels);
  LabeledImages set;
  set.class_names = class_subfolders(dir);

  // Every class's files first, so an empty class is reported before any decoding.
  std::vector<std::string> files, empty_classes;
  for (size_t label = 0; label < set.class_names.size(); ++label) {
    const std::vector<std::string> class_files = list_image_files((fs::path(dir) / set.class_names[label]).string());
    if (class_files.empty()) empty_classes.push_back(set.class_names[label]);
    MURINE_CHECK((int64_t)(files.size() + class_files.size()) <= kClassFolderMaxFiles,
                 "load_class_folder: " << dir << ": more than " << kClassFolderMaxFiles << " image files");
    files.insert(files.end(), class_files.begin(), class_files.end());
    set.labels.insert(set.labels.end(), class_files.size(), (int64_t)label);
  }
  if (!empty_classes.empty()) {
    std::string list;
    for (size_t k = 0; k < empty_classes.size() && k < 10; ++k) list += (k ? ", '" : "'") + empty_classes[k] + "'";
    if (empty_classes.size() > 10) list += ", ... (" + std::to_string(empty_classes.size()) + " in all)";
    MURINE_CHECK(false, "load_class_folder: " << dir << ": no PNG or JPEG file in the folder of class " << list);
  }

  const int64_t n = (int64_t)files.size(), row = (int64_t)channels * size * size;
  MURINE_CHECK(n * row <= kClassFolderMaxElements, "load_class_folder: " << dir << ": " << n << " images of "
                                                                         << channels << " x " << size << " x " << size
                                                                         << " exceed the limit of "
                                                                         << kClassFolderMaxElements << " values");
  set.images = Tensor::empty({n, channels, size, size});
  for (int64_t i = 0; i < n; ++i) {
    Tensor image;
    try {
      image = load_image(files[i], size);
    } catch (const Error& e) {
      throw Error(std::string("load_class_folder: ") + e.what());
    }
    if (channels == 1) image = to_grey(image);
    std::memcpy(set.images.data() + i * row, image.data(), sizeof(float) * row);
  }
  return set;
}

}  // namespace murine
