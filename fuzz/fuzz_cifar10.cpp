// libFuzzer harness: data/cifar10.h read_cifar10_batch on the bytes as a CIFAR-10 binary batch.
// murine::Error is the expected answer to bad bytes; anything else (a crash, a sanitizer report,
// another exception) is a finding.
#include <cstddef>
#include <cstdint>

#include "data/cifar10.h"
#include "fuzz/fuzz_input.h"
#include "tensor/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = murine::fuzz::write_input(data, size, "data_batch.bin");
  try {
    murine::read_cifar10_batch(path);
  } catch (const murine::Error&) {
  }
  return 0;
}
