// Writes the JPEG seeds of the `image` harness with libjpeg's compressor (fuzz/README.md):
// baseline grey, baseline RGB, progressive RGB and Adobe CMYK, each 8×6 pixels, into the folder given.
//   g++ -O1 fuzz/jpeg_seeds.cpp -ljpeg -o /tmp/jpeg_seeds && /tmp/jpeg_seeds fuzz/corpus/image
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <jpeglib.h>  // after <cstdio>: it uses FILE and size_t without including them

namespace {

void write_jpeg(const std::string& path, J_COLOR_SPACE space, int channels, bool progressive) {
  const int w = 8, h = 6;
  std::vector<JSAMPLE> pixels(w * h * channels);
  for (int i = 0; i < w * h * channels; ++i) pixels[i] = (JSAMPLE)((i * 37) % 256);
  FILE* out = std::fopen(path.c_str(), "wb");
  if (!out) {
    std::perror(path.c_str());
    return;
  }
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, out);
  cinfo.image_width = w;
  cinfo.image_height = h;
  cinfo.input_components = channels;
  cinfo.in_color_space = space;
  jpeg_set_defaults(&cinfo);
  if (space == JCS_CMYK) jpeg_set_colorspace(&cinfo, JCS_YCCK);  // what Adobe writes
  jpeg_set_quality(&cinfo, 75, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = &pixels[cinfo.next_scanline * w * channels];
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  std::fclose(out);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  write_jpeg(dir + "/gray_8x6.jpg", JCS_GRAYSCALE, 1, false);
  write_jpeg(dir + "/rgb_8x6.jpg", JCS_RGB, 3, false);
  write_jpeg(dir + "/rgb_8x6_progressive.jpg", JCS_RGB, 3, true);
  write_jpeg(dir + "/cmyk_8x6.jpg", JCS_CMYK, 4, false);
  return 0;
}
