// The CUDA backend: the twin of the CPU backend (tensor/cpu_backend.h) with the same primitive
// names, running on the current GPU's default stream. Device memory comes from the caching
// allocator (cuda/allocator.h); GEMM goes through cuBLAS; everything else is murine's own kernels.
// Definitions are split by concept, as the CPU's:
//   cuda_backend.cu  registration, availability, synchronize
//   cuda_memory.cu   memory, copies, fills, random streams
//   cuda_unary.cu    unary, unary_backward
//   cuda_binary.cu   binary (every BinaryOp), where
//   cuda_copy.cu     strided_copy
//   cuda_reduce.cu   reduce_rows
//   cuda_softmax.cu  softmax, log-softmax
//   cuda_gemm.cu     gemm
//   cuda_im2col.cu   im2col_batch, col2im_batch
//   cuda_pool.cu     max_pool2d_forward, max_pool2d_backward
//   cuda_norm.cu     group_norm_forward, group_norm_backward
//   cuda_optimizer.cu optimizer_update
// Helpers for the kernels: launch.h (grid-stride geometry), strided_index.h (shapes and strides
// passed by value), block_reduce.h (deterministic in-block reduction).
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
  void dropout_mask(float* out, int64_t n, float rate, float scale, uint64_t seed, uint64_t offset) override;
  void rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) override;

  void unary(UnaryOp op, float* out, const float* x, int64_t n, float p0, float p1) override;
  void unary_backward(UnaryOp op, float* gx, const float* x, const float* y, const float* gy,
                      int64_t n, float p0, float p1) override;
  void binary(BinaryOp op, float* out, const Shape& out_shape, const float* a,
              const Shape& a_strides, const float* b, const Shape& b_strides) override;
  void where(float* out, const Shape& out_shape, const float* cond, const Shape& cond_strides,
             const float* a, const Shape& a_strides, const float* b, const Shape& b_strides) override;
  void strided_copy(float* dst, const Shape& dst_strides, const float* src,
                    const Shape& src_strides, const Shape& shape) override;

  void reduce_rows(ReduceOp op, float* out, const float* in, int64_t rows, int64_t cols) override;
  void softmax(float* out, const float* in, int64_t outer, int64_t n, int64_t inner, bool log) override;

  void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
            const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
            int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c,
            int64_t batch) override;

  void im2col_batch(const ConvGeometry& g, int64_t batch, const float* images, float* col) override;
  void col2im_batch(const ConvGeometry& g, int64_t batch, const float* col, float* images) override;

  void max_pool2d_forward(const PoolGeometry& g, int64_t planes, const float* x, float* y,
                          float* argmax) override;
  void max_pool2d_backward(const PoolGeometry& g, int64_t planes, const float* gy,
                           const float* argmax, float* gx) override;
  void group_norm_forward(const GroupNormGeometry& g, const float* x, const float* gamma, const float* beta,
                          float epsilon, float* y, float* mean, float* rstd) override;
  void group_norm_backward(const GroupNormGeometry& g, const float* dy, const float* x, const float* mean,
                           const float* rstd, const float* gamma, float* dx, float* dgamma,
                           float* dbeta) override;
  void optimizer_update(OptimizerUpdate update, const OptimizerScalars& s, float* param, const float* grad,
                        float* slot_a, float* slot_b, int64_t n) override;

  void synchronize() override;
};

}  // namespace murine
