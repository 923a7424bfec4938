// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator. Output block c of key k is a pure function of (k, c), so any element of a
// stream can be computed independently; the CPU loops and the CUDA kernels use this same header.
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define MURINE_HD __host__ __device__ inline
#else
#define MURINE_HD inline
#endif

namespace murine::philox {

struct Block {
  uint32_t x[4];
};

MURINE_HD uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

// [Philox, §5] ten rounds of the 4x32 bijection on the counter, bumping the key by the Weyl constants.
MURINE_HD Block philox4x32_10(Block counter, uint32_t k0, uint32_t k1) {
  uint32_t c0 = counter.x[0], c1 = counter.x[1], c2 = counter.x[2], c3 = counter.x[3];
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(0xD2511F53u, c0, &hi0);
    uint32_t lo1 = mulhilo(0xCD9E8D57u, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Block{{c0, c1, c2, c3}};
}

// murine's streams: the 64-bit counter in the low two words, the 64-bit seed as the key.
MURINE_HD Block philox4x32_10(uint64_t counter, uint64_t seed) {
  return philox4x32_10(Block{{(uint32_t)counter, (uint32_t)(counter >> 32), 0u, 0u}}, (uint32_t)seed,
                       (uint32_t)(seed >> 32));
}

// 24 random bits → [0, 1) and (0, 1].
MURINE_HD float to_uniform(uint32_t bits) { return (float)(bits >> 8) * (1.0f / 16777216.0f); }
MURINE_HD float to_uniform_open0(uint32_t bits) { return ((float)(bits >> 8) + 1.0f) * (1.0f / 16777216.0f); }

// Element i of a uniform draw: lane i%4 of block (offset + i/4).
MURINE_HD float uniform_at(uint64_t seed, uint64_t offset, int64_t i) {
  Block b = philox4x32_10(offset + (uint64_t)(i / 4), seed);
  return to_uniform(b.x[i % 4]);
}

// [Box–Muller] a lane pair (bits1, bits2) gives the two normals r·cos θ and r·sin θ, with
// r = √(−2 ln u1), u1 in (0, 1], and θ = 2π·u2, u2 in [0, 1).
MURINE_HD float box_muller_radius(uint32_t bits1) { return sqrtf(-2.0f * logf(to_uniform_open0(bits1))); }
MURINE_HD float box_muller_angle(uint32_t bits2) { return 6.283185307179586f * to_uniform(bits2); }

// Element i of a normal draw: Box–Muller on the two lane pairs of block (offset + i/4);
// lanes (0,1) give elements 4j, 4j+1 and lanes (2,3) give 4j+2, 4j+3.
MURINE_HD float normal_at(uint64_t seed, uint64_t offset, int64_t i) {
  Block b = philox4x32_10(offset + (uint64_t)(i / 4), seed);
  int lane = (int)(i % 4), pair = lane / 2;
  float r = box_muller_radius(b.x[2 * pair]);
  float theta = box_muller_angle(b.x[2 * pair + 1]);
  return (lane % 2 == 0) ? r * cosf(theta) : r * sinf(theta);
}

}  // namespace murine::philox
