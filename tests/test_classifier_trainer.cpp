// train/classifier_trainer.h and train/experiment.h on a tiny learnable data set written as MNIST IDX
// files: a run writes its directory and learns; a run resumed mid-epoch ends bit-identical to one
// straight run; the validation split fills its columns; experiments write compare.csv and their summary,
// and reuse finished runs; bad settings are refused naming the setting.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "expect_error.h"
#include "io_test_helpers.h"
#include "train/classifier_trainer.h"
#include "train/experiment.h"

namespace murine {
namespace {

using murine::io_test::read_file;
using murine::io_test::temp_path;
using murine::io_test::write_file;
using murine::testing::expect_error;

std::string be32(uint32_t v) {
  return {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
}

// n images of 8×8, class c (of 3) has a bright row band at rows 2c..2c+1 plus noise; written as the four
// MNIST files (the same generator for train and test, different draws).
void write_split(const std::string& dir, const std::string& prefix, int n, uint32_t seed) {
  std::string images = be32(0x803) + be32(n) + be32(8) + be32(8), labels = be32(0x801) + be32(n);
  uint32_t state = seed;
  auto next = [&] { return (state = state * 1664525u + 1013904223u) >> 24; };
  for (int i = 0; i < n; ++i) {
    const int c = (int)(next() % 3);
    labels += (char)c;
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) images += (char)((y / 2 == c ? 160 : 0) + next() % 90);
  }
  write_file(dir + "/" + prefix + "-images-idx3-ubyte", images);
  write_file(dir + "/" + prefix + "-labels-idx1-ubyte", labels);
}

std::string tiny_data() {
  static const std::string dir = [] {
    const std::string d = temp_path("tiny_mnist");
    std::filesystem::create_directories(d);
    write_split(d, "train", 96, 1);
    write_split(d, "t10k", 30, 2);
    return d;
  }();
  return dir;
}

ClassifierRunConfig tiny_run(const std::string& layer = "standard") {
  ClassifierRunConfig c;
  c.data = "mnist";
  c.data_dir = tiny_data();
  c.model.model = "mlp";
  c.model.layer = layer;
  c.model.hidden = {16};
  c.model.param_reduction = 0.5;
  c.epochs = 3;
  c.batch = 10;  // 96 samples: 9 full batches and one of 6
  c.seed = 5;
  c.lr = 0.01;  // a few dozen steps are enough at this rate
  return c;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) out.push_back(l);
  return out;
}

TEST(ClassifierTrainer, WritesItsRunDirectoryAndLearns) {
  const std::string dir = temp_path("clf_run");
  ClassifierTrainer t(tiny_run(), dir);
  t.set_progress_output(nullptr);
  EXPECT_EQ(t.steps_per_epoch(), 10);
  const RunOutcome outcome = t.run(false);
  EXPECT_EQ(outcome.step, 30);
  ASSERT_EQ(t.history().size(), 3u);
  const std::vector<std::string> h = lines(read_file(dir + "/history.csv"));
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0], "epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy");
  EXPECT_EQ(h[1].substr(0, 2), "1,");
  EXPECT_NE(h[1].find(",,,"), std::string::npos);  // no validation split: two empty fields
  // The bands are easy: three epochs of Keras-convention Adam learn them.
  EXPECT_GT(t.history().back().test_accuracy, 0.9);
  EXPECT_LT(t.history().back().train_loss, t.history().front().train_loss);
  for (const char* f : {"config.json", "summary.txt", "confusion.txt", "confusion.csv", "checkpoint.safetensors"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  EXPECT_NE(read_file(dir + "/confusion.txt").find("confusion matrix of the test set"), std::string::npos);

  // The checkpoint rebuilds the trained network: evaluate gives the last epoch's test figures.
  LoadedClassifier loaded = load_classifier(dir + "/checkpoint.safetensors");
  const Evaluation e = evaluate(*loaded.network, t.data().test);
  EXPECT_EQ(e.count, 30);
  EXPECT_NEAR(e.accuracy, t.history().back().test_accuracy, 1e-12);
  EXPECT_NEAR(e.loss, t.history().back().test_loss, 1e-6);
  EXPECT_EQ(e.confusion.total(), 30);
}

TEST(ClassifierTrainer, ResumedMidEpochEndsBitIdenticalToOneStraightRun) {
  for (const std::string layer : {"standard", "sz"}) {
    const std::string straight = temp_path("clf_straight_" + layer), halves = temp_path("clf_halves_" + layer);
    ClassifierRunConfig c = tiny_run(layer);
    ClassifierTrainer a(c, straight);
    a.set_progress_output(nullptr);
    a.run(false);
    {
      ClassifierTrainer b(c, halves);
      b.set_progress_output(nullptr);
      for (int i = 0; i < 14; ++i) b.step();  // stop in the middle of epoch 2
      b.save();
    }
    std::unique_ptr<ClassifierTrainer> b = ClassifierTrainer::resume(halves);
    b->set_progress_output(nullptr);
    EXPECT_EQ(b->steps_done(), 14);
    b->run(false);
    const auto sa = a.network().state_dict(), sb = b->network().state_dict();
    for (const auto& [name, t] : sa) EXPECT_EQ(t.to_vector(), sb.at(name).to_vector()) << layer << " " << name;
    EXPECT_EQ(read_file(straight + "/history.csv"), read_file(halves + "/history.csv")) << layer;
  }
}

TEST(ClassifierTrainer, ResumeExtendsARunByEpochs) {
  const std::string dir = temp_path("clf_extend");
  ClassifierRunConfig c = tiny_run();
  c.epochs = 1;
  {
    ClassifierTrainer t(c, dir);
    t.set_progress_output(nullptr);
    t.run(false);
  }
  auto t = ClassifierTrainer::resume(dir, 2);
  t->set_progress_output(nullptr);
  t->run(false);
  EXPECT_EQ(t->history().size(), 2u);
  EXPECT_EQ(lines(read_file(dir + "/history.csv")).size(), 3u);
}

// history.csv on resume: a row cut off mid-write is dropped, a garbled one is named by its line.
TEST(ClassifierTrainer, HistoryRowsAreCheckedByLine) {
  const std::string dir = temp_path("clf_history_rows");
  ClassifierRunConfig c = tiny_run();
  c.epochs = 1;
  {
    ClassifierTrainer t(c, dir);
    t.set_progress_output(nullptr);
    t.run(false);
  }
  const std::string csv = dir + "/history.csv", good = read_file(csv);
  write_file(csv, good + "2,0.5");  // unfinished row
  EXPECT_EQ(ClassifierTrainer::resume(dir, 1)->history().size(), 1u);
  EXPECT_EQ(read_file(csv), good);
  const std::string header = good.substr(0, good.find('\n') + 1);
  write_file(csv, header + "1,abc,0,0,0,0,0\n");
  expect_error([&] { ClassifierTrainer::resume(dir, 1); }, {csv, "line 2", "not the row of epoch 1"});
}

TEST(ClassifierTrainer, ValidationSplitFillsItsColumns) {
  ClassifierRunConfig c = tiny_run();
  c.val_split = 0.25, c.epochs = 1, c.test_limit = 10;
  ClassifierTrainer t(c, temp_path("clf_val"));
  t.set_progress_output(nullptr);
  EXPECT_EQ(t.validation().size(), 24);
  EXPECT_EQ(t.data().train.size(), 72);
  EXPECT_EQ(t.data().test.size(), 10);
  t.run(false);
  const EpochRecord& r = t.history().back();
  EXPECT_FALSE(std::isnan(r.val_loss));
  EXPECT_FALSE(std::isnan(r.test_accuracy));
}

TEST(ClassifierTrainer, TrainLimitAndRecipe) {
  ClassifierRunConfig c = tiny_run();
  c.train_limit = 20;
  c.lr = 0;  // 0: the recipe's
  ClassifierTrainer t(c, temp_path("clf_limit"));
  EXPECT_EQ(t.data().train.size(), 20);
  EXPECT_EQ(t.steps_per_epoch(), 2);
  EXPECT_EQ(t.config().optimizer, "adam");  // MNIST_3layersSchizo: optimizer='adam'
  EXPECT_DOUBLE_EQ(t.config().lr, 1e-3);
  ClassifierRunConfig cnn = c;
  cnn.model.model = "cnn";
  const ClassifierRunConfig r = cnn.with_recipe();
  EXPECT_EQ(r.optimizer, "rmsprop");  // RMSprop(learning_rate=0.0001, decay=1e-6)
  EXPECT_DOUBLE_EQ(r.lr, 1e-4);
  EXPECT_EQ(r.schedule, "inverse-time:1e-6");
}

TEST(ClassifierTrainer, NonsenseSettingsAreRefusedNamingThem) {
  const std::string dir = temp_path("clf_bad");
  ClassifierRunConfig c = tiny_run();
  c.epochs = 0;
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"--epochs", "0"});
  c = tiny_run(), c.val_split = 1.0;
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"--val-split", "1"});
  c = tiny_run(), c.optimizer = "adagrad";
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"--optimizer", "adagrad"});
  c = tiny_run(), c.schedule = "cosine";
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"cosine"});
  c = tiny_run(), c.data = "imagenet";
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"imagenet", "fashion-mnist"});
  c = tiny_run(), c.model.model = "cnn";  // 8×8 images are too small for the CIFAR CNN
  expect_error([&] { ClassifierTrainer t(c, dir); }, {"cnn", "at least 10"});
  expect_error([&] { ClassifierTrainer::resume(temp_path("clf_nowhere")); }, {"--resume", "not a run directory"});
}

