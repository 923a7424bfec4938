// Helpers shared by the file-format tests (test_npy.cpp, test_safetensors.cpp,
// test_atomic_file.cpp): fixture and scratch paths, raw file bytes, the values that
// tests/fixtures/gen_io_fixtures.py writes, and checking a murine::Error's message.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tensor/error.h"
#include "tests/expect_error.h"

namespace murine::io_test {

// tests/fixtures/io/<name> under $MURINE_SOURCE_DIR (default ".": tests run from the repo root).
inline std::string fixture_path(const std::string& name) {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root && *root ? root : ".") + "/tests/fixtures/io/" + name;
}

// A fresh path in this process's scratch directory under GoogleTest's TempDir(); the directory
// is removed when the test program exits.
inline std::string temp_path(const std::string& name) {
  struct ScratchDir {
    std::string path = ::testing::TempDir() + "murine_io_" + std::to_string(::getpid());
    ScratchDir() { std::filesystem::create_directories(path); }
    ~ScratchDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static ScratchDir dir;
  std::string path = dir.path + "/" + name;
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), (std::streamsize)bytes.size());
  ASSERT_TRUE(out) << "cannot write " << path;
}

// The fixture formulas over the flat index i (keep in step with gen_io_fixtures.py).
inline std::vector<float> f4_values(int64_t n) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = (float)i / 3.0f - 1.0f;
  return v;
}
inline std::vector<double> f8_values(int64_t n) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = (double)i / 7.0 - 0.5;
  return v;
}
inline std::vector<uint8_t> u1_values(int64_t n) {
  std::vector<uint8_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = (uint8_t)((37 * i + 200) % 256);
  return v;
}
inline std::vector<int64_t> i8_values(int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = 1000003 * i - 2000006;
  return v;
}

using murine::testing::expect_error;

}  // namespace murine::io_test
