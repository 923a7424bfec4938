// libFuzzer harness: data/image.h decode_image on the bytes (PNG, JPEG, whatever the reader sniffs).
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "data/image.h"
#include "fuzz/fuzz_input.h"
#include "tensor/error.h"

// A small pixel limit: the fuzzer otherwise spends its time allocating and filling legitimate
// 16-megapixel images (15 executions a second under ASan) instead of exploring the decoders' parsing.
// The limit's own check is the same code at any value.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  murine::set_max_image_pixels(1 << 16);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "input.img");
  try {
    murine::decode_image(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
