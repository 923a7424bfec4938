// Crash safety of a training run, through the real CLI in a child process: `murine train` with a
// checkpoint every step is killed with SIGKILL at varied moments; after each kill the checkpoint
// loads, losses.csv holds only well-formed rows, and `--resume` continues; the run that finally
// completes has the losses of one straight run, byte for byte. A run interrupted with SIGINT saves
// its checkpoint and exits with 130.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/child_process.h"
#include "tests/io_test_helpers.h"
#include "train/checkpoint.h"

namespace murine {
namespace {

namespace fs = std::filesystem;
using io_test::read_file;
using io_test::temp_path;
using testing::Child;
using testing::murine_binary;

// The tiny run: 32 synthetic 32-px faces, an 8-wide DCGAN, a checkpoint and a sample grid every step.
constexpr int kSteps = 40;
std::vector<std::string> fresh_run(const std::string& dir) {
  return {"train", "dcgan", "--data", "synthetic-cats", "--synthetic-count", "32", "--image-size", "32", "--ngf", "8",
          "--ndf", "8", "--latent", "16", "--batch", "8", "--steps", std::to_string(kSteps), "--sample-every", "1",
          "--seed", "5", "--out", dir};
}

// Every line of losses.csv but an unfinished last one (a writer killed mid-row; resume drops it) is the
// header or a row of `columns` numbers whose steps count up from 1.
void expect_well_formed_log(const std::string& csv) {
  if (!fs::exists(csv)) return;  // killed before the first row
  const std::string text = read_file(csv);
  std::istringstream in(text.substr(0, text.rfind('\n') + 1));
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << csv << " has no header";
  EXPECT_EQ(line.rfind("step,", 0), 0u) << csv << ": header '" << line << "'";
  const auto columns = std::count(line.begin(), line.end(), ',');
  int64_t expected_step = 1;
  while (std::getline(in, line)) {
    EXPECT_EQ(std::count(line.begin(), line.end(), ','), columns) << csv << ": row '" << line << "'";
    char* end = nullptr;
    EXPECT_EQ(std::strtoll(line.c_str(), &end, 10), expected_step++) << csv << ": row '" << line << "'";
    EXPECT_EQ(*end, ',') << csv << ": row '" << line << "'";
  }
}

// Complete rows of losses.csv, the header not counted. Read while the child runs, so the file may
// vanish between two calls (an --overwrite start deletes the old run's log): absent counts as 0.
int64_t log_rows(const std::string& csv) {
  std::ifstream in(csv, std::ios::binary);
  if (!in) return 0;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return std::max<int64_t>(0, std::count(text.begin(), text.end(), '\n') - 1);
}

TEST(CrashSafety, RunsKilledAtVariedMomentsResumeToTheStraightRunsLosses) {
  ASSERT_TRUE(fs::exists(murine_binary())) << murine_binary() << " is missing (make builds it with the tests)";
  const std::string straight = temp_path("crash_straight"), dir = temp_path("crash_killed");
  const auto start = std::chrono::steady_clock::now();
  {
    Child run(fresh_run(straight), straight + ".log");
    ASSERT_EQ(run.wait(), 0) << read_file(straight + ".log");
  }
  const int64_t run_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  std::mt19937 rng(2026);
  std::vector<int64_t> steps_seen;
  int kills = 0, resumes = 0;
  int64_t last_step = 0;
  // Kill number k waits until losses.csv has k·kSteps/(kKills+1) rows, then a random fraction of a
  // step more: start-up, a step, or a checkpoint or grid being written. The first kill lands in
  // start-up (before any checkpoint), so a fresh run also starts over in a directory a dead run left.
  constexpr int kKills = 8;
  const int64_t step_us = std::max<int64_t>(1, run_us / kSteps);
  for (int attempt = 0; attempt < 3 * kKills && kills < kKills; ++attempt) {
    const bool resume = fs::exists(dir + "/checkpoint.safetensors");
    std::vector<std::string> args = resume ? std::vector<std::string>{"train", "dcgan", "--resume", dir}
                                           : fresh_run(dir);
    if (!resume) args.push_back("--overwrite");  // a run killed before its first checkpoint starts over
    Child run(args, dir + ".log");
    ASSERT_TRUE(run.started());
    const int64_t rows = (int64_t)kills * kSteps / (kKills + 1);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (rows > 0 && log_rows(dir + "/losses.csv") < rows && !run.exited() &&
           std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::microseconds(rows > 0 ? rng() % step_us : rng() % (run_us / 4 + 1));
    while (std::chrono::steady_clock::now() < deadline && !run.exited())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (run.exited()) {
      ASSERT_EQ(run.wait(), 0) << read_file(dir + ".log");
      break;  // the run completed before the kill
    }
    kill(run.pid(), SIGKILL);
    EXPECT_EQ(run.wait(), 128 + SIGKILL);
    ++kills;
    resumes += resume;
    expect_well_formed_log(dir + "/losses.csv");
    if (fs::exists(dir + "/checkpoint.safetensors")) {
      const Checkpoint c = load_checkpoint(dir + "/checkpoint.safetensors");  // throws if torn
      check_finite(c, dir);
      EXPECT_GE(c.step, last_step) << "a checkpoint went back in time";
      last_step = c.step;
    }
    steps_seen.push_back(last_step);
  }
  std::string seen;
  for (int64_t step : steps_seen) seen += " " + std::to_string(step);
  std::printf("  a straight run took %lld ms; killed %d times (%d of them resumed runs); checkpoint step after each kill:%s\n",
              (long long)(run_us / 1000), kills, resumes, seen.c_str());
  EXPECT_GE(kills, kKills / 2) << "the run finished before it could be killed at enough moments";
  if (fs::exists(dir + "/checkpoint.safetensors")) {
    Child finish({"train", "dcgan", "--resume", dir}, dir + ".log");
    const int code = finish.wait();
    // 0, or the 'finished its steps' error when the last attempt already completed the run.
    EXPECT_TRUE(code == 0 || read_file(dir + ".log").find("has finished its") != std::string::npos)
        << read_file(dir + ".log");
  }
  EXPECT_EQ(read_file(dir + "/losses.csv"), read_file(straight + "/losses.csv"))
      << "after " << kills << " kills (" << resumes << " of a resumed run)";
  EXPECT_EQ(read_file(dir + "/samples_final.png"), read_file(straight + "/samples_final.png"));
  for (const auto& entry : fs::directory_iterator(dir))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos)
        << entry.path() << ": a dead writer's temporary was not removed";
}

TEST(CrashSafety, SigintSavesTheCheckpointAndExitsWith130) {
  ASSERT_TRUE(fs::exists(murine_binary())) << murine_binary() << " is missing (make builds it with the tests)";
  const std::string dir = temp_path("crash_sigint");
  std::vector<std::string> args = fresh_run(dir);
  args[17] = "100000";  // --steps: a run that only Ctrl-C ends
  args[19] = "1000";    // --sample-every: so the checkpoint on disk is the one SIGINT saved
  Child run(args, dir + ".log");
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Wait until it has trained a few steps (losses.csv has rows), then interrupt.
  while (std::chrono::steady_clock::now() < give_up && !run.exited()) {
    if (log_rows(dir + "/losses.csv") >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_FALSE(run.exited()) << read_file(dir + ".log");
  kill(run.pid(), SIGINT);
  EXPECT_EQ(run.wait(), 130) << read_file(dir + ".log");
  EXPECT_NE(read_file(dir + ".log").find("checkpoint saved"), std::string::npos) << read_file(dir + ".log");
  const Checkpoint c = load_checkpoint(dir + "/checkpoint.safetensors");
  EXPECT_GE(c.step, 3);
  expect_well_formed_log(dir + "/losses.csv");
}

}  // namespace
}  // namespace murine
