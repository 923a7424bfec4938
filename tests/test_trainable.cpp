// models/trainable.h: the one interface `murine train`, `sample` and `bench` use over the three models —
// each trains, samples in [0, 1], round-trips its state through a checkpoint, and a checkpoint of another
// architecture is refused naming the tensor and both shapes.
#include <gtest/gtest.h>

#include <cmath>

#include "expect_error.h"
#include "io_test_helpers.h"
#include "model_test_helpers.h"
#include "models/trainable.h"
#include "train/checkpoint.h"

namespace murine {
namespace {

using murine::testing::expect_error;
using murine::testing::small_model_config;

Tensor batch_for(const Trainable& m, int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = rand({n, 3, m.config().image_size, m.config().image_size}, g);
  return m.pixel_range() == PixelRange::MinusOneOne ? add(mul(x, 2.0f), -1.0f) : x;
}

class TrainableModels : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainableModels, TrainsSamplesAndRoundTripsThroughACheckpoint) {
  ModelConfig c = small_model_config(GetParam());
  manual_seed(3);
  auto model = make_trainable(c);
  Tensor data = batch_for(*model, 8, 1);
  model->prepare(data);
  Generator gen(5);
  for (int i = 0; i < 2; ++i) {
    std::vector<double> losses = model->train_step(slice(data, 0, 4 * i, 4 * i + 4), gen);
    ASSERT_EQ(losses.size(), model->loss_names().size());
    for (double l : losses) EXPECT_TRUE(std::isfinite(l)) << model->architecture();
  }
  std::string table = model->summary_text();
  EXPECT_NE(table.find("Overall %usage"), std::string::npos) << table;
  Generator g1(9);
  Tensor s1 = model->sample(3, g1);
  ASSERT_EQ(s1.shape(), (Shape{3, 3, c.image_size, c.image_size}));
  for (float v : s1.to_vector()) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);

  std::string path = io_test::temp_path("trainable_" + GetParam() + ".safetensors");
  save_checkpoint(path, {model->state_parts(), 2, gen, model->architecture(), c.to_json().dump(), model->streams()});
  Checkpoint loaded = load_checkpoint(path);
  ModelConfig c2 = ModelConfig::from_json(nlohmann::json::parse(loaded.config_json));
  manual_seed(99);  // different initial weights: everything must come from the file
  auto restored = make_trainable(c2);
  EXPECT_EQ(restored->architecture(), loaded.architecture);
  restored->load_state_parts(loaded.parts);
  restored->load_streams(loaded.streams);
  if (GetParam() != "dcgan_torch") {
    EXPECT_FALSE(loaded.streams.empty());  // their Dropout layers
  }
  Generator g2(9);
  EXPECT_EQ(restored->sample(3, g2).to_vector(), s1.to_vector());
  // The same next step from both.
  Generator ga(11), gb(11);
  EXPECT_EQ(model->train_step(slice(data, 0, 0, 4), ga), restored->train_step(slice(data, 0, 0, 4), gb));
}

INSTANTIATE_TEST_SUITE_P(AllModels, TrainableModels, ::testing::Values("dcgan_torch", "dcgan_keras", "ddim"));

TEST(Trainable, CheckpointOfAnotherArchitectureNamesTheTensorAndBothShapes) {
  ModelConfig small = small_model_config("dcgan_torch"), wide = small;
  wide.ngf = 8;
  auto a = make_trainable(small), b = make_trainable(wide);
  expect_error([&] { b->load_state_parts(a->state_parts()); },
               {"load_state_dict", "main.0.weight", "(8, 64, 4, 4)", "(8, 32, 4, 4)"});
  auto ddim = make_trainable(small_model_config("ddim"));
  expect_error([&] { ddim->load_state_parts(a->state_parts()); }, {"missing part 'network'"});
  expect_error([&] { a->load_state_parts(ddim->state_parts()); }, {"no part 'generator'"});
}

TEST(Trainable, BadConfigsAreErrors) {
  ModelConfig c = small_model_config("dcgan_torch");
  c.model = "vae";
  expect_error([&] { make_trainable(c); }, {"unknown model 'vae'"});
  c = small_model_config("dcgan_torch");
  c.window2d_width = -1;
  expect_error([&] { make_trainable(c); }, {"window2d_width", "-1"});
  c = small_model_config("dcgan_torch");
  c.image_size = 48;
  expect_error([&] { make_trainable(c); }, {"48"});
  expect_error([&] { ModelConfig::from_json(nlohmann::json{{"ngf", "wide"}}); }, {"'ngf'", "must be an integer"});
  expect_error([&] { ModelConfig::from_json(nlohmann::json::array()); }, {"JSON object"});
}

TEST(Trainable, ConfigRoundTripsThroughJson) {
  ModelConfig c = small_model_config("ddim");
  c.standard = true, c.lr = 3e-4, c.attention_resolution = 0;
  ModelConfig d = ModelConfig::from_json(c.to_json());
  EXPECT_EQ(d.to_json(), c.to_json());
  // DDIM standard: every stage a Conv2D (the architecture line says so).
  EXPECT_NE(make_trainable(c)->architecture().find("standard"), std::string::npos);
}

}  // namespace
}  // namespace murine
