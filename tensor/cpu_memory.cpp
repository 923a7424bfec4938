// CPU backend: host memory (64-byte aligned, for vector loads), copies, fills and random streams.
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "tensor/cpu_backend.h"
#include "tensor/error.h"
#include "tensor/philox.h"

namespace murine {

namespace {

// glibc serves a block above its mmap threshold with a fresh mapping and unmaps it on free, so a
// training step that allocates and frees the same few MB-sized tensors every step pays for mapping
// and zero-filling their pages every step (a third of an MLP epoch once a large data set is held).
// Blocks up to 32 MiB (glibc's largest threshold) are kept in the heap instead, and the heap's top is
// not trimmed below 512 MiB, so freed blocks are reused. Larger ones (data sets) are still mapped.
void keep_blocks_in_heap() {
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    return true;
  }();
  (void)done;
}

// A cache of large host blocks, the CPU twin of cuda/allocator.h's CachingAllocator. A training
// step frees and asks again for the same few large tensors every step (column matrices, activations
// and their gradients); glibc maps a block above 32 MiB afresh each time, and even below it a freed
// block may go back to the kernel, so each step paid for page faults and for the kernel zeroing the
// pages (clear_page: 2–6 % of a DCGAN/DDIM step). Blocks of at least kMinBytes are rounded up to one
// of eight size classes per power of two (at most 12.5 % more) and kept, when freed, on their
// class's free list for the next request of that class, up to kMaxCachedBytes in all; smaller blocks
// go straight to malloc, whose bins reuse them well. The cache is given back when an allocation
// fails and at exit.
class BlockCache {
 public:
  static constexpr size_t kMinBytes = size_t(1) << 20;
  static constexpr size_t kMaxCachedBytes = size_t(1) << 30;

  static BlockCache& instance() {
    static BlockCache* cache = [] {  // never destroyed: tensors may be freed after static destructors
      auto* c = new BlockCache;
      std::atexit([] { instance().release(); });
      return c;
    }();
    return *cache;
  }

  // The size a request is served with: 64-byte multiples below kMinBytes, else its size class.
  static size_t round_size(size_t bytes) {
    if (bytes < kMinBytes) return bytes ? (bytes + 63) / 64 * 64 : 64;
    const int top = 63 - __builtin_clzll(bytes);  // 2^top <= bytes
    const size_t unit = size_t(1) << (top - 3);
    return (bytes + unit - 1) / unit * unit;
  }

  void* allocate(size_t bytes) {
    const size_t size = round_size(bytes);
    if (size >= kMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto bucket = free_blocks_.find(size);
      if (bucket != free_blocks_.end() && !bucket->second.empty()) {
        void* p = bucket->second.back();  // the most recently freed: likeliest still in cache
        bucket->second.pop_back();
        cached_bytes_ -= size;
        return p;
      }
    }
    void* p = std::aligned_alloc(64, size);
    if (!p && size >= kMinBytes) {
      release();
      p = std::aligned_alloc(64, size);
    }
    return p;
  }

  void deallocate(void* p, size_t bytes) {
    const size_t size = round_size(bytes);
    if (size >= kMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + size <= kMaxCachedBytes) {
        free_blocks_[size].push_back(p);
        cached_bytes_ += size;
        return;
      }
    }
    std::free(p);
  }

  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_blocks_)
      for (void* p : blocks) std::free(p);
    free_blocks_.clear();
    cached_bytes_ = 0;
  }

 private:
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_blocks_;  // size class → freed blocks
  size_t cached_bytes_ = 0;
};

}  // namespace

void* CpuBackend::allocate(size_t bytes) {
  keep_blocks_in_heap();
  void* p = BlockCache::instance().allocate(bytes);
  MURINE_CHECK(p, "allocate: out of host memory asking for " << bytes << " bytes");
  return p;
}

void CpuBackend::deallocate(void* ptr, size_t bytes) { BlockCache::instance().deallocate(ptr, bytes); }

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

// Both draws run block by block: one Philox block gives four consecutive elements (and one
// logarithm and square root each lane pair's two normals), where uniform_at / normal_at, which
// compute any single element, would recompute the block for each. The values are theirs exactly.
void CpuBackend::rand_uniform(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  const int64_t blocks = (n + 3) / 4;
#pragma omp parallel for if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const philox::Block r = philox::philox4x32_10(offset + (uint64_t)b, seed);
    const int64_t first = 4 * b, lanes = std::min<int64_t>(4, n - first);
    for (int64_t lane = 0; lane < lanes; ++lane) out[first + lane] = philox::to_uniform(r.x[lane]);
  }
}

// Dropout's mask: out[i] = u_i ≥ rate ? scale : 0, u_i = to_uniform of lane i%4 of block (offset + i/4),
// the number rand_uniform writes at i
void CpuBackend::dropout_mask(float* out, int64_t n, float rate, float scale, uint64_t seed, uint64_t offset) {
  const int64_t blocks = (n + 3) / 4;
#pragma omp parallel for if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const philox::Block r = philox::philox4x32_10(offset + (uint64_t)b, seed);
    const int64_t first = 4 * b, lanes = std::min<int64_t>(4, n - first);
    for (int64_t lane = 0; lane < lanes; ++lane)
      out[first + lane] = philox::to_uniform(r.x[lane]) >= rate ? scale : 0.0f;
  }
}

void CpuBackend::rand_normal(float* out, int64_t n, uint64_t seed, uint64_t offset) {
  const int64_t blocks = (n + 3) / 4;
#pragma omp parallel for if (n > 65536)
  for (int64_t b = 0; b < blocks; ++b) {
    const philox::Block r = philox::philox4x32_10(offset + (uint64_t)b, seed);
    float values[4];
    for (int pair = 0; pair < 2; ++pair) {  // [Box–Muller] as in philox::normal_at
      const float radius = philox::box_muller_radius(r.x[2 * pair]);
      const float theta = philox::box_muller_angle(r.x[2 * pair + 1]);
      values[2 * pair] = radius * cosf(theta);
      values[2 * pair + 1] = radius * sinf(theta);
    }
    const int64_t first = 4 * b, lanes = std::min<int64_t>(4, n - first);
    for (int64_t lane = 0; lane < lanes; ++lane) out[first + lane] = values[lane];
  }
}

}  // namespace murine
