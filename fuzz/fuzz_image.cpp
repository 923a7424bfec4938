// libFuzzer harness: data/image.h decode_image on the bytes (PNG, JPEG, whatever the reader sniffs).
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "data/image.h"
#include "fuzz/fuzz_input.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "input.img");
  try {
    murine::decode_image(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
