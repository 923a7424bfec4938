// Launch geometry shared by the CUDA backend's elementwise kernels: one thread per element in a
// grid-stride loop, so any n (int64) runs with a bounded grid.
#pragma once
#include <algorithm>
#include <cstdint>

namespace murine::cuda {

constexpr int kThreadsPerBlock = 256;
// Enough blocks to fill an H200 (132 SMs × 2048 threads) many times over; larger n loops.
constexpr int64_t kMaxBlocks = 65536;

inline unsigned blocks_for(int64_t n) {
  return (unsigned)std::min<int64_t>((n + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks);
}

// for (int64_t i = first_index(); i < n; i += grid_stride()) visits every element once.
__device__ inline int64_t first_index() { return (int64_t)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ inline int64_t grid_stride() { return (int64_t)gridDim.x * blockDim.x; }

}  // namespace murine::cuda
