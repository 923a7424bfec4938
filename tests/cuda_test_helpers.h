// What the CUDA tests share: the skip when the CUDA backend cannot run here, with the registry's
// reason ("built without the CUDA backend (rebuild with make CUDA=1)" or "no CUDA device is
// visible on this machine"). Used by tests/test_cuda_ops.cpp and the CUDA cases of the I/O tests.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "tensor/backend.h"
#include "tensor/error.h"

namespace murine::testing {

// The registry's own words for why Device::CUDA cannot run tensors.
inline std::string cuda_unavailable_reason() {
  try {
    backend(Device::CUDA);
  } catch (const Error& e) {
    return e.what();
  }
  return "the CUDA backend is registered but reports no device";
}

}  // namespace murine::testing

// First statement of a CUDA test: skips it, saying why, when no CUDA device can run it.
#define SKIP_WITHOUT_CUDA()                         \
  if (!::murine::device_available(::murine::Device::CUDA)) \
  GTEST_SKIP() << ::murine::testing::cuda_unavailable_reason()
