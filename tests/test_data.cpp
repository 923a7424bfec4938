// The data sets: synthetic cat faces (reproducible, in range), PNG decoding, resizing and cropping,
// the image folder (skipping bad files, errors naming the folder, per-seed shuffling), image entropy.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "autograd/ops.h"
#include "data/entropy.h"
#include "tests/expect_error.h"
// stbi_write_jpg makes the JPEG fixture; a private (static) copy of stb_image_write for this test.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>

#include "data/image.h"
#include "data/image_folder.h"
#include "data/synthetic_cats.h"
#include "io/image_grid.h"
#include "io/png.h"
#include "models/pixel_range.h"

namespace murine {
namespace {

namespace fs = std::filesystem;
using testing::expect_error;

// A fresh, empty directory under the system temp folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / ("murine_test_data_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

TEST(SyntheticCats, ShapeAndRange) {
  const Tensor cats = synthetic_cats(6, 32, 1);
  EXPECT_EQ(cats.shape(), (Shape{6, 3, 32, 32}));
  const std::vector<float> v = cats.to_vector();
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0f);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 1.0f);
}

TEST(SyntheticCats, ReproduciblePerSeed) {
  const std::vector<float> a = synthetic_cats(4, 24, 7).to_vector();
  EXPECT_EQ(a, synthetic_cats(4, 24, 7).to_vector());
  EXPECT_NE(a, synthetic_cats(4, 24, 8).to_vector());
  // Face i is the same whether drawn one by one, in a set, or in a later chunk.
  Generator gen(7);
  draw_cat(24, gen);
  const std::vector<float> second = draw_cat(24, gen).to_vector();
  const std::vector<float> chunk = synthetic_cats(1, 24, 7, 1).to_vector();
  EXPECT_EQ(second, std::vector<float>(a.begin() + 3 * 24 * 24, a.begin() + 2 * 3 * 24 * 24));
  EXPECT_EQ(chunk, second);
  EXPECT_EQ(gen.offset, 2u * kCatDraws / 4);
  // Faces differ from each other.
  EXPECT_NE(std::vector<float>(a.begin(), a.begin() + 3 * 24 * 24), second);
}

TEST(SyntheticCats, BadArguments) {
  expect_error([] { synthetic_cats(0, 32, 1); }, {"synthetic_cats", "n"});
  expect_error([] { synthetic_cats(2, 4, 1); }, {"synthetic_cats", "size"});
}

TEST(Image, PngRoundTripThroughCanvasAndDecoder) {
  TempDir dir("png");
  // A 5 × 3 picture with distinct colours: written by io/png, read back by data/image.
  Tensor image = Tensor::empty({3, 3, 5});
  for (int64_t i = 0; i < image.numel(); ++i) image.data()[i] = (float)((i * 37) % 256) / 255.0f;
  save_image(image, dir.file("a.png"));
  const Tensor back = decode_image(dir.file("a.png"));
  ASSERT_EQ(back.shape(), (Shape{3, 3, 5}));
  EXPECT_EQ(back.to_vector(), image.to_vector());
  // A grid of two such images: 2 columns, 2-pixel borders.
  save_grid(reshape(concat({image, image}, 0), {2, 3, 3, 5}), 2, dir.file("grid.png"));
  EXPECT_EQ(decode_image(dir.file("grid.png")).shape(), (Shape{3, 2 + 3 + 2, 2 + 2 * (5 + 2)}));
  expect_error([&] { save_grid(image, 2, dir.file("bad.png")); }, {"save_grid", "(3, 3, 5)"});
}

TEST(Image, DecodesJpeg) {
  TempDir dir("jpeg");
  // A flat 16 × 12 colour through stb_image_write's JPEG encoder.
  std::vector<uint8_t> rgb(16 * 12 * 3);
  for (size_t i = 0; i < rgb.size(); i += 3) rgb[i] = 200, rgb[i + 1] = 100, rgb[i + 2] = 50;
  ASSERT_TRUE(stbi_write_jpg(dir.file("flat.jpg").c_str(), 16, 12, 3, rgb.data(), 95));
  const Tensor image = load_image(dir.file("flat.jpg"), 8);
  ASSERT_EQ(image.shape(), (Shape{3, 8, 8}));
  const std::vector<float> v = image.to_vector();
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 64; ++i) EXPECT_NEAR(v[c * 64 + i], (c == 0 ? 200 : c == 1 ? 100 : 50) / 255.0f, 0.02f);
}

