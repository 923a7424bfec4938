// libFuzzer harness: train/checkpoint.h load_checkpoint on the bytes as a checkpoint file.
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "tensor/error.h"
#include "train/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "checkpoint.safetensors");
  try {
    murine::load_checkpoint(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
