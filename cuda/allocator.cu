// The caching device allocator (cuda/allocator.h): size-bucketed free lists over cudaMalloc.
#include "cuda/allocator.h"

#include <cassert>

#include "cuda/check.h"

namespace murine::cuda {

size_t CachingAllocator::round_size(size_t bytes) {
  size_t unit = bytes < kLargeThreshold ? kSmallRound : kLargeRound;
  return (bytes + unit - 1) / unit * unit;
}

void* CachingAllocator::allocate(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t size = round_size(bytes);
  std::lock_guard<std::mutex> lock(mutex_);

  void* ptr = nullptr;
  auto bucket = free_blocks_.find(size);
  if (bucket != free_blocks_.end() && !bucket->second.empty()) {
    ptr = bucket->second.back();  // the most recently freed block: likeliest still in L2
    bucket->second.pop_back();
    stats_.bytes_cached -= size;
    stats_.reuses += 1;
  } else {
    cudaError_t err = cudaMalloc(&ptr, size);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear it, give the cached blocks back to the driver, try once more
      release_cached_locked();
      err = cudaMalloc(&ptr, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      MURINE_CHECK(false, "cuda allocate: out of GPU memory asking for "
                              << bytes << " bytes (" << stats_.bytes_in_use
                              << " bytes in use by tensors, cache already released)");
    }
    CUDA_CHECK(err);
    stats_.cuda_malloc_calls += 1;
  }
  live_blocks_[ptr] = size;
  stats_.bytes_in_use += size;
  if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
  return ptr;
}

void CachingAllocator::deallocate(void* ptr) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(mutex_);
  auto live = live_blocks_.find(ptr);
  assert(live != live_blocks_.end() && "cuda deallocate: pointer not from this allocator");
  size_t size = live->second;
  live_blocks_.erase(live);
  free_blocks_[size].push_back(ptr);
  stats_.bytes_in_use -= size;
  stats_.bytes_cached += size;
}

void CachingAllocator::release_cached_locked() {
  for (auto& [size, blocks] : free_blocks_) {
    for (void* ptr : blocks) {
      CUDA_CHECK(cudaFree(ptr));
      stats_.cuda_free_calls += 1;
      stats_.bytes_cached -= size;
    }
    blocks.clear();
  }
  free_blocks_.clear();
}

AllocatorStats CachingAllocator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

CachingAllocator& device_allocator() {
  static CachingAllocator* allocator = new CachingAllocator();
  return *allocator;
}

}  // namespace murine::cuda
