// Canvas: a small RGB picture with the few drawing operations murine's figures need (rectangles,
// lines, circles, text in a built-in 5×7 bitmap font), and write_png, which saves it atomically
// through stb_image_write (Debian's libstb-dev) and io/atomic_file.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace murine {

struct Rgb {
  uint8_t r, g, b;
};

// Two control characters the font draws as arrows: "U" + std::string(1, kArrowRight).
inline constexpr char kArrowRight = '\x1a', kArrowDown = '\x19';

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);
  int width() const { return width_; }
  int height() const { return height_; }
  // Row-major RGB bytes, 3 per pixel.
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  // Every drawing call clips to the clip rectangle (initially the whole canvas); coordinates are
  // pixels, y pointing down.
  void set_clip(int x, int y, int w, int h);
  void reset_clip() { set_clip(0, 0, width_, height_); }
  void set(int x, int y, Rgb c);
  Rgb get(int x, int y) const;
  void fill_rect(int x, int y, int w, int h, Rgb c);
  void outline_rect(int x, int y, int w, int h, Rgb c, int thickness = 1);
  void line(int x0, int y0, int x1, int y1, Rgb c, int thickness = 1);
  // Points at distance radius ± thickness/2 from the centre (sub-pixel centre allowed).
  void circle(double cx, double cy, double radius, Rgb c, double thickness = 1.5);
  void disc(double cx, double cy, double radius, Rgb c);

  // Text in the 5×7 font, each font pixel drawn as scale×scale; (x, y) is the top-left corner.
  // Knows digits, A-Z (lower case is drawn as upper case), space and . , : ; ( ) [ ] - + = % / < > _ *
  // ' |, the arrows kArrowRight and kArrowDown, and draws '?' for anything else. Returns the width.
  int text(int x, int y, const std::string& s, Rgb c, int scale = 2);
  static int text_width(const std::string& s, int scale = 2);
  static int text_height(int scale = 2) { return 7 * scale; }

 private:
  int width_, height_;
  int clip_x0_ = 0, clip_y0_ = 0, clip_x1_ = 0, clip_y1_ = 0;  // half open [x0, x1) × [y0, y1)
  std::vector<uint8_t> pixels_;
};

// Writes the canvas as an 8-bit RGB PNG. Throws murine::Error naming the path when it cannot.
void write_png(const std::string& path, const Canvas& canvas);

}  // namespace murine