TEST(Experiment, CompareWritesEveryRunAndReusesFinishedOnes) {
  const std::string dir = temp_path("clf_compare");
  std::filesystem::remove_all(dir);
  ExperimentOptions o;
  o.base = tiny_run();
  o.base.epochs = 2;
  o.variants = {Variant::parse("standard"), Variant::parse("sz:0.5")};
  o.runs = 2;
  o.dir = dir;
  o.progress = nullptr;
  const std::vector<ExperimentRun> runs = compare_variants(o);
  ASSERT_EQ(runs.size(), 4u);
  EXPECT_EQ(runs[0].variant, "standard");
  EXPECT_EQ(runs[1].variant, "sz:0.5");
  EXPECT_EQ(runs[0].seed, runs[1].seed);  // the same seeds, so the same data order, for both variants
  EXPECT_NE(runs[0].seed, runs[2].seed);
  EXPECT_DOUBLE_EQ(runs[0].layer_usage, 100.0);
  EXPECT_LT(runs[1].layer_usage, 70.0);
  const std::vector<std::string> csv = lines(read_file(dir + "/compare.csv"));
  EXPECT_EQ(csv.size(), 1u + 4 * 2);
  EXPECT_EQ(csv[0], "variant,run,seed,epoch,train_loss,train_accuracy,val_loss,val_accuracy,test_loss,test_accuracy,"
                    "usage_percent");
  const std::string summary = read_file(dir + "/summary.txt");
  EXPECT_NE(summary.find("sz:0.5"), std::string::npos);
  EXPECT_NE(summary.find("±"), std::string::npos);

  // A second call finds every run finished and trains nothing: the same histories.
  const std::vector<ExperimentRun> again = compare_variants(o);
  ASSERT_EQ(again.size(), 4u);
  EXPECT_NEAR(again[3].history.back().test_loss, runs[3].history.back().test_loss, 1e-7);  // read back from 9 digits
  EXPECT_EQ(read_file(dir + "/compare.csv"), std::string([&] {
              std::string s;
              for (const auto& l : csv) s += l + "\n";
              return s;
            }()));
}