TEST(Image, DecodeErrorNamesTheFile) {
  TempDir dir("decode");
  std::ofstream(dir.file("junk.png")) << "not a png at all";
  expect_error([&] { decode_image(dir.file("junk.png")); }, {"decode_image", "junk.png"});
  expect_error([&] { decode_image(dir.file("missing.jpg")); }, {"decode_image", "missing.jpg"});
}

TEST(Image, ResizeAndCropShapes) {
  Generator gen(3);
  const Tensor wide = rand({3, 40, 60}, gen);
  EXPECT_EQ(resize_area(wide, 20, 30).shape(), (Shape{3, 20, 30}));
  EXPECT_EQ(resize_area(wide, 50, 70).shape(), (Shape{3, 50, 70}));
  EXPECT_EQ(center_crop(wide, 40, 40).shape(), (Shape{3, 40, 40}));
  EXPECT_EQ(resize_and_center_crop(wide, 16).shape(), (Shape{3, 16, 16}));
  EXPECT_EQ(resize_and_center_crop(rand({3, 30, 17}, gen), 64).shape(),
            (Shape{3, 64, 64}));
  expect_error([&] { center_crop(wide, 41, 10); }, {"center_crop", "(3, 40, 60)"});
  expect_error([&] { resize_area(zeros({40, 60}), 4, 4); }, {"resize_area", "(40, 60)"});
}

