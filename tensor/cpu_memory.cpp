// CPU backend: host memory (64-byte aligned, for vector loads), copies, fills and random streams.
#include <cstdlib>
#include <cstring>
#include <new>

#include "tensor/cpu_backend.h"
#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

void* CpuBackend::allocate(size_t bytes) {
  size_t rounded = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, rounded ? rounded : 64);
  MURINE_CHECK(p, "allocate: out of host memory asking for " << bytes << " bytes");
  return p;
}

void CpuBackend::deallocate(void* ptr, size_t) { std::free(ptr); }

void CpuBackend::copy_from_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
void CpuBackend::copy(void* dst, const void* src, size_t bytes) { std::memmove(dst, src, bytes); }

void CpuBackend::fill(float* out, int64_t n, float value) {
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = value;
}

void CpuBackend::arange(float* out, int64_t n, float start, float step) {
  for (int64_t i = 0; i < n; ++i) out[i] = start + (float)i * step;
}

void CpuBackend::rand_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset) {
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = philox::uniform_at(seed, offset, i);
}

void CpuBackend::rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) {
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) out[i] = philox::normal_at(seed, offset, i);
}

}  // namespace murine
