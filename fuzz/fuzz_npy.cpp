// libFuzzer harness: io/npy.h read_npy on the bytes as a .npy file.
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "io/npy.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "input.npy");
  try {
    murine::read_npy(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
