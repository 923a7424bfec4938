// Image tensors to PNG: single images and grids (io/image_grid.h).
#include "io/image_grid.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"

namespace murine {

namespace {

constexpr int kBorder = 2;
constexpr Rgb kBorderColour{40, 40, 40};

uint8_t to_byte(float v) { return (uint8_t)std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f); }

// Paints image (C, H, W) (C = 1 or 3, planes of `plane` floats) with its top-left corner at (x0, y0).
void paint(Canvas& canvas, const float* data, int channels, int height, int width, int x0, int y0) {
  const int64_t plane = (int64_t)height * width;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const int64_t p = (int64_t)y * width + x;
      const float r = data[p], g = data[(channels == 3 ? 1 : 0) * plane + p], b = data[(channels == 3 ? 2 : 0) * plane + p];
      canvas.set(x0 + x, y0 + y, Rgb{to_byte(r), to_byte(g), to_byte(b)});
    }
}

}  // namespace

Canvas image_to_canvas(const Tensor& image) {
  MURINE_CHECK(image.defined() && image.rank() == 3 && (image.size(0) == 1 || image.size(0) == 3) &&
                   image.size(1) >= 1 && image.size(2) >= 1,
               "image_to_canvas: expected an image (3, H, W) or (1, H, W); got "
                   << (image.defined() ? shape_str(image.shape()) : std::string("an undefined tensor")));
  const Tensor host = image.to(Device::CPU);
  Canvas canvas((int)image.size(2), (int)image.size(1), Rgb{0, 0, 0});
  paint(canvas, host.data(), (int)image.size(0), (int)image.size(1), (int)image.size(2), 0, 0);
  return canvas;
}

void save_image(const Tensor& image, const std::string& path) { write_png(path, image_to_canvas(image)); }

void save_grid(const Tensor& images, int columns, const std::string& path) {
  MURINE_CHECK(images.defined() && images.rank() == 4 && images.size(0) >= 1 &&
                   (images.size(1) == 1 || images.size(1) == 3) && images.size(2) >= 1 && images.size(3) >= 1,
               "save_grid: expected images (N, 3, H, W) or (N, 1, H, W) with N >= 1; got "
                   << (images.defined() ? shape_str(images.shape()) : std::string("an undefined tensor")));
  MURINE_CHECK(columns >= 1, "save_grid: columns must be >= 1; got " << columns);
  const Tensor host = images.to(Device::CPU);
  const int n = (int)images.size(0), channels = (int)images.size(1);
  const int height = (int)images.size(2), width = (int)images.size(3);
  const int cols = std::min(columns, n), rows = (n + cols - 1) / cols;
  Canvas canvas(kBorder + cols * (width + kBorder), kBorder + rows * (height + kBorder), kBorderColour);
  const int64_t per_image = (int64_t)channels * height * width;
  for (int i = 0; i < n; ++i)
    paint(canvas, host.data() + i * per_image, channels, height, width, kBorder + (i % cols) * (width + kBorder),
          kBorder + (i / cols) * (height + kBorder));
  write_png(path, canvas);
}

}  // namespace murine
