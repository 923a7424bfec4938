// One reference case (tests/reference/README.md, docs/spec/reference-cases.md): a directory
// with case.json and .npy files holding what PyTorch or Keras computed for one layer. run_case
// rebuilds the layer in murine from case.json, loads the weights, and compares the window, the
// forward output and the gradients. It never throws: a malformed case is a FAIL with the reason.
#pragma once
#include <string>

#include "tensor/device.h"

namespace murine {

struct CaseResult {
  bool pass = false;
  std::string message;        // what differs (FAIL) or is missing
  double usage_percent = -1;  // the window's %usage, -1 for unmasked layers
  double worst_error = 0;     // max over compared tensors of max|a-b| / max(max|b|, 1e-12)
};

CaseResult run_case(const std::string& dir, Device device);

}  // namespace murine
