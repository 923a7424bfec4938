// The labelled data sets: IDX files (plain and gzipped) and the MNIST layout, CIFAR-10 batches, class
// folders, load_labeled_dataset, subsets and validation splits, and Keras-style augmentation. Every
// fixture is written by the test itself into a temporary folder.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/augment.h"
#include "data/cifar10.h"
#include "data/class_folder.h"
#include "data/idx.h"
#include "data/labeled_dataset.h"
#include "data/labeled_images.h"
#include "io/image_grid.h"
#include "tests/expect_error.h"

namespace murine {
namespace {

namespace fs = std::filesystem;

// A fresh, empty directory under the system temp folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / ("murine_test_labeled_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// A caller's mistake: a murine::Error of one line holding every fragment (the file, the values).
template <typename F>
void expect_one_line_error(F&& f, const std::vector<std::string>& fragments) {
  testing::expect_error(f, fragments);
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

std::string u32_be(uint32_t v) {
  return {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
}

// An IDX images file: magic, N, H, W, then pixel i = (7·i) mod 256.
std::string idx_images(uint32_t n, uint32_t h, uint32_t w, int64_t pixels_written = -1) {
  std::string bytes = u32_be(kIdxImagesMagic) + u32_be(n) + u32_be(h) + u32_be(w);
  const int64_t count = pixels_written < 0 ? (int64_t)n * h * w : pixels_written;
  for (int64_t i = 0; i < count; ++i) bytes += (char)((7 * i) % 256);
  return bytes;
}

std::string idx_labels(const std::vector<int>& labels) {
  std::string bytes = u32_be(kIdxLabelsMagic) + u32_be((uint32_t)labels.size());
  for (int label : labels) bytes += (char)label;
  return bytes;
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), (std::streamsize)bytes.size());
  ASSERT_TRUE(out) << "cannot write " << path;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << "cannot write " << path;
  ASSERT_EQ(gzwrite(file, bytes.data(), (unsigned)bytes.size()), (int)bytes.size());
  gzclose(file);
}

// ---------------------------------------------------------------------------------------------- IDX

TEST(Idx, ReadsPlainAndGzippedImagesAndLabels) {
  TempDir dir("idx");
  write_file(dir.file("img"), idx_images(3, 2, 4));
  write_gzip(dir.file("img.gz"), idx_images(3, 2, 4));
  write_file(dir.file("lab"), idx_labels({4, 0, 9}));
  write_gzip(dir.file("lab.gz"), idx_labels({4, 0, 9}));
  for (const char* suffix : {"", ".gz"}) {
    const Tensor images = read_idx_images(dir.file(std::string("img") + suffix));
    ASSERT_EQ(images.shape(), (Shape{3, 1, 2, 4}));
    const std::vector<float> v = images.to_vector();
    for (int64_t i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(v[i], (float)((7 * i) % 256) / 255.0f) << i;
    EXPECT_EQ(read_idx_labels(dir.file(std::string("lab") + suffix)), (std::vector<int64_t>{4, 0, 9}));
  }
}

TEST(Idx, BadFilesGiveOneLineErrorsNamingTheFile) {
  TempDir dir("idx_bad");
  const std::string labels = dir.file("labels"), truncated = dir.file("truncated.gz"), huge = dir.file("huge"),
                    tall = dir.file("tall"), too_many = dir.file("too_many"), short_header = dir.file("short");
  write_file(labels, idx_labels({1, 2}));
  write_gzip(truncated, idx_images(3, 2, 2, 10));  // 12 pixels announced, 10 written
  write_file(huge, idx_images(0xFFFFFFFFu, 28, 28, 0));
  write_file(tall, idx_images(1, 100000, 2, 0));
  write_file(too_many, idx_images(10'000'000, 4096, 4096, 0));  // each dimension allowed, the product not
  write_file(short_header, u32_be(kIdxImagesMagic) + "ab");
  expect_one_line_error([&] { read_idx_images(labels); },
                        {"read_idx_images", labels, "wrong magic number 0x00000801", "expected 0x00000803"});
  expect_one_line_error([&] { read_idx_labels(truncated); }, {"read_idx_labels", truncated, "0x00000803", "0x00000801"});
  expect_one_line_error([&] { read_idx_images(truncated); }, {truncated, "truncated", "after 26 bytes", "announces 28 bytes"});
  expect_one_line_error([&] { read_idx_images(huge); }, {huge, "image count 4294967295", "[1, 10000000]"});
  expect_one_line_error([&] { read_idx_images(tall); }, {tall, "height 100000"});
  expect_one_line_error([&] { read_idx_images(too_many); }, {too_many, "exceed the limit"});
  expect_one_line_error([&] { read_idx_images(short_header); }, {short_header, "truncated"});
  expect_one_line_error([&] { read_idx_images(dir.file("absent")); }, {dir.file("absent"), "no such file"});
  // A header announcing more than the file can hold is refused before the images are allocated: a
  // plain file must be as long as announced, a gzip stream can inflate at most 1032-fold.
  const std::string plain_short = dir.file("plain_short"), gz_short = dir.file("gz_short.gz");
  write_file(plain_short, idx_images(131074, 3, 1286, 11));  // 2 GiB as floats, from 27 bytes
  write_gzip(gz_short, idx_images(100000, 28, 28, 0));
  expect_one_line_error([&] { read_idx_images(plain_short); },
                        {plain_short, "truncated", "holds 27 bytes", "announces 505683508 bytes"});
  expect_one_line_error([&] { read_idx_images(gz_short); }, {gz_short, "cannot inflate to the 78400016 bytes"});
}

// The four MNIST files in `dir`: 3 training and 2 test images of 2 × 2, the label files gzipped.
void write_mnist(const TempDir& dir, const std::vector<int>& train_labels) {
  write_file(dir.file("train-images-idx3-ubyte"), idx_images(3, 2, 2));
  write_gzip(dir.file("train-labels-idx1-ubyte.gz"), idx_labels(train_labels));
  write_gzip(dir.file("t10k-images-idx3-ubyte.gz"), idx_images(2, 2, 2));
  write_file(dir.file("t10k-labels-idx1-ubyte"), idx_labels({7, 3}));
}

TEST(Idx, LoadsTheMnistDirectory) {
  TempDir dir("mnist");
  write_mnist(dir, {5, 0, 4});
  const auto [train, test] = load_mnist_dir(dir.path.string());
  EXPECT_EQ(train.images.shape(), (Shape{3, 1, 2, 2}));
  EXPECT_EQ(train.labels, (std::vector<int64_t>{5, 0, 4}));
  EXPECT_EQ(test.size(), 2);
  EXPECT_EQ(test.labels, (std::vector<int64_t>{7, 3}));
  EXPECT_EQ(train.class_names, mnist_class_names());
  EXPECT_EQ(train.classes(), 10);
  const LabeledDataset fashion = load_labeled_dataset("fashion-mnist", dir.path.string());
  EXPECT_EQ(fashion.name, "Fashion-MNIST");
  ASSERT_EQ(fashion.train.classes(), 10);
  EXPECT_EQ(fashion.train.class_names[0], "T-shirt/top");
  EXPECT_EQ(fashion.test.class_names[9], "Ankle boot");
}

TEST(Idx, MnistDirectoryErrors) {
  TempDir dir("mnist_bad");
  write_mnist(dir, {5, 12, 4});
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");
  expect_one_line_error([&] { load_mnist_dir(dir.path.string()); }, {labels, "label 1 is 12", "10 classes"});
  write_gzip(labels, idx_labels({5, 1}));
  expect_one_line_error([&] { load_mnist_dir(dir.path.string()); },
                        {dir.file("train-images-idx3-ubyte"), "3 images", labels, "2 labels"});
  fs::remove(dir.file("t10k-images-idx3-ubyte.gz"));
  write_gzip(labels, idx_labels({5, 1, 2}));
  expect_one_line_error([&] { load_mnist_dir(dir.path.string()); }, {"t10k-images-idx3-ubyte", "found"});
}

// The Debian package, when installed: 60000 + 10000 images of 28 × 28, labels 0 … 9.
TEST(Idx, DebianFashionMnistPackage) {
  if (!fs::exists(std::string(kDebianFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (make deps installs it)";
  const LabeledDataset set = load_labeled_dataset("fashion-mnist", "");
  EXPECT_EQ(set.train.images.shape(), (Shape{60000, 1, 28, 28}));
  EXPECT_EQ(set.test.size(), 10000);
  for (const LabeledImages* part : {&set.train, &set.test}) {
    const auto [lo, hi] = std::minmax_element(part->labels.begin(), part->labels.end());
    EXPECT_EQ(*lo, 0);
    EXPECT_EQ(*hi, 9);
  }
}

// --------------------------------------------------------------------------------------------- CIFAR

// A CIFAR-10 batch of `labels.size()` records; pixel byte k of record r is (r + k) mod 256.
std::string cifar_batch(const std::vector<int>& labels) {
  std::string bytes;
  for (size_t r = 0; r < labels.size(); ++r) {
    bytes += (char)labels[r];
    for (int64_t k = 0; k < 3072; ++k) bytes += (char)((r + k) % 256);
  }
  return bytes;
}

void write_cifar(const fs::path& dir) {
  fs::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    write_file((dir / ("data_batch_" + std::to_string(b) + ".bin")).string(), cifar_batch({b, 9 - b}));
  write_file((dir / "test_batch.bin").string(), cifar_batch({0, 3, 9}));
}

TEST(Cifar10, LoadsTheBatchesWithPlanesAndLabels) {
  TempDir dir("cifar");
  write_cifar(dir.path);
  const auto [train, test] = load_cifar10_dir(dir.path.string());
  ASSERT_EQ(train.images.shape(), (Shape{10, 3, 32, 32}));
  EXPECT_EQ(train.labels, (std::vector<int64_t>{1, 8, 2, 7, 3, 6, 4, 5, 5, 4}));
  ASSERT_EQ(test.images.shape(), (Shape{3, 3, 32, 32}));
  EXPECT_EQ(test.labels, (std::vector<int64_t>{0, 3, 9}));
  EXPECT_EQ(train.class_names, cifar10_class_names());
  EXPECT_EQ(test.class_names[0], "airplane");
  // Test record 1: red (0, 0) is byte 0, green (0, 0) byte 1024, blue (31, 31) byte 3071.
  const std::vector<float> v = test.images.to_vector();
  const int64_t image = 3072;
  EXPECT_FLOAT_EQ(v[image + 0], 1 / 255.0f);
  EXPECT_FLOAT_EQ(v[image + 1024], (1 + 1024) % 256 / 255.0f);
  EXPECT_FLOAT_EQ(v[image + 3071], (1 + 3071) % 256 / 255.0f);
}

TEST(Cifar10, FindsTheArchiveFolderAndReadsBatchesMeta) {
  TempDir dir("cifar_meta");
  const fs::path inner = dir.path / "cifar-10-batches-bin";
  write_cifar(inner);
  std::ofstream(inner / "batches.meta.txt") << "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  const LabeledDataset set = load_labeled_dataset("cifar10", dir.path.string());
  EXPECT_EQ(set.name, "CIFAR-10");
  EXPECT_EQ(set.train.size(), 10);
  EXPECT_EQ(set.train.class_names[0], "plane");
  EXPECT_EQ(set.test.class_names[1], "car");
  std::ofstream(inner / "batches.meta.txt") << "a\nb\n";
  expect_one_line_error([&] { load_cifar10_dir(dir.path.string()); }, {"batches.meta.txt", "2 class names"});
  std::ofstream(inner / "batches.meta.txt") << std::string(100, 'x') << "\n";
  expect_one_line_error([&] { load_cifar10_dir(dir.path.string()); }, {"batches.meta.txt", "line 1", "64"});
}

TEST(Cifar10, TruncatedFilesAndBadLabelsAreErrorsNamingTheFile) {
  TempDir dir("cifar_bad");
  write_cifar(dir.path);
  const std::string batch = dir.file("data_batch_3.bin");
  write_file(batch, cifar_batch({1, 10}));
  expect_one_line_error([&] { load_cifar10_dir(dir.path.string()); }, {batch, "record 1", "label 10"});
  write_file(batch, cifar_batch({1, 2}).substr(0, 3073 + 100));
  expect_one_line_error([&] { load_cifar10_dir(dir.path.string()); }, {batch, "truncated", "3173 bytes"});
  fs::remove(batch);
  expect_one_line_error([&] { load_cifar10_dir(dir.path.string()); }, {batch, "no such file"});
  expect_one_line_error([&] { load_cifar10_dir(dir.file("nowhere")); }, {dir.file("nowhere"), "not a directory"});
}

// ------------------------------------------------------------------------------------ class folders

// A (3, 4, 4) picture of one colour.
Tensor solid(float r, float g, float b) {
  Tensor image = Tensor::empty({3, 4, 4});
  for (int64_t p = 0; p < 16; ++p) {
    image.data()[p] = r;
    image.data()[16 + p] = g;
    image.data()[32 + p] = b;
  }
  return image;
}

TEST(ClassFolder, ClassesAreSortedSubfoldersAndLabelsTheirIndex) {
  TempDir dir("classes");
  fs::create_directories(dir.path / "dog" / "nested");
  fs::create_directories(dir.path / "Cat");  // byte order: "Cat" < "dog"
  save_image(solid(1, 0, 0), dir.file("dog/b.png"));
  save_image(solid(0, 1, 0), dir.file("dog/nested/c.png"));
  save_image(solid(0, 0, 1), dir.file("Cat/a.png"));
  std::ofstream(dir.file("dog/readme.txt")) << "not an image";
  std::ofstream(dir.file("stray.png")) << "files beside the class folders are not samples";
  const LabeledImages set = load_class_folder(dir.path.string(), 2);
  EXPECT_EQ(set.class_names, (std::vector<std::string>{"Cat", "dog"}));
  EXPECT_EQ(set.labels, (std::vector<int64_t>{0, 1, 1}));
  ASSERT_EQ(set.images.shape(), (Shape{3, 3, 2, 2}));
  const std::vector<float> v = set.images.to_vector();
  EXPECT_FLOAT_EQ(v[2 * 4], 1.0f);         // Cat/a.png: blue
  EXPECT_FLOAT_EQ(v[12 + 0], 1.0f);        // dog/b.png: red
  EXPECT_FLOAT_EQ(v[24 + 4], 1.0f);        // dog/nested/c.png: green
  const LabeledImages grey = load_class_folder(dir.path.string(), 2, 1);
  ASSERT_EQ(grey.images.shape(), (Shape{3, 1, 2, 2}));
  EXPECT_NEAR(grey.images.to_vector()[4], 0.299f, 1e-6);  // red in BT.601 luma
  const LabeledDataset folder = load_labeled_dataset("folder", dir.path.string());
  EXPECT_EQ(folder.train.images.shape(), (Shape{3, 3, 32, 32}));
  EXPECT_EQ(folder.test.size(), 0);
  EXPECT_EQ(folder.test.class_names, folder.train.class_names);
}

TEST(ClassFolder, ErrorsNameTheFolderClassOrFile) {
  TempDir dir("classes_bad");
  const std::string root = dir.path.string();
  expect_one_line_error([&] { load_class_folder(root, 8); }, {root, "no class subfolders"});
  expect_one_line_error([&] { load_class_folder(dir.file("nowhere"), 8); }, {dir.file("nowhere"), "does not exist"});
  fs::create_directories(dir.path / "full");
  fs::create_directories(dir.path / "empty");
  save_image(solid(1, 1, 1), dir.file("full/a.png"));
  expect_one_line_error([&] { load_class_folder(root, 8); }, {root, "class 'empty'"});
  fs::remove(dir.path / "empty");
  std::ofstream(dir.file("full/broken.jpg")) << "garbage bytes";
  expect_one_line_error([&] { load_class_folder(root, 8); }, {"load_class_folder", dir.file("full/broken.jpg")});
  expect_one_line_error([&] { load_class_folder(root, 8, 2); }, {"channels", "2"});
}

// ------------------------------------------------------------------------------------------ kinds

TEST(LabeledDataset, UnknownKindListsTheKindsAndDirectoriesAreRequired) {
  expect_one_line_error([] { load_labeled_dataset("imagenet", "x"); },
                        {"imagenet", "fashion-mnist", "mnist", "cifar10", "folder"});
  expect_one_line_error([] { load_labeled_dataset("mnist", ""); }, {"mnist", "needs a directory"});
  expect_one_line_error([] { load_labeled_dataset("cifar10", ""); }, {"cifar10", "needs a directory"});
}

// ------------------------------------------------------------------------- subsets and splitting

// n samples of (1, 1, 2) whose pixels are the sample's index, labels index mod 3.
LabeledImages numbered(int64_t n) {
  LabeledImages set;
  set.images = Tensor::empty({n, 1, 1, 2});
  for (int64_t i = 0; i < n; ++i) set.images.data()[2 * i] = set.images.data()[2 * i + 1] = (float)i;
  for (int64_t i = 0; i < n; ++i) set.labels.push_back(i % 3);
  set.class_names = {"a", "b", "c"};
  return set;
}

// The sample indices a subset holds, read back from its pixels (checking the labels came along).
std::vector<int64_t> indices_of(const LabeledImages& set) {
  std::vector<int64_t> out;
  for (int64_t k = 0; k < set.size(); ++k) {
    const int64_t i = (int64_t)set.images.data()[2 * k];
    EXPECT_EQ(set.labels[k], i % 3);
    out.push_back(i);
  }
  return out;
}

TEST(LabeledImages, SubsetTakesTheIndicesInOrder) {
  const LabeledImages set = numbered(6);
  const LabeledImages part = subset(set, {4, 1, 4});
  EXPECT_EQ(part.images.shape(), (Shape{3, 1, 1, 2}));
  EXPECT_EQ(indices_of(part), (std::vector<int64_t>{4, 1, 4}));
  EXPECT_EQ(part.class_names, set.class_names);
  EXPECT_EQ(subset(set, {}).size(), 0);
  expect_one_line_error([&] { subset(set, {0, 6}); }, {"subset", "index 6", "6 samples"});
  expect_one_line_error([&] { subset(set, {-1}); }, {"subset", "index -1"});
}

TEST(LabeledImages, SplitValidationIsASeededDisjointSplit) {
  const LabeledImages set = numbered(50);
  const auto [train, val] = split_validation(set, 0.2, 7);
  EXPECT_EQ(train.size(), 40);
  EXPECT_EQ(val.size(), 10);
  const std::vector<int64_t> t = indices_of(train), v = indices_of(val);
  std::set<int64_t> all(t.begin(), t.end());
  all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 50u);  // disjoint and complete
  EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
  EXPECT_EQ(indices_of(split_validation(set, 0.2, 7).second), v);  // deterministic by seed
  EXPECT_NE(indices_of(split_validation(set, 0.2, 8).second), v);  // another seed, another split
  EXPECT_NE(v, std::vector<int64_t>({40, 41, 42, 43, 44, 45, 46, 47, 48, 49}));  // shuffled first
  EXPECT_EQ(split_validation(set, 0.0, 7).second.size(), 0);
  EXPECT_EQ(split_validation(set, 0.0, 7).first.size(), 50);
  EXPECT_EQ(split_validation(set, 0.25, 7).second.size(), 13);  // round(12.5)
  expect_one_line_error([&] { split_validation(set, 1.0, 7); }, {"split_validation", "[0, 1)"});
  expect_one_line_error([&] { split_validation(numbered(1), 0.9, 7); }, {"split_validation", "no training sample"});
}

// ------------------------------------------------------------------------------------- augmentation

// (N, C, H, W) with distinct values in [0, 1].
Tensor ramp_batch(int64_t n, int64_t c, int64_t h, int64_t w) {
  Tensor batch = Tensor::empty({n, c, h, w});
  for (int64_t i = 0; i < batch.numel(); ++i) batch.data()[i] = (float)((i * 37) % 101) / 100.0f;
  return batch;
}

TEST(Augment, IdentityWhenNothingIsEnabled) {
  const Tensor batch = ramp_batch(3, 3, 5, 6);
  Generator gen(1);
  const AugmentOptions off;
  EXPECT_FALSE(off.enabled());
  const Tensor out = augment(batch, off, gen);
  EXPECT_EQ(out.to_vector(), batch.to_vector());
  EXPECT_NE(out.data(), batch.data());  // a new batch
  EXPECT_EQ(gen.offset, 0u);  // nothing drawn
}

// One image (C, H, W) of the ramp.
Tensor ramp_image(int64_t c, int64_t h, int64_t w) {
  Tensor image = Tensor::empty({c, h, w});
  for (int64_t i = 0; i < image.numel(); ++i) image.data()[i] = (float)((i * 37) % 101) / 100.0f;
  return image;
}

TEST(Augment, TransformsMoveWholePixels) {
  const int64_t C = 2, H = 5, W = 6;
  const Tensor image = ramp_image(C, H, W);
  const float* in = image.data();
  const auto at = [&](const std::vector<float>& v, int64_t c, int64_t y, int64_t x) { return v[(c * H + y) * W + x]; };
  EXPECT_EQ(transform_image(image, {}).to_vector(), image.to_vector());
  AugmentTransform flip;
  flip.flip = true;
  AugmentTransform shift;
  shift.tx = 1;   // reads column x + 1: the content moves one pixel left, the last column repeats
  shift.ty = -2;  // reads row y - 2: the content moves two rows down, the first row repeats
  const std::vector<float> flipped = transform_image(image, flip).to_vector();
  const std::vector<float> shifted = transform_image(image, shift).to_vector();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        EXPECT_EQ(at(flipped, c, y, x), in[(c * H + y) * W + (W - 1 - x)]);
        EXPECT_EQ(at(shifted, c, y, x), in[(c * H + std::max<int64_t>(y - 2, 0)) * W + std::min<int64_t>(x + 1, W - 1)]);
      }
  // 90°: output (x, y) reads the input at R·(p - c) + c, i.e. row x, column W-1-y of a square image.
  const Tensor square = ramp_image(1, 4, 4);
  AugmentTransform quarter;
  quarter.theta = 90;
  const std::vector<float> turned = transform_image(square, quarter).to_vector();
  for (int64_t y = 0; y < 4; ++y)
    for (int64_t x = 0; x < 4; ++x) EXPECT_NEAR(turned[y * 4 + x], square.data()[x * 4 + (3 - y)], 1e-5);
  // Zooming out by 2 about the centre: the centre pixel of an odd image stays, values stay in range.
  const Tensor odd = ramp_image(1, 5, 5);
  AugmentTransform zoom;
  zoom.zx = zoom.zy = 2;
  const std::vector<float> zoomed = transform_image(odd, zoom).to_vector();
  EXPECT_EQ(zoomed[12], odd.data()[12]);
  EXPECT_EQ(zoomed[0], odd.data()[0]);  // reads (-4, -4): the nearest edge pixel
}

TEST(Augment, RandomTransformsAreSeededAndStayInRange) {
  const Tensor batch = ramp_batch(16, 3, 8, 8);
  AugmentOptions keras;  // CIFAR10_VGG16Schizo200921act.py's ImageDataGenerator
  keras.rotation = 20;
  keras.width_shift = keras.height_shift = 0.2;
  keras.zoom = 0.2;
  keras.horizontal_flip = true;
  keras.channel_shift = 0.1;
  EXPECT_TRUE(keras.enabled());
  Generator a(5), b(5), c(6);
  const std::vector<float> first = augment(batch, keras, a).to_vector();
  EXPECT_EQ(a.offset, (uint64_t)(16 * kAugmentDraws / 4));
  EXPECT_EQ(first, augment(batch, keras, b).to_vector());
  EXPECT_NE(first, augment(batch, keras, c).to_vector());
  EXPECT_NE(first, augment(batch, keras, a).to_vector());  // the generator moved on
  const std::vector<float> in = batch.to_vector();
  const auto [lo, hi] = std::minmax_element(in.begin(), in.end());
  for (float v : first) {
    EXPECT_GE(v, *lo);
    EXPECT_LE(v, *hi);
  }
  EXPECT_NE(first, in);
}

TEST(Augment, FlipOnlyMirrorsAboutHalfTheImages) {
  const int64_t N = 64, H = 3, W = 5;
  const Tensor batch = ramp_batch(N, 1, H, W);
  AugmentOptions flip;
  flip.horizontal_flip = true;
  Generator gen(3);
  const std::vector<float> out = augment(batch, flip, gen).to_vector(), in = batch.to_vector();
  int64_t mirrored = 0;
  for (int64_t i = 0; i < N; ++i) {
    bool same = true, mirror = true;
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x) {
        const float v = out[(i * H + y) * W + x];
        same = same && v == in[(i * H + y) * W + x];
        mirror = mirror && v == in[(i * H + y) * W + (W - 1 - x)];
      }
    EXPECT_TRUE(same || mirror) << "image " << i;
    mirrored += mirror;
  }
  EXPECT_GT(mirrored, 16);
  EXPECT_LT(mirrored, 48);
}

TEST(Augment, BadOptionsAndShapes) {
  Generator gen(1);
  AugmentOptions shift;
  shift.width_shift = 1.5;
  expect_one_line_error([&] { augment(ramp_batch(1, 1, 2, 2), shift, gen); }, {"augment", "width_shift", "1.5"});
  AugmentOptions zoom;
  zoom.zoom = -0.1;
  expect_one_line_error([&] { augment(ramp_batch(1, 1, 2, 2), zoom, gen); }, {"augment", "zoom"});
  expect_one_line_error([&] { augment(ramp_image(1, 2, 2), AugmentOptions{}, gen); }, {"augment", "(N, C, H, W)", "(1, 2, 2)"});
}

}  // namespace
}  // namespace murine
