// Image decoding (data/image_decode.cpp, libpng and libjpeg-turbo): the colour types decode to RGB;
// truncated and crafted files (a JPEG Huffman table of more than 256 codes, GIF/BMP/PPM named .png,
// headers declaring huge, empty or extreme images) are errors naming the file; the size limit is
// checked from the header before decoding and can be changed.
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"
#include "expect_error.h"
#include "io/image_grid.h"
#include "io_test_helpers.h"
#include "tests/crafted_files.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace murine {
namespace {

using murine::io_test::read_file;
using murine::io_test::temp_path;
using murine::io_test::write_file;
using murine::testing::expect_error;

using testing::png_declaring;
using testing::jpeg_with_512_huffman_codes;

TEST(ImageDecoding, ColourTypesBecomeRgb) {
  // grey and RGBA PNGs through libpng's writer; the alpha is dropped, not composited
  const std::string grey = temp_path("grey.png"), rgba = temp_path("rgba.png"), jpg = temp_path("grey.jpg");
  const unsigned char g[4] = {0, 85, 170, 255};
  png_image w{};
  w.version = PNG_IMAGE_VERSION, w.width = 2, w.height = 2, w.format = PNG_FORMAT_GRAY;
  ASSERT_TRUE(png_image_write_to_file(&w, grey.c_str(), 0, g, 0, nullptr));
  Tensor a = decode_image(grey);
  ASSERT_EQ(a.shape(), (Shape{3, 2, 2}));
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(a.data()[c * 4 + 1], 85 / 255.0f);
  const unsigned char px[8] = {255, 0, 0, 0, 0, 255, 0, 128};  // red transparent, green half
  png_image w2{};
  w2.version = PNG_IMAGE_VERSION, w2.width = 2, w2.height = 1, w2.format = PNG_FORMAT_RGBA;
  ASSERT_TRUE(png_image_write_to_file(&w2, rgba.c_str(), 0, px, 0, nullptr));
  Tensor b = decode_image(rgba);
  EXPECT_FLOAT_EQ(b.data()[0], 1.0f);   // R of pixel 0, alpha 0 ignored
  EXPECT_FLOAT_EQ(b.data()[3], 1.0f);   // G of pixel 1
  // a one-channel JPEG (stb's writer) decodes to three equal planes
  std::vector<unsigned char> flat(16 * 16, 200);
  ASSERT_TRUE(stbi_write_jpg(jpg.c_str(), 16, 16, 1, flat.data(), 95));
  Tensor j = decode_image(jpg);
  ASSERT_EQ(j.shape(), (Shape{3, 16, 16}));
  EXPECT_NEAR(j.data()[0], 200 / 255.0f, 2 / 255.0f);
  EXPECT_EQ(j.data()[0], j.data()[256]);
}

TEST(ImageDecoding, TruncatedAndForeignFilesAreErrorsNamingTheFile) {
  const std::string png = temp_path("whole.png"), jpg = temp_path("whole.jpg");
  Tensor image = Tensor::empty({3, 32, 32});
  for (int64_t i = 0; i < image.numel(); ++i) image.data()[i] = (float)(i % 13) / 13.0f;
  save_image(image, png);
  std::vector<unsigned char> rgb(32 * 32 * 3, 77);
  ASSERT_TRUE(stbi_write_jpg(jpg.c_str(), 32, 32, 3, rgb.data(), 90));
  const std::string cut_png = temp_path("cut.png"), cut_jpg = temp_path("cut.jpg");
  write_file(cut_png, read_file(png).substr(0, read_file(png).size() / 2));
  write_file(cut_jpg, read_file(jpg).substr(0, 200));
  expect_error([&] { decode_image(cut_png); }, {"decode_image", "cut.png"});
  const std::string gif = temp_path("gif.png"), bmp = temp_path("bmp.png"), ppm = temp_path("ppm.png");
  write_file(gif, "GIF89a\x01\x00\x01\x00\x00\x00\x00;");
  write_file(bmp, std::string("BM") + std::string(60, '\0'));
  write_file(ppm, "P6\n1 1\n255\n\xff\x00\x00");
  for (const std::string& f : {gif, bmp, ppm})
    expect_error([&] { decode_image(f); }, {"decode_image", f, "neither a PNG nor a JPEG"});
  // a truncated JPEG: libjpeg pads the missing data (a warning, not an error), so it decodes whole
  // or fails with a message, but never crashes
  try {
    EXPECT_EQ(decode_image(cut_jpg).shape(), (Shape{3, 32, 32}));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cut.jpg"), std::string::npos);
  }
}

TEST(ImageDecoding, AHuffmanTableOfMoreThan256CodesIsAnError) {
  const std::string bytes = jpeg_with_512_huffman_codes();
  const std::string path = temp_path("huffman.jpg");
  write_file(path, bytes);
  expect_error([&] { decode_image(path); }, {"decode_image", "cannot decode JPEG", "huffman.jpg"});
}

TEST(ImageDecoding, DeclaredSizesAreCheckedBeforeDecoding) {
  const std::string huge = temp_path("huge.png"), thin = temp_path("thin.png"), empty = temp_path("empty.png");
  write_file(huge, png_declaring(100000, 100000));
  write_file(thin, png_declaring(100000, 1));
  write_file(empty, png_declaring(0, 5));
  expect_error([&] { decode_image(huge); }, {"huge.png", "100000 x 100000", "above the limit of 16777216", "--max-image-pixels"});
  expect_error([&] { decode_image(thin); }, {"thin.png", "100000 x 1", "64 : 1"});
  expect_error([&] { decode_image(empty); }, {"decode_image", "empty.png"});
  const std::string small = temp_path("small.png");
  save_image(Tensor::empty({3, 20, 20}), small);
  set_max_image_pixels(100);
  expect_error([&] { decode_image(small); }, {"20 x 20 = 400 pixels", "limit of 100"});
  set_max_image_pixels(kDefaultMaxImagePixels);
  EXPECT_EQ(decode_image(small).shape(), (Shape{3, 20, 20}));
}

// resize_and_center_crop resizes only the window it keeps: the same values, bit for bit, as resizing
// the whole image and cutting the window out, for wide, tall and square images.
TEST(ImageResize, TheCroppedWindowAloneEqualsResizeThenCrop) {
  for (Shape shape : {Shape{3, 5, 200}, Shape{3, 300, 7}, Shape{3, 33, 47}, Shape{1, 64, 64}}) {
    Tensor image = Tensor::empty(shape);
    for (int64_t i = 0; i < image.numel(); ++i) image.data()[i] = (float)((i * 37) % 101) / 100.0f;
    for (int size : {4, 16, 40}) {
      const double H = (double)shape[1], W = (double)shape[2], scale = size / std::min(H, W);
      const int height = std::max(size, (int)std::lround(H * scale)), width = std::max(size, (int)std::lround(W * scale));
      const Tensor want = center_crop(resize_area(image, height, width), size, size);
      EXPECT_EQ(resize_and_center_crop(image, size).to_vector(), want.to_vector()) << shape_str(shape) << " → " << size;
    }
  }
}

}  // namespace
}  // namespace murine
