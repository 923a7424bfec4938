// ImageFolder: a data set of the PNG and JPEG files under one folder (searched recursively), decoded
// once when it is opened, each resized and centre-cropped to size × size (data/image.h). Files that
// cannot be decoded are skipped with one warning line each. Batches come in a shuffled order that is
// a pure function of (seed, epoch), so a resumed run sees the same batches.
#pragma once
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "data/image.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace murine {

// What a folder walk found: image files, other entries (files of other types, sockets, broken links),
// the directories read, and the links to directories already read (skipped, so cycles end).
struct FolderWalk {
  int64_t image_files = 0, other_entries = 0, directories = 0, repeated_directories = 0;
};

constexpr int kMaxFolderDepth = 64;               // directories inside each other
constexpr size_t kMaxFolderImages = 10'000'000;   // image files in one walk

// The *.png, *.jpg and *.jpeg files (extension in any case) under `folder`, recursively, sorted by
// path. Links to directories are followed, but each real directory (device, inode) is read once.
// Throws murine::Error naming the folder when it is missing, not a directory, unreadable, nested
// deeper than kMaxFolderDepth or holding more than kMaxFolderImages images. `walk` gets the counts.
std::vector<std::string> list_image_files(const std::string& folder, FolderWalk* walk = nullptr);

// A random permutation of 0 … n-1 (Fisher–Yates, j = ⌊u·(i+1)⌋ with u ~ U[0, 1) from gen).
std::vector<int64_t> random_permutation(int64_t n, Generator& gen);

// The order in which epoch `epoch` visits n items: random_permutation drawn from a Generator keyed
// by `seed` (mixed with a constant, so the shuffle stream is not the run's weight-initialisation
// stream) at counter offset epoch·⌈n/4⌉. The same (n, seed, epoch) always gives the same order.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch);

// Rows indices[0 … count) of images (N, …) starting at indices[start], stacked: (count, …).
Tensor gather_rows(const Tensor& images, const std::vector<int64_t>& indices, int64_t start, int64_t count);

class ImageFolder {
 public:
  // Decodes every image under `folder` to (3, size, size) in [0, 1]. Undecodable files are skipped
  // with the line "warning: skipping '<file>': <reason>" on `messages`, which then gets summary().
  // Throws murine::Error naming the folder when it is missing, holds no image files, or none of
  // them decodes.
  ImageFolder(const std::string& folder, int size, std::ostream& messages = std::cerr);

  // One line of what was read and skipped: "image folder 'cats': 9982 images read; skipped: 3
  // undecodable, 12 other files, 1 repeated link (18 folders)".
  std::string summary() const;

  const std::string& folder() const { return folder_; }
  int64_t count() const { return images_.size(0); }        // images loaded
  int image_size() const { return size_; }
  const std::vector<std::string>& files() const { return files_; }  // the loaded files, sorted
  const std::vector<std::string>& skipped() const { return skipped_; }  // image files that did not decode
  const FolderWalk& walk() const { return walk_; }  // what the folder walk found
  const Tensor& images() const { return images_; }          // (N, 3, S, S)

  // Full batches of batch_size per epoch (the last partial batch is dropped, as the reference scripts' loaders
  // do); at least 1 when count() < batch_size, which then gives one batch of count() images.
  int64_t batches_per_epoch(int64_t batch_size) const;
  // Batch `index` of epoch `epoch` in the order epoch_order(count(), seed, epoch): (B, 3, S, S).
  Tensor batch(int64_t batch_size, uint64_t seed, int64_t epoch, int64_t index) const;

 private:
  std::string folder_;
  int size_;
  std::vector<std::string> files_, skipped_;
  FolderWalk walk_;
  Tensor images_;
};

}  // namespace murine
