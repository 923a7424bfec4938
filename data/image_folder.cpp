// The image-folder data set: listing, eager decoding, per-epoch shuffling (data/image_folder.h).
#include "data/image_folder.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <set>
#include <utility>

#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return (char)std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

// Keeps the shuffle stream apart from the run's other streams drawn with the same seed.
constexpr uint64_t kShuffleKey = 0x53485546464C4531ull;  // "SHUFFLE1"

}  // namespace

std::vector<std::string> list_image_files(const std::string& folder, FolderWalk* walk) {
  std::error_code ec;
  MURINE_CHECK(fs::exists(folder, ec), "image folder '" << folder << "' does not exist");
  MURINE_CHECK(fs::is_directory(folder, ec), "image folder '" << folder << "' is not a directory");
  FolderWalk counts;
  std::vector<std::string> files;
  // Each real directory once, whatever the links: a directory is known by its (device, inode), so
  // links back to a parent or to the folder itself end the walk instead of looping forever.
  std::set<std::pair<dev_t, ino_t>> seen;
  auto first_visit = [&](const fs::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return false;
    return seen.insert({st.st_dev, st.st_ino}).second;
  };
  std::vector<std::pair<fs::path, int>> pending = {{fs::path(folder), 0}};  // directory, depth
  first_visit(folder);
  while (!pending.empty()) {
    const auto [dir, depth] = pending.back();
    pending.pop_back();
    ++counts.directories;
    fs::directory_iterator it(dir, ec), end;
    MURINE_CHECK(!ec, "image folder '" << folder << "': cannot read '" << dir.string() << "': " << ec.message());
    for (; it != end; it.increment(ec)) {
      MURINE_CHECK(!ec, "image folder '" << folder << "': cannot read '" << dir.string() << "': " << ec.message());
      const fs::path& path = it->path();
      if (it->is_directory(ec)) {  // follows links
        MURINE_CHECK(depth + 1 <= kMaxFolderDepth, "image folder '" << folder << "': directories nest deeper than "
                                                                   << kMaxFolderDepth << " levels at '" << path.string() << "'");
        if (first_visit(path)) pending.push_back({path, depth + 1});
        else ++counts.repeated_directories;
      } else if (it->is_regular_file(ec) && is_image_file(path)) {
        MURINE_CHECK(files.size() < kMaxFolderImages, "image folder '" << folder << "' holds more than "
                                                                       << kMaxFolderImages << " image files");
        files.push_back(path.string());
      } else {
        ++counts.other_entries;
      }
    }
  }
  std::sort(files.begin(), files.end());
  counts.image_files = (int64_t)files.size();
  if (walk) *walk = counts;
  return files;
}

std::vector<int64_t> random_permutation(int64_t n, Generator& gen) {
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  const uint64_t first = gen.take(n);
  // Fisher–Yates from the back: swap item i with a uniform j in [0, i].
  for (int64_t i = n - 1; i > 0; --i) {
    const float u = philox::uniform_at(gen.seed, first, n - 1 - i);
    const int64_t j = std::min<int64_t>(i, (int64_t)(u * (float)(i + 1)));
    std::swap(order[i], order[j]);
  }
  return order;
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch) {
  MURINE_CHECK(n >= 0 && epoch >= 0, "epoch_order: need n >= 0 and epoch >= 0; got n " << n << ", epoch " << epoch);
  Generator gen(seed ^ kShuffleKey);
  gen.offset = (uint64_t)epoch * (uint64_t)((n + 3) / 4);
  return random_permutation(n, gen);
}

Tensor gather_rows(const Tensor& images, const std::vector<int64_t>& indices, int64_t start, int64_t count) {
  MURINE_CHECK(images.defined() && images.rank() >= 1 && images.device() == Device::CPU,
               "gather_rows: expected a CPU tensor (N, ...)");
  MURINE_CHECK(start >= 0 && count >= 0 && start + count <= (int64_t)indices.size(),
               "gather_rows: rows [" << start << ", " << start + count << ") out of " << indices.size());
  Shape shape = images.shape();
  const int64_t n = shape[0], row = n ? images.numel() / n : 0;
  shape[0] = count;
  Tensor out = Tensor::empty(shape);
  for (int64_t k = 0; k < count; ++k) {
    const int64_t i = indices[start + k];
    MURINE_CHECK(i >= 0 && i < n, "gather_rows: index " << i << " out of range for " << shape_str(images.shape()));
    std::memcpy(out.data() + k * row, images.data() + i * row, sizeof(float) * row);
  }
  return out;
}

ImageFolder::ImageFolder(const std::string& folder, int size, std::ostream& messages)
    : folder_(folder), size_(size) {
  MURINE_CHECK(size >= 1, "image folder '" << folder << "': image size must be positive; got " << size);
  const std::vector<std::string> candidates = list_image_files(folder, &walk_);
  MURINE_CHECK(!candidates.empty(), "image folder '" << folder << "' holds no PNG or JPEG files");
  std::vector<Tensor> loaded;
  for (const std::string& file : candidates) {
    try {
      loaded.push_back(load_image(file, size));
      files_.push_back(file);
    } catch (const Error& e) {
      messages << "warning: skipping '" << file << "': " << e.what() << "\n";
      skipped_.push_back(file);
    }
  }
  MURINE_CHECK(!loaded.empty(), "image folder '" << folder << "': none of its " << candidates.size()
                                                 << " image files could be decoded");
  images_ = Tensor::empty({(int64_t)loaded.size(), 3, size, size});
  const int64_t row = 3 * (int64_t)size * size;
  for (size_t i = 0; i < loaded.size(); ++i) std::memcpy(images_.data() + i * row, loaded[i].data(), sizeof(float) * row);
  messages << summary() << "\n";
}

std::string ImageFolder::summary() const {
  auto counted = [](int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  return "image folder '" + folder_ + "': " + counted(count(), "image", "images") + " read; skipped: " +
         std::to_string(skipped_.size()) + " undecodable, " + counted(walk_.other_entries, "other file", "other files") +
         ", " + counted(walk_.repeated_directories, "repeated link", "repeated links") + " (" +
         counted(walk_.directories, "folder", "folders") + ")";
}

int64_t ImageFolder::batches_per_epoch(int64_t batch_size) const {
  MURINE_CHECK(batch_size >= 1, "image folder '" << folder_ << "': batch size must be >= 1; got " << batch_size);
  return std::max<int64_t>(1, count() / batch_size);
}

Tensor ImageFolder::batch(int64_t batch_size, uint64_t seed, int64_t epoch, int64_t index) const {
  const int64_t batches = batches_per_epoch(batch_size);
  MURINE_CHECK(index >= 0 && index < batches,
               "image folder '" << folder_ << "': batch " << index << " out of " << batches << " per epoch");
  const std::vector<int64_t> order = epoch_order(count(), seed, epoch);
  const int64_t b = std::min(batch_size, count());
  return gather_rows(images_, order, index * b, b);
}

}  // namespace murine
