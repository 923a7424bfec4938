// train/trainer.h: a run through the library writes its run directory, a run resumed half way gives
// the same losses as one straight run, and bad settings are refused naming the setting.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "expect_error.h"
#include "io_test_helpers.h"
#include "model_test_helpers.h"
#include "train/trainer.h"

namespace murine {
namespace {

using murine::testing::expect_error;
using murine::io_test::read_file;
using murine::testing::small_model_config;
using murine::io_test::temp_path;

RunConfig small_run(const std::string& model, int64_t steps) {
  RunConfig c;
  c.model = small_model_config(model);
  c.batch = 4, c.steps = steps, c.sample_every = 3, c.synthetic_count = 16, c.seed = 7;
  return c;
}

// A fresh run of `config` in `dir`, trained to its end without a progress bar.
void run_fresh(const RunConfig& config, const std::string& dir) {
  Trainer t(config, dir);
  t.set_progress_output(nullptr);
  t.run(false);
}

class TrainerModels : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainerModels, ResumedHalfWayGivesTheLossesOfOneStraightRun) {
  const std::string straight = temp_path("straight_" + GetParam()), halves = temp_path("halves_" + GetParam());
  {
    Trainer t(small_run(GetParam(), 6), straight);
    t.set_progress_output(nullptr);
    RunOutcome outcome = t.run(false);
    EXPECT_EQ(outcome.step, 6);
    EXPECT_FALSE(outcome.interrupted);
  }
  run_fresh(small_run(GetParam(), 3), halves);
  std::unique_ptr<Trainer> resumed = Trainer::resume(halves, 6);
  resumed->set_progress_output(nullptr);
  EXPECT_EQ(resumed->steps_done(), 3);
  EXPECT_EQ(resumed->run(false).step, 6);

  EXPECT_EQ(read_file(straight + "/losses.csv"), read_file(halves + "/losses.csv"));
  EXPECT_EQ(read_file(straight + "/samples_final.png"), read_file(halves + "/samples_final.png"));
  for (const char* file : {"config.json", "summary.txt", "training_images.png", "samples_3.png", "samples_6.png",
                           "weights.txt", "checkpoint.safetensors"})
    EXPECT_TRUE(std::filesystem::exists(straight + "/" + file)) << file;
}

INSTANTIATE_TEST_SUITE_P(AllModels, TrainerModels, ::testing::Values("dcgan_torch", "dcgan_keras", "ddim"));

TEST(Trainer, StepsOneAtATimeLogEachStep) {
  const std::string dir = temp_path("by_step");
  Trainer t(small_run("dcgan_torch", 2), dir);
  t.set_progress_output(nullptr);
  std::vector<double> losses = t.step();
  EXPECT_EQ(losses.size(), t.model().loss_names().size());
  EXPECT_EQ(t.steps_done(), 1);
  t.step();
  const std::string log = read_file(dir + "/losses.csv");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3) << log;  // header + 2 rows
}

TEST(Trainer, BadSettingsAreRefusedNamingTheSetting) {
  RunConfig c = small_run("dcgan_torch", 2);
  c.batch = 0;
  expect_error([&] { Trainer t(c, temp_path("bad_batch")); }, {"batch must be positive", "0"});
  c = small_run("dcgan_torch", 2);
  c.batch = 32;  // 16 images
  expect_error([&] { Trainer t(c, temp_path("big_batch")); }, {"16 images", "batch of 32"});
  expect_error([] { Trainer::resume(temp_path("nowhere")); }, {"nowhere", "not a run directory"});
}

// Absurd sizes (from a command line or a file's config) are refused before anything is allocated.
TEST(TrainerResume, AbsurdSizesAreRefusedBeforeAllocating) {
  RunConfig c = small_run("dcgan_torch", 2);
  c.model.ngf = 200000;
  expect_error([&] { Trainer t(c, temp_path("huge_ngf")); }, {"model config: ngf = 200000", "[1, 8192]"});
  c = small_run("ddim", 2);
  c.model.widths = {16, 1 << 20};
  expect_error([&] { Trainer t(c, temp_path("huge_widths")); }, {"an entry of widths = 1048576"});
  c = small_run("dcgan_torch", 2);
  c.synthetic_count = 1'000'000'000;
  expect_error([&] { Trainer t(c, temp_path("huge_count")); }, {"synthetic_count = 1000000000", "GB"});
}

// losses.csv on resume: a last row cut off mid-write (a killed writer) is dropped; a garbled row in
// the middle is an error naming the file and the line (it used to be dropped without a word).
TEST(TrainerResume, LossesCsvRowsAreCheckedByLine) {
  const std::string dir = temp_path("csv_rows");
  run_fresh(small_run("dcgan_torch", 3), dir);
  const std::string csv = dir + "/losses.csv", good = read_file(csv);
  io_test::write_file(csv, good + "4,0.5");  // unfinished row of a step after the checkpoint
  {
    std::unique_ptr<Trainer> r = Trainer::resume(dir, 4);
    EXPECT_EQ(read_file(csv), good);
  }
  std::string garbled = good;
  garbled.insert(garbled.find('\n') + 1, "x,1,2\n");  // line 2
  io_test::write_file(csv, garbled);
  expect_error([&] { Trainer::resume(dir, 4); }, {csv, "line 2", "not a row of losses"});
}

// --steps on resume is the run's new total; without it a run finishes its recorded total, and a
// finished run or a smaller total is an error instead of a run that silently does nothing.
TEST(TrainerResume, StepsAreTheNewTotalAndTheModelFamilyMustMatch) {
  const std::string dir = temp_path("resume_steps");
  run_fresh(small_run("dcgan_torch", 3), dir);
  expect_error([&] { Trainer::resume(dir); }, {"has finished its 3 steps", "--steps N (more than 3)"});
  expect_error([&] { Trainer::resume(dir, 2); }, {"--steps 2", "already at step 3"});
  expect_error([&] { Trainer::resume(dir, 5, Device::CPU, "ddim"); },
               {"trains dcgan_torch, not a ddim", "murine train dcgan --resume"});
  std::unique_ptr<Trainer> r = Trainer::resume(dir, 5, Device::CPU, "dcgan");
  r->set_progress_output(nullptr);
  EXPECT_EQ(r->run(false).step, 5);
}

}  // namespace
}  // namespace murine
