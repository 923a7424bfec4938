// Generator: an explicit, seeded source of random tensors. It holds the Philox key (the seed) and
// the next unused counter; each draw of n numbers takes ceil(n/4) counters. Its state is two
// integers, so checkpoints can save and restore it exactly.
#pragma once
#include <cstdint>

namespace murine {

struct Generator {
  explicit Generator(uint64_t seed = 0) : seed(seed) {}
  uint64_t seed;
  uint64_t offset = 0;  // next unused Philox counter
  // Reserves the counters for a draw of n numbers and returns the first one.
  uint64_t take(int64_t n) {
    uint64_t first = offset;
    offset += (uint64_t)((n + 3) / 4);
    return first;
  }
};

}  // namespace murine
