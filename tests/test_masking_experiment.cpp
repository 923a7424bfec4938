// The post-training masking experiment (train/masking_experiment.h) on a tiny random network: the
// rows (order, kept %, the figures of evaluate() on the masked network), the weight the network is
// evaluated with ((W ⊙ mask) / kept fraction), the weight restored exactly afterwards (also when an
// evaluation throws), mask.csv and mask.txt, and the errors.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "autograd/ops_inplace.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/pruning_mask.h"
#include "tests/expect_error.h"
#include "train/classifier_trainer.h"
#include "train/masking_experiment.h"

namespace murine {
namespace {

using testing::expect_error;

// A pass-through layer that records the watched weight's values at every forward pass (the weight the
// network is evaluated with) and can be told to throw at a given pass.
class WeightSpy : public Module {
 public:
  explicit WeightSpy(Tensor watched) : watched_(std::move(watched)) {}
  Tensor forward(const Tensor& x) override {
    seen.push_back(watched_.to_vector());
    if ((int)seen.size() == throw_at) throw std::runtime_error("spy: evaluation failed");
    return x;
  }
  std::string type_name() const override { return "WeightSpy"; }
  std::vector<std::vector<float>> seen;
  int throw_at = -1;

 private:
  Tensor watched_;
};

struct TinyNet {
  std::shared_ptr<Sequential> net = std::make_shared<Sequential>();
  std::shared_ptr<Dense> hidden;
  std::shared_ptr<WeightSpy> spy;
};

// Flatten → Dense(4 → 6, relu) → spy → Dense(6 → 3): the hidden Dense is layer 1.
TinyNet tiny_net() {
  manual_seed(11);
  TinyNet t;
  t.hidden = std::make_shared<Dense>(DenseOptions{.units = 6, .activation = "relu", .in_features = 4});
  t.spy = std::make_shared<WeightSpy>(t.hidden->weight);
  t.net->add(std::make_shared<Flatten>());
  t.net->add(t.hidden);
  t.net->add(t.spy);
  t.net->add(std::make_shared<Dense>(DenseOptions{.units = 3, .in_features = 6}));
  return t;
}

LabeledImages tiny_set() {
  Generator gen(5);
  LabeledImages s;
  s.images = rand({12, 1, 2, 2}, gen);
  for (int64_t i = 0; i < 12; ++i) s.labels.push_back(i % 3);
  s.class_names = {"a", "b", "c"};
  return s;
}

void set_weight(Tensor& w, const Tensor& value) {
  NoGradGuard no_grad;
  copy_(w, value);
}

TEST(MaskingExperiment, PrunedWeightRescalesByTheKeptFraction) {
  const Tensor w = from_vector({1, 2, 3, 4}, {2, 2});
  // diagonal, 2 × 2, w = 0.5 → id = 1: the diagonal, half the weights, so ×2.
  EXPECT_EQ(pruned_weight(w, pruning_mask("diagonal", 2, 2, 0.5)).to_vector(), (std::vector<float>{2, 0, 0, 8}));
  // A soft mask: W ⊙ g / mean(g).
  const Tensor g = from_vector({1.0f, 0.5f, 0.5f, 1.0f}, {2, 2});
  EXPECT_EQ(pruned_weight(w, g).to_vector(), (std::vector<float>{1 / 0.75f, 1 / 0.75f, 1.5f / 0.75f, 4 / 0.75f}));
  // Nothing kept: zeros, no division (the scripts' `if fcount > 0`).
  EXPECT_EQ(pruned_weight(w, zeros({2, 2})).to_vector(), (std::vector<float>{0, 0, 0, 0}));
  expect_error([&] { pruned_weight(w, zeros({2, 3})); }, {"pruned_weight", "(2, 2)", "(2, 3)"});
}

TEST(MaskingExperiment, RowsAreTheMaskedNetworksEvaluationsAndTheWeightIsRestored) {
  TinyNet t = tiny_net();
  const LabeledImages set = tiny_set();
  const std::vector<float> original = t.hidden->weight.to_vector();
  const Evaluation unmasked = evaluate(*t.net, set);
  t.spy->seen.clear();

  MaskingOptions o;
  o.forms = {"diagonal", "striping", "random"};
  o.widths = {1.0, 0.5, 0.0};
  o.seed = 3;
  std::vector<std::string> streamed;
  const std::vector<MaskingRow> rows =
      run_masking_experiment(*t.net, 1, o, set, [&](const MaskingRow& r) { streamed.push_back(r.form); });

  ASSERT_EQ(rows.size(), 9u);
  EXPECT_EQ(streamed.size(), 9u);
  ASSERT_EQ(t.spy->seen.size(), 9u);  // one evaluation (one batch) per row
  EXPECT_EQ(t.hidden->weight.to_vector(), original) << "the weight is restored bit for bit";
  const Tensor w0 = from_vector(original, {6, 4});
  for (size_t k = 0; k < rows.size(); ++k) {
    const MaskingRow& r = rows[k];
    EXPECT_EQ(r.form, o.forms[k / 3]);
    EXPECT_EQ(r.width, o.widths[k % 3]);
    const Tensor mask = pruning_mask(r.form, 6, 4, r.width, o.seed);
    EXPECT_DOUBLE_EQ(r.kept_percent, 100.0 * kept_fraction(mask));
    // The network was evaluated with (W ⊙ mask) / kept fraction ...
    const Tensor pruned = pruned_weight(w0, mask);
    EXPECT_EQ(t.spy->seen[k], pruned.to_vector()) << r.form << " " << r.width;
    // ... and the row holds that network's figures.
    set_weight(t.hidden->weight, pruned);
    const Evaluation e = evaluate(*t.net, set);
    set_weight(t.hidden->weight, w0);
    EXPECT_DOUBLE_EQ(r.test_loss, e.loss);
    EXPECT_DOUBLE_EQ(r.test_accuracy, e.accuracy);
  }
  // Width 1 keeps everything: the unmasked network.
  EXPECT_DOUBLE_EQ(rows[0].kept_percent, 100.0);
  EXPECT_DOUBLE_EQ(rows[0].test_loss, unmasked.loss);
  EXPECT_DOUBLE_EQ(rows[2].kept_percent, 0.0);
  EXPECT_DOUBLE_EQ(rows[4].kept_percent, 50.0);  // striping, 6 outputs, w = 0.5: 3 of 6 stripes
  EXPECT_TRUE(t.net->training()) << "the training flag is left as it was";
}

TEST(MaskingExperiment, AnEvaluationThatThrowsLeavesTheWeightAsItWas) {
  TinyNet t = tiny_net();
  const std::vector<float> original = t.hidden->weight.to_vector();
  t.spy->throw_at = 2;
  MaskingOptions o;
  o.forms = {"centered"};
  o.widths = {0.5, 0.25};
  EXPECT_THROW(run_masking_experiment(*t.net, 1, o, tiny_set()), std::runtime_error);
  EXPECT_EQ(t.spy->seen.size(), 2u);
  EXPECT_NE(t.spy->seen[1], original) << "the failing evaluation saw the masked weight";
  EXPECT_EQ(t.hidden->weight.to_vector(), original);
}

TEST(MaskingExperiment, DefaultLayerIsTheLastHiddenDense) {
  TinyNet t = tiny_net();
  EXPECT_EQ(default_masked_layer(*t.net), 1);
  Sequential three;
  three.add(std::make_shared<Flatten>());
  for (int64_t units : {5, 5, 2}) three.add(std::make_shared<Dense>(DenseOptions{.units = units, .in_features = 5}));
  EXPECT_EQ(default_masked_layer(three), 2);  // Flatten, Dense, Dense (masked by the scripts), Dense(out)
  Sequential one;
  one.add(std::make_shared<Dense>(DenseOptions{.units = 2, .in_features = 3}));
  expect_error([&] { default_masked_layer(one); }, {"hidden Dense", "0 (Dense)"});
}

TEST(MaskingExperiment, ErrorsNameTheLayerTheFormAndTheWidth) {
  TinyNet t = tiny_net();
  const LabeledImages set = tiny_set();
  MaskingOptions o;
  o.widths = {0.5};
  expect_error([&] { run_masking_experiment(*t.net, 0, o, set); },
               {"layer 0 is a Flatten, not a Dense", "1 (Dense), 3 (Dense)"});
  expect_error([&] { run_masking_experiment(*t.net, 2, o, set); }, {"layer 2 is a WeightSpy"});
  expect_error([&] { run_masking_experiment(*t.net, 7, o, set); }, {"layer index 7", "4 layers"});
  o.forms = {"diagonal", "triangle"};
  expect_error([&] { run_masking_experiment(*t.net, 1, o, set); }, {"unknown form 'triangle'", "striping"});
  o.forms = {"diagonal"};
  o.widths = {0.5, 1.2};
  expect_error([&] { run_masking_experiment(*t.net, 1, o, set); }, {"width", "1.2"});
  EXPECT_TRUE(t.spy->seen.empty()) << "a bad sweep fails before the first evaluation";
  o.widths = {};
  expect_error([&] { run_masking_experiment(*t.net, 1, o, set); }, {"no widths"});

  Sequential masked;
  masked.add(std::make_shared<SzDense>(DenseOptions{.units = 4, .in_features = 4}));
  masked.add(std::make_shared<Dense>(DenseOptions{.units = 2, .in_features = 4}));
  o.widths = {0.5};
  expect_error([&] { run_masking_experiment(masked, 0, o, set); }, {"layer 0 is a SzDense", "already masked"});
}

TEST(MaskingExperiment, CsvAndTable) {
  const std::vector<MaskingRow> rows = {{"diagonal", 1.0, 100.0, 0.25, 0.9},
                                        {"diagonal", 0.5, 62.5, 0.5, 0.75},
                                        {"random", 1.0, 100.0, 0.25, 0.9},
                                        {"random", 0.5, 75.0, 0.375, 0.8}};
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "murine_test_masking";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "mask.csv").string();
  write_masking_csv(path, rows);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "form,width,kept_percent,test_loss,test_accuracy\n"
            "diagonal,1,100,0.25,0.9\n"
            "diagonal,0.5,62.5,0.5,0.75\n"
            "random,1,100,0.25,0.9\n"
            "random,0.5,75,0.375,0.8\n");
  std::filesystem::remove_all(dir);

  const std::string table = masking_table(rows, "title line");
  EXPECT_EQ(table.rfind("title line\n", 0), 0u);
  EXPECT_NE(table.find("diagonal"), std::string::npos);
  EXPECT_NE(table.find("75.00 (62.5)"), std::string::npos);  // accuracy % (kept %)
  EXPECT_NE(table.find("80.00 (75.0)"), std::string::npos);
}

}  // namespace
}  // namespace murine
