// The CUDA backend: the twin of the CPU backend (tensor/cpu_backend.h) with the same primitive
// names, running on the current GPU's default stream. Device memory comes from the caching
// allocator (cuda/allocator.h); GEMM goes through cuBLAS. Definitions are split as the CPU's:
// cuda_backend.cu (registration, availability), cuda_memory.cu (memory, fills, random streams),
// cuda_elementwise.cu, cuda_gemm.cu. Primitives not overridden here inherit Backend's defaults,
// which throw "<primitive>: not implemented on the cuda backend yet".
//
// No primitive waits for the GPU except the copies to the host, which must.
#pragma once
#include "tensor/backend.h"

namespace murine {

class CudaBackend final : public Backend {
 public:
  Device device() const override { return Device::CUDA; }
  // True when the CUDA runtime finds a driver and at least one GPU; never throws.
  bool available() const override;

  void* allocate(size_t bytes) override;
  void deallocate(void* ptr, size_t bytes) override;
  void copy_from_host(void* dst, const void* src, size_t bytes) override;
  void copy_to_host(void* dst, const void* src, size_t bytes) override;
  void copy(void* dst, const void* src, size_t bytes) override;

  void fill(float* out, int64_t n, float value) override;
  void arange(float* out, int64_t n, float start, float step) override;
  void rand_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset) override;
  void rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) override;

  // Add, Sub, Mul, Div so far; the other BinaryOps fall through to Backend::binary.
  void binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
              const Shape& a_strides, const float* b, const Shape& b_strides) override;

  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
            int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
            int64_t batch) override;

  void synchronize() override;
};

}  // namespace murine
