// The classifiers (models/classifier.h) against PyTorch: two training steps of the mlp and the cnn, standard
// and Sz, from the same weights and batches as tests/reference/classifier_torch/ (gen_classifier_torch.py,
// float64), give PyTorch's losses and updated parameters within 1e-5 relative.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "io/safetensors.h"
#include "layers/losses.h"
#include "models/classifier.h"
#include "optim/adam.h"
#include "optim/rmsprop.h"

namespace murine {
namespace {

constexpr double kRelative = 1e-5;

std::string reference_path(const std::string& name) {
  const char* root = std::getenv("MURINE_SOURCE_DIR");
  return std::string(root && *root ? root : ".") + "/tests/reference/classifier_torch/" + name;
}

nlohmann::json reference_config() {
  std::ifstream in(reference_path("config.json"));
  EXPECT_TRUE(in.good()) << reference_path("config.json");
  return nlohmann::json::parse(in);
}

bool is_window(const std::string& name) { return name.size() >= 7 && name.compare(name.size() - 7, 7, ".window") == 0; }

// The ClassifierConfig the generator built in PyTorch (config.json's sizes).
ClassifierConfig classifier_config(const std::string& model, const std::string& layer, const nlohmann::json& c) {
  ClassifierConfig config;
  config.model = model;
  config.layer = layer;
  config.param_reduction = c.at("param_reduction").get<double>();  // form "": SzDense's 'diagonal'
  config.channels = c.at("channels").get<int64_t>();
  config.image_size = c.at("image_size").get<int64_t>();
  config.classes = 10;
  if (model == "mlp") config.hidden = c.at("hidden").get<std::vector<int64_t>>();
  if (model == "cnn") config.dropout = c.at("dropout").get<double>();  // 0: no masks to draw
  return config;
}

// The optimizer of config.json over `params`, and the size of its largest step (see Tolerance below).
struct Recipe {
  std::unique_ptr<Optimizer> optimizer;
  double step_size;
};
Recipe recipe(const nlohmann::json& o, std::vector<Tensor> params) {
  const double lr = o.at("lr").get<double>(), eps = o.at("eps").get<double>();
  if (o.at("name") == "Adam") {
    const std::vector<double> betas = o.at("betas").get<std::vector<double>>();
    return {std::make_unique<Adam>(Adam::torch(std::move(params), lr, betas[0], betas[1], eps)), lr};
  }
  const double alpha = o.at("alpha").get<double>();
  return {std::make_unique<RMSprop>(RMSprop::torch(std::move(params), lr, alpha, eps, 0.0, 0.0, false)),
          lr / std::sqrt(1.0 - alpha)};
}

// Tolerance: |murine − PyTorch| ≤ 1e-5 · max(|PyTorch|, step_size) elementwise. The floor is the size of one
// optimizer step (Adam: lr, its first step being lr·g/(|g| + ε); RMSprop: lr/√(1 − α), its first step's
// limit). A parameter within a step or two of zero is the difference of its initial value and the steps,
// so its float32 error is that of numbers of the step's size, not of its own (it may cross zero); holding
// it to 1e-5 of the step still checks the update to five digits.
struct Worst {
  double error = 0;  // max |a − b| / max(|b|, floor)
  std::string name;
};
double relative_error(const Tensor& got, const Tensor& want, double floor) {
  EXPECT_EQ(got.shape(), want.shape());
  if (got.shape() != want.shape()) return INFINITY;
  const std::vector<float> a = got.to_vector(), b = want.to_vector();
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::fabs((double)a[i] - b[i]) / std::max(std::fabs((double)b[i]), floor));
  return worst;
}

// pixel / 255 in float32, as data/image.cpp turns a uint8 image into [0, 1].
Tensor images(const Tensor& pixels) {
  std::vector<float> v = pixels.to_vector();
  for (float& p : v) p = p / 255.0f;
  return from_vector(v, pixels.shape());
}

// Builds `model` `layer`, checks its window against the file's, loads the initial state, trains two steps
// as ClassifierTrainer::step does and compares the losses and every parameter with PyTorch's.
void check_two_steps(const std::string& model, const std::string& layer) {
  const nlohmann::json all = reference_config(), c = all.at(model);
  const auto init = load_safetensors(reference_path(model + "_init.safetensors"));
  const auto io = load_safetensors(reference_path(model + "_io.safetensors"));
  const auto expected = load_safetensors(reference_path(model + "_" + layer + "_step2.safetensors"));

  manual_seed(5);
  std::shared_ptr<Sequential> net = make_classifier(classifier_config(model, layer, c));
  std::map<std::string, Tensor> state = net->state_dict();
  // The window murine builds is the reference's ('diagonal' scan), bit for bit; a standard net has none.
  std::map<std::string, Tensor> start;
  for (const auto& [name, t] : init) {
    if (!is_window(name)) {
      start.emplace(name, t);
    } else if (layer == "sz") {
      ASSERT_EQ(state.count(name), 1u) << name;
      EXPECT_EQ(state.at(name).to_vector(), t.to_vector()) << model << " " << name << " differs from the reference's";
      start.emplace(name, t);
    }
  }
  if (layer == "standard") {
    for (const auto& [name, t] : state) EXPECT_FALSE(is_window(name)) << name;
  }
  net->load_state_dict(start);  // strict: the names are PyTorch's one for one

  Recipe r = recipe(c.at("optimizer"), net->parameters());
  const std::vector<float> want_losses = io.at("loss_" + layer).to_vector();
  ASSERT_EQ(want_losses.size(), 2u);
  net->train();
  for (int s = 0; s < 2; ++s) {
    const Tensor x = images(io.at("pixels" + std::to_string(s)));
    const Tensor labels = io.at("labels" + std::to_string(s));
    r.optimizer->zero_grad();
    Tensor loss = softmax_cross_entropy(labels, (*net)(x));
    loss.backward();
    r.optimizer->step();
    const double got = loss.item(), want = want_losses[s];
    EXPECT_LE(std::fabs(got - want), kRelative * std::fabs(want)) << model << " " << layer << " step " << s + 1;
    std::printf("  %s %s step %d: loss %.7f, PyTorch %.7f, rel err %.3g\n", model.c_str(), layer.c_str(), s + 1, got,
                want, std::fabs(got - want) / std::fabs(want));
  }

  // Every parameter after step 2; the window is a constant and stays what it was.
  Worst worst;
  state = net->state_dict();
  size_t compared = 0;
  for (const auto& [name, t] : state) {
    if (is_window(name)) {
      EXPECT_EQ(t.to_vector(), init.at(name).to_vector()) << name << " changed in training";
      continue;
    }
    ASSERT_EQ(expected.count(name), 1u) << name << " is not in the reference";
    const double e = relative_error(t, expected.at(name), r.step_size);
    EXPECT_LE(e, kRelative) << model << " " << layer << " " << name;
    if (e >= worst.error) worst = {e, name};
    ++compared;
  }
  EXPECT_EQ(compared, expected.size());
  std::printf("  %s %s after step 2: %zu tensors, worst rel err %.3g (%s; floor %g)\n", model.c_str(), layer.c_str(),
              compared, worst.error, worst.name.c_str(), kRelative * r.step_size);
}

TEST(ClassifierReference, MlpStandardTwoAdamStepsMatchPyTorch) { check_two_steps("mlp", "standard"); }
TEST(ClassifierReference, MlpSzTwoAdamStepsMatchPyTorch) { check_two_steps("mlp", "sz"); }
TEST(ClassifierReference, CnnStandardTwoRMSpropStepsMatchPyTorch) { check_two_steps("cnn", "standard"); }
TEST(ClassifierReference, CnnSzTwoRMSpropStepsMatchPyTorch) { check_two_steps("cnn", "sz"); }

}  // namespace
}  // namespace murine
