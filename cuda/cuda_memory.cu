// CUDA backend: device memory (the caching allocator), copies, fills and random streams; the twin
// of tensor/cpu_memory.cpp, one thread per element where the CPU has one loop iteration.
#include "cuda/allocator.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/launch.h"
#include "tensor/philox.h"

namespace murine {

using cuda::blocks_for;
using cuda::first_index;
using cuda::grid_stride;
using cuda::kThreadsPerBlock;

void* CudaBackend::allocate(size_t bytes) { return cuda::device_allocator().allocate(bytes); }

void CudaBackend::deallocate(void* ptr, size_t) { cuda::device_allocator().deallocate(ptr); }

void CudaBackend::copy_from_host(void* dst, const void* src, size_t bytes) {
  if (bytes) CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice));
}

// Waits for the GPU: the host needs the values now.
void CudaBackend::copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes) CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}

// Device to device: queued on the default stream, the host does not wait.
void CudaBackend::copy(void* dst, const void* src, size_t bytes) {
  if (bytes) CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0));
}

namespace {

__global__ void fill_kernel(float* out, int64_t n, float value) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = value;
}

// out[i] = start + i·step, rounded as the CPU rounds it: the product, then the sum. The explicit
// _rn intrinsics stop nvcc fusing the two into one FMA, which would round once and differ.
__global__ void arange_kernel(float* out, int64_t n, float start, float step) {
  for (int64_t i = first_index(); i < n; i += grid_stride())
    out[i] = __fadd_rn(start, __fmul_rn((float)i, step));
}

// Element i is philox::uniform_at(seed, offset, i), as on the CPU: same seed, same numbers.
__global__ void rand_uniform_kernel(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = philox::uniform_at(seed, offset, i);
}

// Dropout's mask: element i is scale where philox::uniform_at(seed, offset, i) ≥ rate, else 0 (the CPU's).
__global__ void dropout_mask_kernel(float* out, int64_t n, float rate, float scale, uint64_t seed, uint64_t offset) {
  for (int64_t i = first_index(); i < n; i += grid_stride())
    out[i] = philox::uniform_at(seed, offset, i) >= rate ? scale : 0.0f;
}

// Element i is philox::normal_at(seed, offset, i). The bits are the CPU's; the Box–Muller
// logf/sqrtf/cosf/sinf are CUDA's, which may differ from glibc's in the last place.
__global__ void rand_normal_kernel(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  for (int64_t i = first_index(); i < n; i += grid_stride()) out[i] = philox::normal_at(seed, offset, i);
}

}  // namespace

void CudaBackend::fill(float* out, int64_t n, float value) {
  if (n == 0) return;
  fill_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, n, value);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::arange(float* out, int64_t n, float start, float step) {
  if (n == 0) return;
  arange_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, n, start, step);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::rand_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  if (n == 0) return;
  rand_uniform_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, n, seed, offset);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::dropout_mask(float* out, int64_t n, float rate, float scale, uint64_t seed, uint64_t offset) {
  if (n == 0) return;
  dropout_mask_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, n, rate, scale, seed, offset);
  CUDA_CHECK_LAUNCH();
}

void CudaBackend::rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  if (n == 0) return;
  rand_normal_kernel<<<blocks_for(n), kThreadsPerBlock>>>(out, n, seed, offset);
  CUDA_CHECK_LAUNCH();
}

}  // namespace murine
