// Canvas drawing, the 5×7 bitmap font, and the PNG writer (io/png.h).
#include "io/png.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "io/atomic_file.h"
#include "tensor/error.h"

// The stb implementation lives in this one translation unit; STATIC keeps its symbols private.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace murine {

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_((size_t)width * height * 3) {
  MURINE_CHECK(width > 0 && height > 0, "Canvas: size must be positive; got " << width << " x " << height);
  reset_clip();
  fill_rect(0, 0, width, height, background);
}

void Canvas::set_clip(int x, int y, int w, int h) {
  clip_x0_ = std::max(x, 0), clip_y0_ = std::max(y, 0);
  clip_x1_ = std::min(x + w, width_), clip_y1_ = std::min(y + h, height_);
}

void Canvas::set(int x, int y, Rgb c) {
  if (x < clip_x0_ || y < clip_y0_ || x >= clip_x1_ || y >= clip_y1_) return;
  uint8_t* p = &pixels_[((size_t)y * width_ + x) * 3];
  p[0] = c.r, p[1] = c.g, p[2] = c.b;
}

Rgb Canvas::get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return {0, 0, 0};
  const uint8_t* p = &pixels_[((size_t)y * width_ + x) * 3];
  return {p[0], p[1], p[2]};
}

void Canvas::fill_rect(int x, int y, int w, int h, Rgb c) {
  const int x0 = std::max(x, clip_x0_), y0 = std::max(y, clip_y0_);
  const int x1 = std::min(x + w, clip_x1_), y1 = std::min(y + h, clip_y1_);
  for (int yy = y0; yy < y1; ++yy)
    for (int xx = x0; xx < x1; ++xx) set(xx, yy, c);
}

void Canvas::outline_rect(int x, int y, int w, int h, Rgb c, int t) {
  fill_rect(x, y, w, t, c);
  fill_rect(x, y + h - t, w, t, c);
  fill_rect(x, y, t, h, c);
  fill_rect(x + w - t, y, t, h, c);
}

// Steps along the longer axis, one square dot of side `thickness` per step.
void Canvas::line(int x0, int y0, int x1, int y1, Rgb c, int thickness) {
  const int steps = std::max(std::abs(x1 - x0), std::abs(y1 - y0));
  for (int k = 0; k <= steps; ++k) {
    const double t = steps ? (double)k / steps : 0.0;
    const int x = (int)std::lround(x0 + t * (x1 - x0)), y = (int)std::lround(y0 + t * (y1 - y0));
    fill_rect(x - thickness / 2, y - thickness / 2, thickness, thickness, c);
  }
}

void Canvas::circle(double cx, double cy, double radius, Rgb c, double thickness) {
  const int r = (int)std::ceil(radius + thickness);
  for (int y = (int)std::floor(cy) - r; y <= (int)std::ceil(cy) + r; ++y)
    for (int x = (int)std::floor(cx) - r; x <= (int)std::ceil(cx) + r; ++x) {
      const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy);
      if (std::abs(d - radius) <= thickness / 2) set(x, y, c);
    }
}

void Canvas::disc(double cx, double cy, double radius, Rgb c) {
  const int r = (int)std::ceil(radius) + 1;
  for (int y = (int)std::floor(cy) - r; y <= (int)std::ceil(cy) + r; ++y)
    for (int x = (int)std::floor(cx) - r; x <= (int)std::ceil(cx) + r; ++x)
      if (std::hypot(x + 0.5 - cx, y + 0.5 - cy) <= radius) set(x, y, c);
}

namespace {

// 5×7 glyphs: seven rows, top first; bit 4 is the leftmost column.
struct Glyph {
  char ch;
  uint8_t rows[7];
};

constexpr Glyph kFont[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1E, 0x01, 0x01, 0x0E, 0x01, 0x01, 0x1E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}},
    {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}},
    {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}},
    {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}},
    {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}},
    {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}},
    {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}},
    {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}},
    {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}},
    {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}},
    {'Y', {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}},
    {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {';', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}},
    {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'[', {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E}},
    {']', {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}},
    {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
    {'<', {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}},
    {'>', {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}},
    {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
    {'*', {0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x00}},
    {'\'', {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00}},
    {'|', {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}},
    {kArrowRight, {0x00, 0x04, 0x02, 0x1F, 0x02, 0x04, 0x00}},
    {kArrowDown, {0x04, 0x04, 0x04, 0x04, 0x15, 0x0E, 0x04}},
    {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
};

const Glyph& glyph(char ch) {
  const char up = (char)std::toupper((unsigned char)ch);
  for (const Glyph& g : kFont)
    if (g.ch == up) return g;
  return kFont[sizeof(kFont) / sizeof(kFont[0]) - 1];  // '?'
}

}  // namespace

// Each glyph is 5 columns plus 1 column of spacing.
int Canvas::text_width(const std::string& s, int scale) { return (int)s.size() * 6 * scale - scale; }

int Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  int pen = x;
  for (char ch : s) {
    const Glyph& g = glyph(ch);
    for (int row = 0; row < 7; ++row)
      for (int col = 0; col < 5; ++col)
        if (g.rows[row] & (0x10 >> col)) fill_rect(pen + col * scale, y + row * scale, scale, scale, c);
    pen += 6 * scale;
  }
  return pen - x - scale;
}

namespace {
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}
}  // namespace

void write_png(const std::string& path, const Canvas& canvas) {
  std::vector<uint8_t> encoded;
  const int ok = stbi_write_png_to_func(append_bytes, &encoded, canvas.width(), canvas.height(), 3,
                                        canvas.pixels().data(), canvas.width() * 3);
  MURINE_CHECK(ok && !encoded.empty(), "write_png: cannot encode a " << canvas.width() << " x "
                                                                     << canvas.height() << " image for '"
                                                                     << path << "'");
  AtomicFile file(path, "write_png");
  file.write(encoded.data(), encoded.size());
  file.commit();
}

}  // namespace murine
