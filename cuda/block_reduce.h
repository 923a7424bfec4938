// A deterministic reduction across one thread block, shared by the row reductions
// (cuda_reduce.cu) and softmax (cuda_softmax.cu). Each thread brings one partial value; they are
// combined in a fixed binary tree in shared memory, so the result never depends on scheduling.
// Only .cu files include this header (it has device code).
#pragma once
#include <cstdint>

namespace murine::cuda {

// Threads per block for the row kernels: a power of two, as the tree below needs.
constexpr int kReduceThreads = 256;

struct SumCombine {
  __device__ double operator()(double a, double b) const { return a + b; }
};

// Any NaN wins (as NumPy's max), otherwise the larger.
struct MaxCombine {
  __device__ float operator()(float a, float b) const {
    if (a != a) return a;
    if (b != b) return b;
    return a > b ? a : b;
  }
};

// The larger, ignoring NaN (fmaxf), as softmax's max on the CPU (std::fmax).
struct FmaxCombine {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// Combines `value` from every thread of a block of kReduceThreads threads and returns the result
// to all of them. `scratch` is kReduceThreads elements of shared memory; it is free again when
// this returns, so calls may follow each other. Every thread of the block must call it.
template <typename T, typename Combine>
__device__ T block_reduce(T value, T* scratch, Combine combine) {
  const int tid = threadIdx.x;
  scratch[tid] = value;
  __syncthreads();
  for (int half = kReduceThreads / 2; half > 0; half /= 2) {
    if (tid < half) scratch[tid] = combine(scratch[tid], scratch[tid + half]);
    __syncthreads();
  }
  T result = scratch[0];
  __syncthreads();
  return result;
}

}  // namespace murine::cuda
