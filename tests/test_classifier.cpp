// models/classifier.h and train/metrics.h: every classifier builds with the layer it should constrain
// and gives logits of the right shape; the reference figures of the mouse layers (34.188… % for the
// MNIST notebook's mLinear, 33.33 % for the CIFAR notebook's mConv2d); configs round-trip; metrics count.
#include <gtest/gtest.h>

#include <cmath>

#include "autograd/ops.h"
#include "expect_error.h"
#include "gradcheck.h"
#include "layers/rescaling.h"
#include "layers/masked_kernel.h"
#include "models/classifier.h"
#include "models/summary.h"
#include "train/metrics.h"

namespace murine {
namespace {

using murine::testing::expect_error;

ClassifierConfig config(const std::string& model, const std::string& layer, int64_t channels, int64_t size) {
  ClassifierConfig c;
  c.model = model, c.layer = layer, c.channels = channels, c.image_size = size;
  return c;
}

// The masked layers of a network, in order.
std::vector<Module*> masked_layers(Sequential& net) {
  std::vector<Module*> out;
  for (size_t i = 0; i < net.size(); ++i)
    if (net[i].masked_kernel()) out.push_back(&net[i]);
  return out;
}

Tensor logits_of(Sequential& net, int64_t n, int64_t c, int64_t s) {
  Generator g(3);
  net.eval();
  NoGradGuard no_grad;
  return net(rand({n, c, s, s}, g));
}

TEST(Classifier, MlpStandardIsTheKerasScriptsNetwork) {
  manual_seed(0);
  auto net = make_classifier(config("mlp", "standard", 1, 28));
  ASSERT_EQ(net->size(), 3u);  // Flatten, Dense(512, relu), Dense(10)
  EXPECT_EQ((*net)[1].kernel_weight().shape(), (Shape{512, 784}));
  EXPECT_EQ((*net)[2].kernel_weight().shape(), (Shape{10, 512}));
  EXPECT_TRUE(masked_layers(*net).empty());
  EXPECT_EQ(logits_of(*net, 2, 1, 28).shape(), (Shape{2, 10}));
}

TEST(Classifier, MlpSzConstrainsTheHiddenDenseAtP) {
  manual_seed(0);
  ClassifierConfig c = config("mlp", "sz", 1, 28);
  c.param_reduction = 0.7;
  auto net = make_classifier(c);
  auto masked = masked_layers(*net);
  ASSERT_EQ(masked.size(), 1u);
  EXPECT_EQ(masked[0]->type_name(), "SzDense");
  // The diagonal band keeps about 1 − p of the weights.
  EXPECT_NEAR(layer_usage_percent(*masked[0]), 30.0, 3.0);
  EXPECT_EQ(c.architecture(), "mlp sz in=1x28x28 classes=10 hidden=512 form=default p=0.7");
}

TEST(Classifier, MlpMouseIsTheNotebooks784_1024_512_10) {
  manual_seed(0);
  auto net = make_classifier(config("mlp", "mouse", 1, 28));
  ASSERT_EQ(net->size(), 4u);
  EXPECT_EQ((*net)[1].kernel_weight().shape(), (Shape{1024, 784}));
  EXPECT_EQ((*net)[2].type_name(), "mDense");
  EXPECT_EQ((*net)[2].kernel_weight().shape(), (Shape{512, 1024}));
  // mLinear(1024, 512, input2d_width=32, output2d_width=16, window2d_width=0.4): the notebook's print.
  EXPECT_NEAR(layer_usage_percent((*net)[2]), 34.18846130371094, 1e-9);
  EXPECT_EQ(config("mlp", "mouse", 1, 28).resolved_convention(), "torch");
  EXPECT_EQ(config("mlp", "sz", 1, 28).resolved_convention(), "keras");
}

TEST(Classifier, CnnIsTheCifarScriptsNetwork) {
  manual_seed(0);
  ClassifierConfig c = config("cnn", "sz", 3, 32);
  auto net = make_classifier(c);
  ASSERT_EQ(net->size(), 11u);  // the script's Sz layer is model.layers[9]
  EXPECT_EQ((*net)[9].type_name(), "SzDense");
  EXPECT_EQ((*net)[9].kernel_weight().shape(), (Shape{512, 64 * 6 * 6}));
  EXPECT_EQ((*net)[2].type_name(), "MaxPooling2D");
  EXPECT_EQ((*net)[3].type_name(), "Dropout");
  EXPECT_EQ(logits_of(*net, 2, 3, 32).shape(), (Shape{2, 10}));
}

TEST(Classifier, LenetMouseIsTheNotebooksMConv2d) {
  manual_seed(0);
  auto net = make_classifier(config("lenet", "mouse", 3, 32));
  auto masked = masked_layers(*net);
  ASSERT_EQ(masked.size(), 1u);
  EXPECT_EQ(masked[0]->type_name(), "mConv2D");
  EXPECT_EQ(masked[0]->kernel_weight().shape(), (Shape{16, 6, 5, 5}));
  // mConv2d(6, 16, 5, input2d_width=3, output2d_width=4, window2d_width=0.4): "param %usage: 33.333333333333336".
  EXPECT_NEAR(layer_usage_percent(*masked[0]), 100.0 / 3.0, 1e-9);
  EXPECT_EQ(logits_of(*net, 2, 3, 32).shape(), (Shape{2, 10}));
}

TEST(Classifier, Vgg16ConstrainsItsLastThreeConvolutions) {
  manual_seed(0);
  ClassifierConfig c = config("vgg16", "sz", 3, 32);
  c.param_reduction = 0.6;
  auto net = make_classifier(c);
  auto masked = masked_layers(*net);
  ASSERT_EQ(masked.size(), 3u);
  for (Module* m : masked) EXPECT_EQ(m->type_name(), "SzConv2D");
  // 'individual' at p = 0, 0 and 0.6, as the script.
  EXPECT_DOUBLE_EQ(layer_usage_percent(*masked[0]), 100.0);
  EXPECT_DOUBLE_EQ(layer_usage_percent(*masked[1]), 100.0);
  EXPECT_NEAR(layer_usage_percent(*masked[2]), 40.0, 1.0);
  int64_t convolutions = 0;
  for (size_t i = 0; i < net->size(); ++i) {
    const Tensor w = (*net)[i].kernel_weight();
    convolutions += w.defined() && w.rank() == 4;
  }
  EXPECT_EQ(convolutions, 13);
  EXPECT_EQ(logits_of(*net, 1, 3, 32).shape(), (Shape{1, 10}));
}

TEST(Classifier, ConfigRoundTripsThroughJson) {
  ClassifierConfig c = config("cnn", "mouse", 3, 32);
  c.window2d_width = 0.3, c.dropout = 0.1, c.window_seed = 9;
  const ClassifierConfig back = ClassifierConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.architecture(), c.architecture());
}

TEST(Classifier, NonsenseIsRefusedNamingTheOption) {
  expect_error([] { make_classifier(config("resnet", "standard", 1, 28)); }, {"unknown model 'resnet'", "mlp"});
  expect_error([] { make_classifier(config("mlp", "fancy", 1, 28)); }, {"--layer", "fancy"});
  ClassifierConfig c = config("mlp", "sz", 1, 28);
  c.param_reduction = 1.5;
  expect_error([&] { make_classifier(c); }, {"--param-reduction", "1.5"});
  expect_error([] { make_classifier(config("vgg16", "standard", 3, 16)); }, {"vgg16", "at least 32", "16"});
  expect_error([] { ClassifierConfig::from_json({{"hidden", "wide"}}); }, {"hidden", "must be a list of integers", "\"wide\""});
}

TEST(Rescaling, ValuesAndGradient) {
  Rescaling r(RescalingOptions{.scale = 2.0, .offset = -1.0});  // the LeNet notebook's Normalize(0.5, 0.5)
  EXPECT_EQ(r(from_vector({0.0f, 0.25f, 1.0f}, {3})).to_vector(), (std::vector<float>{-1.0f, -0.5f, 1.0f}));
  Generator g(4);
  Tensor x = randn({2, 3}, g).requires_grad_(true);
  testing::expect_gradients_match([&](const std::vector<Tensor>& in) { return r(in[0]); }, {x});
}

TEST(Metrics, PredictionsTopKAndConfusion) {
  const Tensor logits = from_vector({0.1f, 0.7f, 0.2f,   // → 1
                                     0.5f, 0.4f, 0.1f,   // → 0
                                     0.3f, 0.3f, 0.4f},  // → 2
                                    {3, 3});
  EXPECT_EQ(predicted_classes(logits), (std::vector<int64_t>{1, 0, 2}));
  const std::vector<int64_t> labels = {1, 1, 0};
  EXPECT_EQ(top_k_hits(logits, labels, 1), 1);
  EXPECT_EQ(top_k_hits(logits, labels, 2), 3);  // 0.3 ties the second largest: a hit, as in_top_k
  EXPECT_NEAR(top_k_accuracy(logits, labels, 1), 1.0 / 3.0, 1e-12);
  ConfusionMatrix m(3);
  m.add(labels, predicted_classes(logits));
  EXPECT_EQ(m.count(1, 1), 1);
  EXPECT_EQ(m.count(1, 0), 1);
  EXPECT_EQ(m.count(0, 2), 1);
  EXPECT_EQ(m.total(), 3);
  EXPECT_NEAR(m.accuracy(), 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.recall(1), 0.5, 1e-12);
  EXPECT_NE(m.format({"cat", "dog", "cow"}).find("dog"), std::string::npos);
  EXPECT_EQ(m.csv({"a", "b,c", "d"}).substr(0, 32), "true\\predicted,a,\"b,c\",d\na,0,0,1");
  expect_error([&] { top_k_hits(logits, {0, 1}, 1); }, {"top_k_hits", "2 labels", "(3, 3)"});
  expect_error([&] { top_k_hits(logits, {0, 1, 3}, 1); }, {"label 3", "row 2"});
  expect_error([&] { m.add(3, 0); }, {"ConfusionMatrix::add", "(3, 0)"});
  // A diverged network's NaN row is a miss, not a hit.
  const Tensor nan_row = from_vector({NAN, 0.0f, 0.0f}, {1, 3});
  EXPECT_EQ(top_k_hits(nan_row, {1}, 1), 0);
}

}  // namespace
}  // namespace murine
