// Where a tensor's storage lives. Moving between devices is always explicit (Tensor::to).
#pragma once

namespace murine {

enum class Device { CPU, CUDA };

inline const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "cuda"; }

}  // namespace murine
