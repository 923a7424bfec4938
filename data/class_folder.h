// Class folders, torchvision's ImageFolder convention: DIR/<class>/**/*.png|jpg|jpeg. The class names
// are the subfolder names sorted by byte order, a sample's label is its class's index in that order,
// and the files of a class are taken in sorted path order (data/image_folder.h's listing).
#pragma once
#include <cstdint>
#include <string>

#include "data/labeled_images.h"

namespace murine {

inline constexpr int64_t kClassFolderMaxClasses = 10'000;
inline constexpr int64_t kClassFolderMaxFiles = 1'000'000;
inline constexpr int64_t kClassFolderMaxElements = int64_t(1) << 30;  // N·C·size² (4 GiB as float32)

// Every image decoded, its shorter side resized to `size` and centre-cropped (data/image.h's
// load_image), as (N, channels, size, size) in [0, 1]; channels 3 (R, G, B) or 1 (grey, BT.601
// luma 0.299 R + 0.587 G + 0.114 B, as PIL's convert("L")). Throws murine::Error, as torchvision's
// ImageFolder raises, when `dir` is missing, has no class subfolders, a class folder holds no image
// file (naming every such class), or a file cannot be decoded (naming it); and when the bounds on
// classes, files or the tensor's size are exceeded.
LabeledImages load_class_folder(const std::string& dir, int size, int channels = 3);

}  // namespace murine