TEST(Experiment, SweepWritesOneRowPerRun) {
  const std::string dir = temp_path("clf_sweep");
  std::filesystem::remove_all(dir);
  ExperimentOptions o;
  o.base = tiny_run();
  o.base.epochs = 1;
  o.runs = 1;
  o.dir = dir;
  o.progress = nullptr;
  const auto runs = sweep_param_reduction(o, {0.0, 0.5});
  ASSERT_EQ(runs.size(), 2u);
  const std::vector<std::string> csv = lines(read_file(dir + "/sweep.csv"));
  ASSERT_EQ(csv.size(), 3u);
  EXPECT_EQ(csv[0], "param_reduction,usage_percent,run,seed,test_loss,test_accuracy");
  EXPECT_EQ(csv[1].substr(0, 6), "0,100,");
  EXPECT_EQ(csv[2].substr(0, 4), "0.5,");
}

TEST(Experiment, VariantsParseAndRefuseNonsense) {
  const Variant v = Variant::parse("sz:0.7:gaussian");
  EXPECT_EQ(v.layer, "sz");
  EXPECT_DOUBLE_EQ(v.param_reduction, 0.7);
  EXPECT_EQ(v.form, "gaussian");
  EXPECT_DOUBLE_EQ(Variant::parse("mouse:0.3").window2d_width, 0.3);
  expect_error([] { Variant::parse("dense"); }, {"variant 'dense'", "standard, sz or mouse"});
  expect_error([] { Variant::parse("sz:lots"); }, {"'lots' is not a number"});
  expect_error([] { Variant::parse("standard:1"); }, {"standard takes no value"});
}

}  // namespace
}  // namespace murine
