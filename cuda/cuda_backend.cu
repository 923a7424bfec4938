// The CUDA backend's registration and device-wide calls: availability and synchronize.
#include "cuda/cuda_backend.h"

#include "cuda/check.h"

namespace murine {

bool CudaBackend::available() const {
  // Asked once: with no driver or no GPU, cudaGetDeviceCount returns an error (it never aborts).
  static const bool visible = [] {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
      cudaGetLastError();  // leave no error behind for the next check
      return false;
    }
    return count > 0;
  }();
  return visible;
}

void CudaBackend::synchronize() { CUDA_CHECK(cudaDeviceSynchronize()); }

namespace {

// Registers the backend before main(). Nothing references this object, which is why the
// Makefile links libmurine_cuda.a whole-archive. The backend is never destroyed, so tensors
// freed during static destruction still reach it.
struct RegisterCudaBackend {
  RegisterCudaBackend() {
    static CudaBackend* instance = new CudaBackend();
    register_backend(instance);
  }
} register_cuda_backend;

}  // namespace

}  // namespace murine
