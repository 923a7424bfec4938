// Reading IDX files, plain or gzipped, and the MNIST directory layout (data/idx.h).
#include "data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "tensor/error.h"

namespace murine {

namespace fs = std::filesystem;

namespace {

std::string hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08X", value);
  return text;
}

// An open IDX file. gzread reads a file without a gzip header as it is, so one reader serves both.
class IdxReader {
 public:
  IdxReader(const std::string& path, const char* op) : path_(path), op_(op) {
    std::error_code ec;
    MURINE_CHECK(fs::is_regular_file(path, ec), op << ": " << path << ": no such file");
    file_size_ = (int64_t)fs::file_size(path, ec);
    MURINE_CHECK(!ec, op << ": " << path << ": cannot read its size");
    file_.reset(gzopen(path.c_str(), "rb"));
    MURINE_CHECK(file_, op << ": " << path << ": cannot open");
  }

  // Reads exactly `bytes` bytes; `what` names them in the truncated-file error.
  void read(void* out, int64_t bytes, const char* what) {
    int64_t done = 0;
    while (done < bytes) {
      const unsigned chunk = (unsigned)std::min<int64_t>(bytes - done, 1 << 20);
      const int got = gzread(file_.get(), (char*)out + done, chunk);
      if (got < 0) {
        int code = 0;
        const char* reason = gzerror(file_.get(), &code);
        MURINE_CHECK(false, op_ << ": " << path_ << ": cannot read: " << reason);
      }
      MURINE_CHECK(got > 0, op_ << ": " << path_ << ": truncated: the file ends after " << position_ + done
                                << " bytes, within " << what << announced());
      done += got;
    }
    position_ += bytes;
  }

  // The whole file's size in bytes as its header gives it. Checked against what the file can hold
  // before anything that size is allocated: a plain file must be that long, and a gzip stream inflates
  // at most 1032-fold (deflate's limit), so a few bytes cannot announce gigabytes.
  void announce_size(int64_t bytes) {
    announced_ = bytes;
    if (gzdirect(file_.get())) {
      MURINE_CHECK(bytes <= file_size_, op_ << ": " << path_ << ": truncated: the file holds " << file_size_
                                            << " bytes" << announced());
    } else {
      MURINE_CHECK(bytes <= file_size_ * kMaxDeflateRatio,
                   op_ << ": " << path_ << ": truncated: a gzip file of " << file_size_
                       << " bytes cannot inflate to the " << bytes << " bytes its header announces");
    }
  }

  uint32_t read_u32(const char* what) {
    unsigned char b[4];
    read(b, 4, what);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
  }

  // The magic number, checked against `expected` (`kind` names the file type in the message).
  void expect_magic(uint32_t expected, const char* kind) {
    const uint32_t magic = read_u32("the magic number");
    MURINE_CHECK(magic == expected, op_ << ": " << path_ << ": wrong magic number " << hex32(magic) << " (expected "
                                        << hex32(expected) << " for IDX " << kind << ")");
  }

  // A dimension of the header, in [1, max].
  int64_t read_dimension(const char* name, int64_t max) {
    const int64_t value = read_u32("the header");
    MURINE_CHECK(value >= 1 && value <= max,
                 op_ << ": " << path_ << ": " << name << " " << value << " in the header is outside [1, " << max << "]");
    return value;
  }

 private:
  struct Closer {
    void operator()(gzFile f) const { gzclose(f); }
  };
  std::string announced() const {
    return announced_ < 0 ? std::string() : " (its header announces " + std::to_string(announced_) + " bytes)";
  }

  std::string path_;
  const char* op_;
  static constexpr int64_t kMaxDeflateRatio = 1032;
  int64_t position_ = 0, announced_ = -1;  // bytes read so far; the size the header announces
  int64_t file_size_ = 0;                  // on disk
  std::unique_ptr<gzFile_s, Closer> file_;
};

// `dir`/name, or `dir`/name.gz when only that exists.
std::string find_idx_file(const std::string& dir, const std::string& name) {
  std::error_code ec;
  const fs::path plain = fs::path(dir) / name, gz = fs::path(dir) / (name + ".gz");
  if (fs::is_regular_file(plain, ec)) return plain.string();
  if (fs::is_regular_file(gz, ec)) return gz.string();
  MURINE_CHECK(false, "load_mnist_dir: " << dir << ": neither " << name << " nor " << name << ".gz found");
  return {};
}

LabeledImages load_mnist_split(const std::string& dir, const std::string& prefix,
                               const std::vector<std::string>& class_names) {
  const std::string images_file = find_idx_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_file = find_idx_file(dir, prefix + "-labels-idx1-ubyte");
  LabeledImages set;
  set.images = read_idx_images(images_file);
  set.labels = read_idx_labels(labels_file);
  set.class_names = class_names;
  MURINE_CHECK(set.images.size(0) == set.size(), "load_mnist_dir: " << images_file << " holds " << set.images.size(0)
                                                                   << " images but " << labels_file << " holds "
                                                                   << set.size() << " labels");
  for (int64_t i = 0; i < set.size(); ++i)
    MURINE_CHECK(set.labels[i] < set.classes(), "load_mnist_dir: " << labels_file << ": label " << i << " is "
                                                                   << set.labels[i] << ", not below "
                                                                   << set.classes() << " classes");
  return set;
}

}  // namespace

Tensor read_idx_images(const std::string& path) {
  IdxReader in(path, "read_idx_images");
  in.expect_magic(kIdxImagesMagic, "images");
  const int64_t n = in.read_dimension("image count", kIdxMaxCount);
  const int64_t h = in.read_dimension("height", kIdxMaxSide);
  const int64_t w = in.read_dimension("width", kIdxMaxSide);
  MURINE_CHECK(n * h * w <= kIdxMaxPixels, "read_idx_images: " << path << ": " << n << " images of " << h << " x " << w
                                                               << " exceed the limit of " << kIdxMaxPixels << " pixels");
  in.announce_size(16 + n * h * w);
  Tensor images = Tensor::empty({n, 1, h, w});
  float* out = images.data();
  // Read in chunks of whole images, converting as we go, so the bytes never sit in memory whole.
  const int64_t image_bytes = h * w, per_chunk = std::max<int64_t>(1, (1 << 20) / image_bytes);
  std::vector<unsigned char> bytes((size_t)(per_chunk * image_bytes));
  for (int64_t first = 0; first < n; first += per_chunk) {
    const int64_t count = std::min(per_chunk, n - first);
    in.read(bytes.data(), count * image_bytes, "the pixels");
    for (int64_t i = 0; i < count * image_bytes; ++i) out[first * image_bytes + i] = bytes[i] / 255.0f;
  }
  return images;
}

std::vector<int64_t> read_idx_labels(const std::string& path) {
  IdxReader in(path, "read_idx_labels");
  in.expect_magic(kIdxLabelsMagic, "labels");
  const int64_t n = in.read_dimension("label count", kIdxMaxCount);
  in.announce_size(8 + n);
  std::vector<unsigned char> bytes((size_t)n);
  in.read(bytes.data(), n, "the labels");
  return std::vector<int64_t>(bytes.begin(), bytes.end());
}

std::vector<std::string> mnist_class_names() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
}

std::pair<LabeledImages, LabeledImages> load_mnist_dir(const std::string& dir,
                                                       const std::vector<std::string>& class_names) {
  std::error_code ec;
  MURINE_CHECK(fs::is_directory(dir, ec), "load_mnist_dir: " << dir << " is not a directory");
  return {load_mnist_split(dir, "train", class_names), load_mnist_split(dir, "t10k", class_names)};
}

}  // namespace murine
