// A block of device memory shared by every tensor that views it (reshape, detach).
#pragma once
#include <cstddef>
#include <memory>

#include "tensor/device.h"

namespace murine {

struct Storage {
  Storage(Device device, size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  Device device;
  size_t bytes;
  void* ptr;
};

}  // namespace murine