TEST(Image, ResizeKeepsConstantsAndAverages) {
  for (const Tensor& r : {resize_area(full({3, 37, 23}, 0.3f), 8, 11), resize_area(full({3, 5, 7}, 0.3f), 16, 9),
                          resize_and_center_crop(full({3, 90, 50}, 0.3f), 32)})
    for (float v : r.to_vector()) EXPECT_NEAR(v, 0.3f, 1e-6f);
  // 4 × 4 → 2 × 2 averages each 2 × 2 block.
  const Tensor x = reshape(arange(0, 16), {1, 4, 4});
  EXPECT_EQ(resize_area(x, 2, 2).to_vector(), (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
  // The centre crop keeps the middle columns.
  EXPECT_EQ(center_crop(reshape(arange(0, 6), {1, 1, 6}), 1, 2).to_vector(), (std::vector<float>{2, 3}));
  EXPECT_EQ(to_pixel_range(full({3, 2, 2}, 0.75f), PixelRange::MinusOneOne).to_vector()[0], 0.5f);
}

TEST(ImageFolder, SkipsUndecodableFilesWithOneWarningEach) {
  TempDir dir("folder");
  const Tensor cats = synthetic_cats(3, 20, 5);
  fs::create_directories(dir.path / "sub");
  save_image(reshape(slice(cats, 0, 0, 1), {3, 20, 20}), dir.file("b.png"));
  save_image(reshape(slice(cats, 0, 1, 2), {3, 20, 20}), dir.file("sub/c.PNG"));
  save_image(reshape(slice(cats, 0, 2, 3), {3, 20, 20}), dir.file("a.png"));
  std::ofstream(dir.file("broken.png")) << "garbage bytes";
  std::ofstream(dir.file("notes.txt")) << "ignored";
  std::ostringstream warnings;
  ImageFolder folder(dir.path.string(), 10, warnings);
  EXPECT_EQ(folder.count(), 3);
  EXPECT_EQ(folder.images().shape(), (Shape{3, 3, 10, 10}));
  ASSERT_EQ(folder.files().size(), 3u);
  EXPECT_EQ(fs::path(folder.files()[0]).filename(), "a.png");  // sorted
  ASSERT_EQ(folder.skipped().size(), 1u);
  const std::string w = warnings.str();
  EXPECT_EQ(std::count(w.begin(), w.end(), '\n'), 2) << w;  // the warning and the summary
  EXPECT_NE(w.find("broken.png"), std::string::npos) << w;
  EXPECT_EQ(folder.summary(), "image folder '" + dir.path.string() +
                                  "': 3 images read; skipped: 1 undecodable, 1 other file, 0 repeated links (2 folders)");
  EXPECT_NE(w.find(folder.summary()), std::string::npos) << w;
  // Images come in [0, 1]; a [-1, 1] model maps them (models/pixel_range.h).
  const std::vector<float> v = folder.images().to_vector();
  EXPECT_GE(*std::min_element(v.begin(), v.end()), 0.0f);
  EXPECT_LE(*std::max_element(v.begin(), v.end()), 1.0f);
  const std::vector<float> s = to_pixel_range(folder.images(), PixelRange::MinusOneOne).to_vector();
  EXPECT_LT(*std::min_element(s.begin(), s.end()), 0.0f);
  EXPECT_GE(*std::min_element(s.begin(), s.end()), -1.0f);
}

TEST(ImageFolder, EmptyOrMissingFolderIsAnErrorNamingIt) {
  TempDir dir("empty");
  const std::string empty = dir.path.string(), missing = dir.file("nowhere");
  expect_error([&] { ImageFolder f(empty, 16); }, {empty, "no PNG or JPEG"});
  expect_error([&] { ImageFolder f(missing, 16); }, {missing, "does not exist"});
  std::ofstream(dir.file("bad.jpg")) << "garbage";
  std::ostringstream warnings;
  expect_error([&] { ImageFolder f(empty, 16, warnings); }, {empty, "could be decoded"});
}

TEST(ImageFolder, ShufflingIsADeterministicPermutationPerSeedAndEpoch) {
  const std::vector<int64_t> a = epoch_order(50, 42, 0);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(a, epoch_order(50, 42, 0));
  EXPECT_NE(a, epoch_order(50, 42, 1));
  EXPECT_NE(a, epoch_order(50, 43, 0));

  TempDir dir("shuffle");
  const Tensor cats = synthetic_cats(5, 12, 9);
  for (int i = 0; i < 5; ++i)
    save_image(reshape(slice(cats, 0, i, i + 1), {3, 12, 12}), dir.file("cat" + std::to_string(i) + ".png"));
  ImageFolder folder(dir.path.string(), 12);
  EXPECT_EQ(folder.batches_per_epoch(2), 2);
  const Tensor batch = folder.batch(2, 42, 3, 1);
  EXPECT_EQ(batch.shape(), (Shape{2, 3, 12, 12}));
  EXPECT_EQ(batch.to_vector(), folder.batch(2, 42, 3, 1).to_vector());
  const std::vector<int64_t> order = epoch_order(5, 42, 3);
  EXPECT_EQ(batch.to_vector(), gather_rows(folder.images(), order, 2, 2).to_vector());
  expect_error([&] { folder.batch(2, 42, 3, 2); }, {dir.path.string(), "batch 2"});
}

TEST(Entropy, ConstantIsZeroAndUniformHistogramIsEightBits) {
  EXPECT_EQ(image_entropy(full({3, 8, 8}, 0.4f)), 0.0);
  // 256 pixels, one per grey level.
  Tensor ramp = Tensor::empty({3, 16, 16});
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 256; ++i) ramp.data()[c * 256 + i] = (float)i / 255.0f;
  EXPECT_NEAR(image_entropy(ramp), 8.0, 1e-12);
  // Two equally common levels: 1 bit; the batch mean of (0, 1) is 0.5.
  Tensor halves = full({3, 4, 4}, 0.0f);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 8; ++i) halves.data()[c * 16 + i] = 1.0f;
  EXPECT_NEAR(image_entropy(halves), 1.0, 1e-12);
  EXPECT_NEAR(mean_image_entropy(concat({reshape(halves, {1, 3, 4, 4}), full({1, 3, 4, 4}, 0.2f)}, 0)), 0.5, 1e-12);
  // Synthetic cats lie in between.
  const double cats = mean_image_entropy(synthetic_cats(4, 32, 1));
  EXPECT_GT(cats, 3.0);
  EXPECT_LT(cats, 8.0);
}

TEST(Entropy, OfAFolder) {
  TempDir dir("entropy");
  save_image(full({3, 6, 6}, 0.5f), dir.file("flat.png"));
  Tensor halves = full({3, 2, 2}, 0.0f);
  for (int c = 0; c < 3; ++c) halves.data()[c * 4] = halves.data()[c * 4 + 1] = 1.0f;
  save_image(halves, dir.file("halves.png"));
  std::ostringstream warnings;
  const FolderEntropy e = folder_entropy(dir.path.string(), warnings);
  EXPECT_EQ(e.images, 2);
  EXPECT_NEAR(e.mean_bits, 0.5, 1e-12);
  expect_error([&] { folder_entropy(dir.file("nope")); }, {"nope", "does not exist"});
}

}  // namespace
}  // namespace murine
