// Checkpoints, the CSV loss log and the progress line: the pieces a training run writes.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "layers/dense.h"
#include "optim/adam.h"
#include "tests/expect_error.h"
#include "train/checkpoint.h"
#include "train/csv_log.h"
#include "train/interrupt.h"
#include "train/progress.h"
#include "train/weight_stats.h"

namespace murine {
namespace {

using testing::expect_error;
namespace fs = std::filesystem;

std::string temp_dir(const std::string& name) {
  fs::path d = fs::path(::testing::TempDir()) / ("murine_train_io_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Checkpoint, RoundTripsModelsOptimizersStepAndRng) {
  std::string dir = temp_dir("roundtrip");
  manual_seed(3);
  Dense net({.units = 3, .in_features = 4});
  Adam opt = Adam::torch(net.parameters(), 1e-2);
  Tensor x = ones({2, 4});
  sum(net(x)).backward();
  opt.step();
  Generator rng(77);
  rand({10}, rng);
  Generator stream(123);
  stream.offset = 4567;
  Checkpoint c{{{"model", net.state_dict()}, {"optimizer", opt.state_dict()}}, 12, rng, "dense 4->3", "{\"lr\": 0.01}",
               {{"generator.9", stream}}};
  save_checkpoint(dir + "/ckpt.safetensors", c);

  Checkpoint back = load_checkpoint(dir + "/ckpt.safetensors");
  EXPECT_EQ(back.step, 12);
  EXPECT_EQ(back.rng.seed, 77u);
  EXPECT_EQ(back.rng.offset, rng.offset);
  EXPECT_EQ(back.architecture, "dense 4->3");
  EXPECT_EQ(back.config_json, "{\"lr\": 0.01}");
  ASSERT_EQ(back.streams.size(), 1u);
  EXPECT_EQ(back.streams.at("generator.9").seed, 123u);
  EXPECT_EQ(back.streams.at("generator.9").offset, 4567u);
  manual_seed(9);
  Dense other({.units = 3, .in_features = 4});
  other.load_state_dict(checkpoint_part(back, "model"));
  EXPECT_EQ(other(x).to_vector(), net(x).to_vector());
  Adam opt2 = Adam::torch(other.parameters(), 1e-2);
  opt2.load_state_dict(checkpoint_part(back, "optimizer"));
  EXPECT_EQ(opt2.iterations(), opt.iterations());
  expect_error([&] { checkpoint_part(back, "ema"); }, {"ema", "model", "optimizer"});
}

TEST(Checkpoint, BadFilesAreClearErrors) {
  std::string dir = temp_dir("bad");
  manual_seed(4);
  Dense net({.units = 3, .in_features = 4});
  std::string path = dir + "/ckpt.safetensors";
  save_checkpoint(path, Checkpoint{{{"model", net.state_dict()}}, 1, Generator(1), "a", "{}", {}});
  // Another architecture: the strict load names the first mismatched tensor and both shapes.
  Dense wider({.units = 5, .in_features = 4});
  expect_error([&] { wider.load_state_dict(checkpoint_part(load_checkpoint(path), "model")); },
               {"bias", "(5,)", "(3,)"});
  // Truncated.
  std::string bytes = read(path);
  std::ofstream(dir + "/cut.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_error([&] { load_checkpoint(dir + "/cut.safetensors"); }, {"cut.safetensors"});
  // A safetensors file that is not a checkpoint.
  net.save(dir + "/weights.safetensors");
  expect_error([&] { load_checkpoint(dir + "/weights.safetensors"); }, {"not a murine checkpoint"});
  expect_error([&] { load_checkpoint(dir + "/missing.safetensors"); }, {"missing.safetensors"});
}

TEST(Checkpoint, AFailedWriteKeepsThePreviousCheckpoint) {
  std::string dir = temp_dir("keep");
  manual_seed(5);
  Dense net({.units = 2, .in_features = 2});
  std::string path = dir + "/ckpt.safetensors";
  save_checkpoint(path, Checkpoint{{{"model", net.state_dict()}}, 1, Generator(1), "a", "{}", {}});
  std::string before = read(path);
  expect_error([&] { save_checkpoint(path, Checkpoint{{{"bad/part", net.state_dict()}}, 2, Generator(1), "a", "{}", {}}); },
               {"bad/part"});
  EXPECT_EQ(read(path), before);
  expect_error([&] { save_checkpoint(dir + "/no/such/dir/ckpt.safetensors", Checkpoint{{{"model", net.state_dict()}}, 1, Generator(1), "a", "{}", {}}); },
               {"no/such/dir"});
}

TEST(CsvLog, HeaderRowsAndResume) {
  std::string dir = temp_dir("csv");
  std::string path = dir + "/losses.csv";
  {
    CsvLog log(path, {"step", "d_loss", "g_loss"}, false);
    log.row({1, 0.5, 1.25});
    log.row({2, 0.25, 1e-9});
  }
  {
    CsvLog log(path, {"step", "d_loss", "g_loss"}, true);
    log.row({3, 0.125, 2});
  }
  EXPECT_EQ(read(path), "step,d_loss,g_loss\n1,0.5,1.25\n2,0.25,1e-09\n3,0.125,2\n");
  expect_error([&] { CsvLog(path, {"step", "n_loss"}, true); }, {"header", "step,d_loss,g_loss"});
  CsvLog log(path, {"step", "d_loss", "g_loss"}, true);
  expect_error([&] { log.row({1, 2}); }, {"2 values", "3 columns"});
}

TEST(Progress, LineAndDurations) {
  EXPECT_EQ(Progress::format_duration(0), "00:00");
  EXPECT_EQ(Progress::format_duration(83), "01:23");
  EXPECT_EQ(Progress::format_duration(3725), "1:02:05");
  EXPECT_EQ(Progress::format_duration(NAN), "--:--");
  std::FILE* f = std::tmpfile();
  Progress p(100, 32, "train", f, 0.0);
  p.update(1, "loss 0.5");  // the first update anchors the rate
  std::string line = p.line(51, "loss 0.25", 10.0);
  EXPECT_NE(line.find("51/100"), std::string::npos) << line;
  EXPECT_NE(line.find("51%"), std::string::npos) << line;
  EXPECT_NE(line.find("loss 0.25"), std::string::npos) << line;
  EXPECT_NE(line.find("160.0 img/s"), std::string::npos) << line;  // 50 steps · 32 images in 10 s
  EXPECT_NE(line.find("ETA 00:10"), std::string::npos) << line;    // 49 steps left at 0.2 s
  p.update(100, "loss 0.1");
  p.finish("done");
  std::rewind(f);
  char buf[512];
  int lines = 0;
  while (std::fgets(buf, sizeof buf, f)) ++lines;
  EXPECT_EQ(lines, 3);  // not a terminal: plain lines, no carriage returns
  std::fclose(f);
}

}  // namespace
}  // namespace murine

namespace murine {
namespace {

TEST(WeightSigns, CountsPerWeightTensorAndMaskedZeros) {
  manual_seed(6);
  Sequential net({std::make_shared<mDense>(DenseOptions{.units = 8, .in_features = 16, .window = {.form = "2d", .input2d_width = 4,
                                                        .output2d_width = 4, .window2d_width = 0.4}}),
                  std::make_shared<Dense>(DenseOptions{.units = 2, .in_features = 8})});
  std::vector<WeightSigns> rows = weight_signs(net);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "0.weight");
  auto* masked = dynamic_cast<mDense*>(&net[0]);
  double ones = masked->window_stats().num_ones;
  EXPECT_EQ(rows[0].zero, 128 - (int64_t)ones);  // exactly the masked weights
  EXPECT_EQ(rows[0].positive + rows[0].negative, (int64_t)ones);
  EXPECT_EQ(rows[1].positive + rows[1].negative + rows[1].zero, 16);
  std::string table = weight_sign_table(net);
  EXPECT_NE(table.find("0.weight"), std::string::npos);
  EXPECT_NE(table.find("total"), std::string::npos);
}

TEST(Interrupt, FlagIsSetBySigintAndCleared) {
  install_interrupt_handler();
  EXPECT_FALSE(interrupted());
  std::raise(SIGINT);
  EXPECT_TRUE(interrupted());
  clear_interrupt();
  EXPECT_FALSE(interrupted());
  std::signal(SIGINT, SIG_DFL);  // leave Ctrl-C as it was for the rest of the suite
}

}  // namespace
}  // namespace murine
