// Decoding PNG and JPEG files with Debian's reference decoders, libpng (its simplified png_image API)
// and libjpeg-turbo (data/image.h decode_image). Chosen over the bundled stb_image by robustness:
// both are the fuzzed, maintained decoders every distribution ships (stb_image's JPEG Huffman parsing
// wrote out of bounds on a crafted 405-byte file), they decode exactly the two formats murine claims,
// and both give the declared size from the header before any pixel is decoded, so the size limits
// below are checked before the image's memory is allocated.
#include <png.h>
#include <stdio.h>  // jpeglib.h needs FILE and size_t first
#include <jpeglib.h>

#include <atomic>
#include <csetjmp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "data/image.h"
#include "tensor/error.h"

namespace murine {

namespace {

std::atomic<int64_t> g_max_pixels{kDefaultMaxImagePixels};

// The file's bytes (at most a bound derived from the pixel limit: compressed data is rarely larger
// than 4 bytes a pixel plus the metadata).
std::vector<unsigned char> read_bytes(const std::string& path) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  MURINE_CHECK(!ec, "decode_image: cannot read '" << path << "': " << ec.message());
  const uintmax_t limit = (uintmax_t)g_max_pixels.load() * 8 + (64u << 20);
  MURINE_CHECK(size <= limit, "decode_image: '" << path << "' is " << size << " bytes, more than the " << limit
                                                << " an image within the pixel limit needs");
  std::vector<unsigned char> bytes((size_t)size);
  std::ifstream in(path, std::ios::binary);
  MURINE_CHECK(in, "decode_image: cannot open '" << path << "'");
  in.read(reinterpret_cast<char*>(bytes.data()), (std::streamsize)bytes.size());
  MURINE_CHECK((uintmax_t)in.gcount() == size, "decode_image: short read of '" << path << "'");
  return bytes;
}

void check_size(const std::string& path, uint64_t width, uint64_t height) {
  MURINE_CHECK(width >= 1 && height >= 1, "decode_image: '" << path << "' declares an empty image (" << width << " x "
                                                            << height << ")");
  const int64_t limit = g_max_pixels.load();
  MURINE_CHECK(width * height <= (uint64_t)limit,
               "decode_image: '" << path << "' declares " << width << " x " << height << " = " << width * height
                                 << " pixels, above the limit of " << limit << " (--max-image-pixels)");
  const uint64_t lo = std::min(width, height), hi = std::max(width, height);
  MURINE_CHECK(hi <= lo * kMaxImageAspect, "decode_image: '" << path << "' is " << width << " x " << height
                                                             << ": sides more than " << kMaxImageAspect
                                                             << " : 1 apart are refused");
}

// Interleaved 8-bit RGB → (3, H, W) in [0, 1].
Tensor planes_from_rgb(const unsigned char* rgb, int64_t height, int64_t width, int stride_channels) {
  Tensor image = Tensor::empty({3, height, width});
  float* out = image.data();
  const int64_t plane = height * width;
  for (int64_t p = 0; p < plane; ++p)
    for (int c = 0; c < 3; ++c) out[c * plane + p] = rgb[p * stride_channels + c] / 255.0f;
  return image;
}

Tensor decode_png(const std::string& path, const std::vector<unsigned char>& bytes) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    MURINE_CHECK(false, "decode_image: cannot decode PNG '" << path << "': " << png.message);
  try {
    check_size(path, png.width, png.height);
  } catch (...) {
    png_image_free(&png);
    throw;
  }
  // RGBA, alpha then dropped (not composited), as murine always has: grey, palette and 16-bit become 8-bit RGB
  png.format = PNG_FORMAT_RGBA;
  std::vector<unsigned char> rgba(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, rgba.data(), 0, nullptr)) {
    const std::string message = png.message;
    png_image_free(&png);
    MURINE_CHECK(false, "decode_image: cannot decode PNG '" << path << "': " << message);
  }
  return planes_from_rgb(rgba.data(), png.height, png.width, 4);
}

// libjpeg reports errors through error_exit, which must not return: jump back to the caller.
struct JpegError {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr cinfo) {
  JpegError* e = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}

void jpeg_no_output(j_common_ptr) {}  // warnings (corrupt but decodable data) are not printed

Tensor decode_jpeg(const std::string& path, const std::vector<unsigned char>& bytes) {
  jpeg_decompress_struct cinfo;
  JpegError error;
  cinfo.err = jpeg_std_error(&error.manager);
  error.manager.error_exit = jpeg_error_exit;
  error.manager.output_message = jpeg_no_output;
  // The objects the code after setjmp changes live behind pointers made before it, which the jump
  // leaves intact (a local changed between setjmp and longjmp would be indeterminate after it).
  const auto rgb_owner = std::make_unique<std::vector<unsigned char>>();
  std::vector<unsigned char>& rgb = *rgb_owner;
  JSAMPROW row = nullptr;
  if (setjmp(error.jump)) {
    jpeg_destroy_decompress(&cinfo);
    MURINE_CHECK(false, "decode_image: cannot decode JPEG '" << path << "': " << error.message);
  }
  jpeg_create_decompress(&cinfo);
  cinfo.mem->max_memory_to_use = 512L << 20;
  jpeg_mem_src(&cinfo, bytes.data(), (unsigned long)bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  try {
    check_size(path, cinfo.image_width, cinfo.image_height);
  } catch (...) {  // as decode_png: free the decoder, then let the size error out
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;  // grey and YCbCr become RGB
  jpeg_start_decompress(&cinfo);
  const int channels = cinfo.output_components;
  rgb.resize((size_t)cinfo.output_width * cinfo.output_height * channels);
  while (cinfo.output_scanline < cinfo.output_height) {
    row = rgb.data() + (size_t)cinfo.output_scanline * cinfo.output_width * channels;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  const int64_t width = cinfo.output_width, height = cinfo.output_height;
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  if (cmyk) {  // Adobe's inverted CMYK (what Photoshop writes): R = C·K/255, G = M·K/255, B = Y·K/255
    for (int64_t p = 0; p < width * height; ++p) {
      unsigned char* px = rgb.data() + p * 4;
      for (int c = 0; c < 3; ++c) px[c] = (unsigned char)((px[c] * px[3] + 127) / 255);
    }
  }
  return planes_from_rgb(rgb.data(), height, width, channels);
}

}  // namespace

void set_max_image_pixels(int64_t pixels) {
  MURINE_CHECK(pixels >= 1, "set_max_image_pixels: the limit must be positive, got " << pixels);
  g_max_pixels = pixels;
}

int64_t max_image_pixels() { return g_max_pixels.load(); }

Tensor decode_image(const std::string& path) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), kPng, 8) == 0) return decode_png(path, bytes);
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) return decode_jpeg(path, bytes);
  MURINE_CHECK(false, "decode_image: '" << path << "' is neither a PNG nor a JPEG file (by its first bytes)");
  return {};
}

}  // namespace murine
