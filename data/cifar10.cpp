// Reading the CIFAR-10 binary batches and their class names (data/cifar10.h).
#include "data/cifar10.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tensor/error.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kCifarClasses = 10;
constexpr int64_t kMetaMaxLine = 64;
constexpr int64_t kMetaMaxBytes = 4096;

// batches.meta.txt: one class name per line (blank lines and surrounding whitespace ignored).
std::vector<std::string> read_meta_names(const std::string& path) {
  std::error_code ec;
  const auto bytes = fs::file_size(path, ec);
  MURINE_CHECK(!ec && bytes <= (uintmax_t)kMetaMaxBytes,
               "load_cifar10_dir: " << path << ": expected a short list of class names (at most " << kMetaMaxBytes
                                    << " bytes)");
  std::ifstream in(path, std::ios::binary);
  MURINE_CHECK(in, "load_cifar10_dir: " << path << ": cannot open");
  std::vector<std::string> names;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r"), last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) continue;
    line = line.substr(first, last - first + 1);
    MURINE_CHECK((int64_t)line.size() <= kMetaMaxLine, "load_cifar10_dir: " << path << ": line " << number
                                                                           << " is longer than " << kMetaMaxLine
                                                                           << " characters");
    MURINE_CHECK((int64_t)names.size() < kCifarClasses,
                 "load_cifar10_dir: " << path << ": more than " << kCifarClasses << " class names");
    names.push_back(line);
  }
  MURINE_CHECK((int64_t)names.size() == kCifarClasses, "load_cifar10_dir: " << path << ": " << names.size()
                                                                           << " class names; expected "
                                                                           << kCifarClasses);
  return names;
}

LabeledImages concatenate(const std::vector<LabeledImages>& parts) {
  int64_t n = 0;
  for (const LabeledImages& part : parts) n += part.size();
  LabeledImages all;
  all.images = Tensor::empty({n, 3, kCifarSide, kCifarSide});
  const int64_t row = 3 * kCifarSide * kCifarSide;
  int64_t at = 0;
  for (const LabeledImages& part : parts) {
    if (part.size() > 0) std::memcpy(all.images.data() + at * row, part.images.data(), sizeof(float) * row * part.size());
    all.labels.insert(all.labels.end(), part.labels.begin(), part.labels.end());
    at += part.size();
  }
  return all;
}

}  // namespace

std::vector<std::string> cifar10_class_names() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

LabeledImages read_cifar10_batch(const std::string& path) {
  std::error_code ec;
  MURINE_CHECK(fs::is_regular_file(path, ec), "read_cifar10_batch: " << path << ": no such file");
  const int64_t bytes = (int64_t)fs::file_size(path, ec);
  MURINE_CHECK(!ec, "read_cifar10_batch: " << path << ": cannot read its size: " << ec.message());
  MURINE_CHECK(bytes % kCifarRecordBytes == 0 && bytes > 0,
               "read_cifar10_batch: " << path << ": truncated: " << bytes << " bytes is not a whole number of "
                                      << kCifarRecordBytes << "-byte records");
  const int64_t n = bytes / kCifarRecordBytes;
  MURINE_CHECK(n <= kCifarMaxRecords, "read_cifar10_batch: " << path << ": " << n << " records exceed the limit of "
                                                             << kCifarMaxRecords);
  std::ifstream in(path, std::ios::binary);
  MURINE_CHECK(in, "read_cifar10_batch: " << path << ": cannot open");
  LabeledImages set;
  set.images = Tensor::empty({n, 3, kCifarSide, kCifarSide});
  set.labels.resize((size_t)n);
  const int64_t row = kCifarRecordBytes - 1;
  std::vector<unsigned char> raw((size_t)kCifarRecordBytes);  // one record
  for (int64_t i = 0; i < n; ++i) {
    in.read((char*)raw.data(), kCifarRecordBytes);
    MURINE_CHECK(in, "read_cifar10_batch: " << path << ": cannot read record " << i);
    MURINE_CHECK(raw[0] < kCifarClasses, "read_cifar10_batch: " << path << ": record " << i << " has label "
                                                                   << (int)raw[0] << ", not below "
                                                                   << kCifarClasses);
    set.labels[i] = raw[0];
    // The R, G and B planes follow the label in the (3, 32, 32) layout already.
    float* out = set.images.data() + i * row;
    for (int64_t k = 0; k < row; ++k) out[k] = raw[1 + k] / 255.0f;
  }
  return set;
}

std::pair<LabeledImages, LabeledImages> load_cifar10_dir(const std::string& dir) {
  std::error_code ec;
  MURINE_CHECK(fs::is_directory(dir, ec), "load_cifar10_dir: " << dir << " is not a directory");
  fs::path root = dir;
  if (!fs::exists(root / "data_batch_1.bin", ec) && fs::is_directory(root / "cifar-10-batches-bin", ec))
    root /= "cifar-10-batches-bin";
  for (const char* name : {"data_batch_1.bin", "test_batch.bin"})
    MURINE_CHECK(fs::exists(root / name, ec), "load_cifar10_dir: " << root.string() << ": no " << name
                                                                   << " (expected the CIFAR-10 binary version)");
  std::vector<LabeledImages> batches;
  for (int b = 1; b <= 5; ++b) batches.push_back(read_cifar10_batch((root / ("data_batch_" + std::to_string(b) + ".bin")).string()));
  LabeledImages train = concatenate(batches);
  LabeledImages test = read_cifar10_batch((root / "test_batch.bin").string());
  const fs::path meta = root / "batches.meta.txt";
  train.class_names = fs::exists(meta, ec) ? read_meta_names(meta.string()) : cifar10_class_names();
  test.class_names = train.class_names;
  return {std::move(train), std::move(test)};
}

}  // namespace murine
