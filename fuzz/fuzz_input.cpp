#include "fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace murine::fuzz {

std::string input_dir() {
  static const std::string dir = [] {
    auto path = std::filesystem::temp_directory_path() / ("murine-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path.string();
  }();
  return dir;
}

std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  std::string path = input_dir() + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("fuzz: cannot write " + path);  // the harness, not the reader
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace murine::fuzz
