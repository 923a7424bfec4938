// libFuzzer harness: data/idx.h read_idx_images and read_idx_labels on the bytes.
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "data/idx.h"
#include "fuzz/fuzz_input.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "input.idx");
  try {
    murine::read_idx_images(path);
  } catch (const murine::Error&) {
  }
  try {
    murine::read_idx_labels(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
