// libFuzzer harness: tools/reference_case.h run_case on a folder whose case.json is the bytes (the
// weights and tensors it names are absent, so the reader must refuse them cleanly).
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_input.h"
#include "tensor/error.h"
#include "tools/reference_case.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  murine::fuzz::write_input(data, size, "case.json");
  try {
    murine::run_case(murine::fuzz::input_dir(), murine::Device::CPU);
  } catch (const murine::Error&) {
  }
  return 0;
}
