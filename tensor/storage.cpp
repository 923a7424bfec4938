// Storage: allocation and release through the owning device's backend.
#include "tensor/storage.h"

#include "tensor/backend.h"

namespace murine {

Storage::Storage(Device device, size_t bytes)
    : device(device), bytes(bytes), ptr(backend(device).allocate(bytes)) {}

Storage::~Storage() { backend(device).deallocate(ptr, bytes); }

}  // namespace murine
