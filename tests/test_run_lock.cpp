// One writer per run directory (train/run_lock.h): a second lock, in this process or another, fails
// naming the holder's pid; the lock goes with its holder; a trainer takes it before writing; and the
// temporaries of dead writers are removed while live ones stay.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "expect_error.h"
#include "io_test_helpers.h"
#include "model_test_helpers.h"
#include "train/run_directory.h"
#include "train/run_lock.h"
#include "train/trainer.h"

namespace murine {
namespace {

using murine::io_test::temp_path;
using murine::io_test::write_file;
using murine::testing::expect_error;
namespace fs = std::filesystem;

std::string fresh_dir(const std::string& name) {
  const std::string dir = temp_path(name);
  fs::create_directories(dir);
  return dir;
}

TEST(RunLock, ASecondLockFailsNamingTheHolderAndTheLockGoesWithIt) {
  const std::string dir = fresh_dir("locked_run");
  {
    RunLock first(dir, "murine train");
    expect_error([&] { RunLock second(dir, "murine train"); },
                 {"murine train: run directory '" + dir + "' is in use by process " + std::to_string(::getpid())});
  }
  EXPECT_NO_THROW(RunLock again(dir, "murine train"));  // released with the first
}

TEST(RunLock, AnotherProcessHoldingItIsNamedAndItsExitReleasesIt) {
  const std::string dir = fresh_dir("locked_by_child");
  int ready[2], done[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // holds the lock until the parent writes a byte (or dies)
    RunLock lock(dir, "child");
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    (void)!::read(done[0], &c, 1);
    ::_exit(0);
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  expect_error([&] { RunLock mine(dir, "murine train"); }, {"in use by process " + std::to_string(child)});
  (void)!::write(done[1], &c, 1);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_NO_THROW(RunLock mine(dir, "murine train"));
  for (int fd : {ready[0], ready[1], done[0], done[1]}) ::close(fd);
}

TEST(RunLock, ATrainerTakesItBeforeWritingAnything) {
  const std::string dir = fresh_dir("trainer_locked");
  RunLock held(dir, "test");
  RunConfig c;
  c.model = testing::small_model_config("dcgan_torch");
  c.batch = 4, c.steps = 1, c.sample_every = 1, c.synthetic_count = 8, c.seed = 1;
  expect_error([&] { Trainer t(c, dir); }, {"murine train: run directory", "in use by process"});
  EXPECT_FALSE(fs::exists(dir + "/config.json")) << "the refused trainer wrote into the directory";
}

TEST(RunLock, StaleTemporariesOfDeadWritersAreRemoved) {
  const std::string dir = fresh_dir("stale_tmp");
  const pid_t dead = ::fork();  // a pid that has exited (and been reaped)
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::string stale = dir + "/checkpoint.safetensors.tmp." + std::to_string(dead);
  const std::string ours = dir + "/losses.csv.tmp." + std::to_string(::getpid());
  const std::string live = dir + "/config.json.tmp.1";  // pid 1 is always alive
  const std::string other = dir + "/notes.tmp.abc";
  for (const std::string& f : {stale, ours, live, other}) write_file(f, "x");
  EXPECT_EQ(remove_stale_temporaries(dir), 1);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(ours));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
}

// train/run_directory.h: a fresh run refuses a directory holding a run, --overwrite deletes that run's
// files (only those), and a start that fails before the run can begin leaves no directory behind.
TEST(RunDirectory, AFreshRunRefusesAnOldRunAndOverwriteReplacesIt) {
  const std::string dir = temp_path("run_dir_refuse");
  RunConfig c;
  c.model = testing::small_model_config("dcgan_torch");
  c.batch = 4, c.steps = 1, c.sample_every = 1, c.synthetic_count = 8, c.seed = 1;
  {
    Trainer t(c, dir);
    t.set_progress_output(nullptr);
    t.run(false);
  }
  write_file(dir + "/samples_999999.png", "an old grid the new run will not write");
  write_file(dir + "/notes.txt", "the user's");
  EXPECT_EQ(run_files(dir).front(), "checkpoint.safetensors");
  expect_error([&] { Trainer t(c, dir); }, {"'" + dir + "' already holds a run", "checkpoint.safetensors",
                                            "--resume " + dir, "--overwrite"});
  {
    Trainer t(c, dir, RunStart::Overwrite);
    EXPECT_FALSE(fs::exists(dir + "/samples_999999.png")) << "the old run's grid survived --overwrite";
    EXPECT_FALSE(fs::exists(dir + "/checkpoint.safetensors"));
    EXPECT_TRUE(fs::exists(dir + "/notes.txt")) << "--overwrite deleted a file murine did not write";
  }
}

TEST(RunDirectory, AFailedStartLeavesNoDirectory) {
  const std::string dir = temp_path("run_dir_failed") + "/nested/run";
  RunConfig c;
  c.model = testing::small_model_config("dcgan_torch");
  c.batch = 4, c.steps = 1, c.sample_every = 1, c.seed = 1;
  c.data = temp_path("no_such_folder");
  expect_error([&] { Trainer t(c, dir); }, {"no_such_folder"});
  EXPECT_FALSE(fs::exists(dir)) << "the failed start created its run directory";
  c.data = "synthetic-cats";
  c.synthetic_count = 2;  // fewer than one batch
  expect_error([&] { Trainer t(c, dir); }, {"fewer than one batch"});
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace murine
