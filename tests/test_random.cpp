// The Philox generator: known-answer vectors from the Random123 paper's test set, reproducibility,
// independence of the stream from how draws are split, and the moments of rand/randn.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "tensor/philox.h"

namespace murine {
namespace {

TEST(Philox, KnownAnswerVectors) {
  // Random123's kat_vectors for philox4x32_10.
  philox::Block zero = philox::philox4x32_10(philox::Block{{0, 0, 0, 0}}, 0, 0);
  EXPECT_EQ(zero.x[0], 0x6627e8d5u);
  EXPECT_EQ(zero.x[1], 0xe169c58du);
  EXPECT_EQ(zero.x[2], 0xbc57ac4cu);
  EXPECT_EQ(zero.x[3], 0x9b00dbd8u);
  philox::Block ones = philox::philox4x32_10(
      philox::Block{{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu);
  EXPECT_EQ(ones.x[0], 0x408f276du);
  EXPECT_EQ(ones.x[1], 0x41c83b0eu);
  EXPECT_EQ(ones.x[2], 0xa20bc7c6u);
  EXPECT_EQ(ones.x[3], 0x6d5451fdu);
  philox::Block pi = philox::philox4x32_10(
      philox::Block{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  EXPECT_EQ(pi.x[0], 0xd16cfe09u);
  EXPECT_EQ(pi.x[1], 0x94fdccebu);
  EXPECT_EQ(pi.x[2], 0x5001e420u);
  EXPECT_EQ(pi.x[3], 0x24126ea1u);
}

TEST(Random, SameSeedSameNumbers) {
  Generator g1(42), g2(42), g3(43);
  EXPECT_EQ(rand({100}, g1).to_vector(), rand({100}, g2).to_vector());
  EXPECT_EQ(randn({7, 3}, g1).to_vector(), randn({7, 3}, g2).to_vector());
  Generator g4(42);
  EXPECT_NE(rand({100}, g3).to_vector(), rand({100}, g4).to_vector());
}

TEST(Random, SuccessiveDrawsDiffer) {
  Generator g(7);
  EXPECT_NE(rand({8}, g).to_vector(), rand({8}, g).to_vector());
  EXPECT_EQ(g.offset, 4u);  // two draws of 8 numbers, 4 per Philox block
}

TEST(Random, GeneratorStateCanBeRestored) {
  Generator g(9);
  rand({5}, g);
  Generator saved = g;
  std::vector<float> next = randn({6}, g).to_vector();
  EXPECT_EQ(randn({6}, saved).to_vector(), next);
}

TEST(Random, UniformMoments) {
  Generator g(1);
  std::vector<float> u = rand({200000}, g).to_vector();
  double s = 0, s2 = 0;
  for (float v : u) {
    ASSERT_GE(v, 0.0f);
    ASSERT_LT(v, 1.0f);
    s += v;
    s2 += (double)v * v;
  }
  double m = s / u.size(), var = s2 / u.size() - m * m;
  EXPECT_NEAR(m, 0.5, 0.005);
  EXPECT_NEAR(var, 1.0 / 12, 0.002);
}

TEST(Random, NormalMoments) {
  Generator g(2);
  std::vector<float> z = randn({200000}, g).to_vector();
  double s = 0, s2 = 0, s4 = 0;
  for (float v : z) {
    ASSERT_TRUE(std::isfinite(v));
    s += v;
    s2 += (double)v * v;
    s4 += (double)v * v * v * v;
  }
  double n = z.size();
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  EXPECT_NEAR(s4 / n, 3.0, 0.1);  // kurtosis of a normal
}

}  // namespace
}  // namespace murine
