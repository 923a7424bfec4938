// The caching device allocator: cudaMalloc is slow and synchronises the GPU, so freed blocks are
// kept in free lists bucketed by rounded size and handed out again to the next request of that
// size. Training loops ask for the same sizes every step, so after the first step almost no
// request reaches cudaMalloc. Plain cudaMalloc only, never managed memory.
//
// Safe to reuse a block at once: murine runs every kernel on the one default stream, so work
// queued after the reuse is ordered after the work that last read or wrote the block.
#pragma once
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace murine::cuda {

struct AllocatorStats {
  size_t bytes_in_use = 0;       // rounded sizes of the blocks handed out and not yet freed
  size_t peak_bytes_in_use = 0;  // the most bytes_in_use has been
  size_t bytes_cached = 0;       // rounded sizes of the freed blocks kept for reuse
  int64_t cuda_malloc_calls = 0;
  int64_t cuda_free_calls = 0;
  int64_t reuses = 0;            // requests served from a free list
};

class CachingAllocator {
 public:
  // Block sizes: a multiple of 512 B below 1 MiB, a multiple of 2 MiB from there on.
  static constexpr size_t kSmallRound = 512;
  static constexpr size_t kLargeThreshold = size_t(1) << 20;
  static constexpr size_t kLargeRound = size_t(2) << 20;
  static size_t round_size(size_t bytes);

  // A device block of at least `bytes` (nullptr for 0). On cudaMalloc running out of memory it
  // releases the cache and tries once more, then throws murine::Error.
  void* allocate(size_t bytes);
  // Returns a block from allocate() to its free list (nullptr is a no-op).
  void deallocate(void* ptr);
  AllocatorStats stats() const;

 private:
  // cudaFree's every cached block (blocks in use stay); the caller holds mutex_. allocate() calls
  // it when cudaMalloc runs out of memory.
  void release_cached_locked();

  mutable std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_blocks_;  // rounded size → freed blocks
  std::unordered_map<void*, size_t> live_blocks_;               // block → rounded size
  AllocatorStats stats_;
};

// The one allocator the CUDA backend uses. Never destroyed: tensors freed during static
// destruction still find it, and the driver reclaims everything at process exit.
CachingAllocator& device_allocator();

}  // namespace murine::cuda
