// The murine version string, with the backends this binary was built with.
#pragma once
#include <string>

#include "tensor/backend.h"

namespace murine {

inline constexpr const char* kVersion = "0.1.0";

inline std::string version_string() {
  std::string s = kVersion;
  s += " (backends: cpu";
  if (device_built(Device::CUDA))
    s += device_available(Device::CUDA) ? ", cuda" : ", cuda [no GPU visible]";
  return s + ")";
}

}  // namespace murine
