// The --max-image-pixels option of the commands that decode image files (data/image.h's size limit).
#include <cstdint>
#include <string>

#include "data/image.h"
#include "tools/command.h"

namespace murine::cli {

void add_image_limit_option(CLI::App* app) {
  app->add_option_function<int64_t>(
      "--max-image-pixels", [](const int64_t& pixels) { set_max_image_pixels(pixels); },
      "refuse image files declaring more pixels than this, checked before decoding (default " +
          std::to_string(kDefaultMaxImagePixels) + " = 4096 x 4096)");
}

}  // namespace murine::cli
