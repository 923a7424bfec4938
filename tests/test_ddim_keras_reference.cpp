// The DDIM U-Net (models/ddim.h DdimNetwork) against Keras 3: a small-width network given the Keras
// network's weights produces its output (tests/reference/ddim_keras/, written by
// tests/reference/gen_ddim_keras.py), in inference mode and in training mode with dropout 0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "models/ddim.h"

namespace murine {
namespace {

std::string reference_path(const std::string& name) {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root && *root ? root : ".") + "/tests/reference/ddim_keras/" + name;
}

// max|a − b| over all elements.
double max_abs_error(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  if (a.shape() != b.shape()) return INFINITY;
  std::vector<float> x = a.to_vector(), y = b.to_vector();
  double diff = 0.0;
  for (size_t i = 0; i < x.size(); ++i) diff = std::max(diff, (double)std::fabs(x[i] - y[i]));
  return diff;
}

double max_abs(const Tensor& a) {
  double m = 0.0;
  for (float v : a.to_vector()) m = std::max(m, (double)std::fabs(v));
  return m;
}

// The options of tests/reference/ddim_keras/config.json, checked against the file.
DdimOptions reference_options() {
  DdimOptions o;
  o.image_size = 16;
  o.widths = {8, 16, 24, 32};
  o.block_depth = 2;
  o.embedding_dims = 8;
  o.embedding_max_frequency = 1000.0;
  o.window2d_width = 0.4;
  o.down_radii = {1.4, 1.4, 0.4, 0.4};
  o.up_radii = {0.4, 0.4, 1.4, 1.4};
  o.attention_resolution = 4;
  o.dropout = 0.1;
  o.groups = 4;
  return o;
}

TEST(DdimKeras, ConfigMatchesTheTestsOptions) {
  std::ifstream in(reference_path("config.json"));
  ASSERT_TRUE(in) << reference_path("config.json");
  nlohmann::json c = nlohmann::json::parse(in);
  DdimOptions o = reference_options();
  EXPECT_EQ(c.at("image_size").get<int64_t>(), o.image_size);
  EXPECT_EQ(c.at("widths").get<std::vector<int64_t>>(), o.widths);
  EXPECT_EQ(c.at("block_depth").get<int64_t>(), o.block_depth);
  EXPECT_EQ(c.at("embedding_dims").get<int64_t>(), o.embedding_dims);
  EXPECT_EQ(c.at("embedding_max_frequency").get<double>(), o.embedding_max_frequency);
  EXPECT_EQ(c.at("window2d_width").get<double>(), o.window2d_width);
  EXPECT_EQ(c.at("down_radii").get<std::vector<double>>(), o.resolved_down_radii());
  EXPECT_EQ(c.at("up_radii").get<std::vector<double>>(), o.resolved_up_radii());
  EXPECT_EQ(c.at("attention_resolution").get<int64_t>(), o.attention_resolution);
  EXPECT_EQ(c.at("dropout").get<double>(), o.dropout);
  EXPECT_EQ(c.at("groups").get<int64_t>(), o.groups);
}

TEST(DdimKeras, MatchesKerasForwardEvalAndTrain) {
  auto weights = load_safetensors(reference_path("weights.safetensors"));
  auto io = load_safetensors(reference_path("io.safetensors"));
  manual_seed(17);
  DdimNetwork net(reference_options());
  // The case exercises attention (down2, up0) and mouse convolutions (down2, middle, up0, up1).
  ASSERT_TRUE(net.down[2]->has_attention());
  ASSERT_TRUE(net.up[0]->has_attention());
  ASSERT_FALSE(net.down[1]->has_attention());
  // The windows murine builds are the reference's (gen_torch_cases.window_2d), bit for bit.
  int windows = 0;
  for (const auto& [name, t] : net.state_dict()) {
    if (name.size() < 7 || name.compare(name.size() - 7, 7, ".window") != 0) continue;
    ASSERT_EQ(weights.count(name), 1u) << name;
    EXPECT_EQ(t.to_vector(), weights.at(name).to_vector()) << name;
    ++windows;
  }
  EXPECT_EQ(windows, 16);  // two 3×3 convolutions in each of the 8 masked residual blocks
  // Keras' variables map one to one onto murine's names (the generator converts the layouts).
  net.load_state_dict(weights);  // strict

  const Tensor& images = io.at("noisy_images");
  const Tensor& variances = io.at("noise_variances");
  net.eval();
  // Checked as max|a − b| < 3e-5 (|y| reaches 7.47). Measured 6.7e-6, the size of float32 rounding: a
  // 1-ulp change of every weight moves murine's output by 4.5e-6, and Keras' own float32 run differs
  // from its float64 one by 2.4e-6. (It was 2.5e-4 while the generator used keras.ops.sin and cos,
  // which compute in float32 even under floatx float64: see gen_ddim_keras.py.)
  constexpr double kTolerance = 3e-5;
  double e = max_abs_error(net(images, variances), io.at("y_eval"));
  double scale = max_abs(io.at("y_eval"));
  std::printf("  eval  max abs err %.3g, relative %.3g (max |y| %.3g)\n", e, e / scale, scale);
  EXPECT_LT(e, kTolerance);

  // Training mode with dropout 0: GroupNormalization and attention behave as in inference.
  DdimOptions no_dropout = reference_options();
  no_dropout.dropout = 0.0;
  DdimNetwork train_net(no_dropout);
  train_net.load_state_dict(weights);
  train_net.train();
  e = max_abs_error(train_net(images, variances), io.at("y_train"));
  scale = max_abs(io.at("y_train"));
  std::printf("  train max abs err %.3g, relative %.3g (max |y| %.3g)\n", e, e / scale, scale);
  EXPECT_LT(e, kTolerance);
}

}  // namespace
}  // namespace murine
