// Check macros for the CUDA backend: every CUDA runtime and cuBLAS call goes through one of them,
// and every kernel launch is followed by CUDA_CHECK_LAUNCH(). A failure throws murine::Error with
// the failing statement, file:line and CUDA's own error name and text.
//
// Kernels run asynchronously: an error inside a kernel (a bad address, say) surfaces at the next
// call that waits for the GPU, usually a copy to the host. Run with CUDA_LAUNCH_BLOCKING=1 to make
// every launch synchronous, so the CUDA_CHECK_LAUNCH() after the faulty kernel reports it.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <sstream>

#include "tensor/error.h"

namespace murine::cuda {

[[noreturn]] inline void throw_cuda_error(const char* statement, const char* file, int line,
                                          cudaError_t err) {
  std::ostringstream os;
  os << "CUDA error: " << statement << " failed at " << file << ":" << line << ": "
     << cudaGetErrorName(err) << ": " << cudaGetErrorString(err);
  throw Error(os.str());
}

[[noreturn]] inline void throw_cublas_error(const char* statement, const char* file, int line,
                                            cublasStatus_t status) {
  std::ostringstream os;
  os << "cuBLAS error: " << statement << " failed at " << file << ":" << line << ": "
     << cublasGetStatusName(status) << ": " << cublasGetStatusString(status);
  throw Error(os.str());
}

}  // namespace murine::cuda

#define CUDA_CHECK(call)                                                           \
  do {                                                                             \
    cudaError_t murine_cuda_err_ = (call);                                         \
    if (murine_cuda_err_ != cudaSuccess)                                           \
      ::murine::cuda::throw_cuda_error(#call, __FILE__, __LINE__, murine_cuda_err_); \
  } while (0)

#define CUBLAS_CHECK(call)                                                                \
  do {                                                                                    \
    cublasStatus_t murine_cublas_status_ = (call);                                        \
    if (murine_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                   \
      ::murine::cuda::throw_cublas_error(#call, __FILE__, __LINE__, murine_cublas_status_); \
  } while (0)

// After every kernel<<<...>>>: reports a launch that did not start (bad configuration, no device).
#define CUDA_CHECK_LAUNCH()                                                        \
  do {                                                                             \
    cudaError_t murine_cuda_err_ = cudaGetLastError();                             \
    if (murine_cuda_err_ != cudaSuccess)                                           \
      ::murine::cuda::throw_cuda_error("kernel launch", __FILE__, __LINE__, murine_cuda_err_); \
  } while (0)
