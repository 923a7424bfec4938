// libFuzzer harness: io/safetensors.h read_safetensors and read_safetensors_metadata on the bytes.
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "io/safetensors.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "input.safetensors");
  try {
    murine::read_safetensors_metadata(path);
  } catch (const murine::Error&) {
  }
  try {
    murine::read_safetensors(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
