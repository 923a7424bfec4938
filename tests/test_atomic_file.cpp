// AtomicFile: a committed write replaces the file whole; an abandoned or failed one leaves the
// old file as it was and no temporary behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "io/atomic_file.h"
#include "tests/io_test_helpers.h"

using namespace murine;
using namespace murine::io_test;

TEST(AtomicFile, CommitReplacesTheFile) {
  const std::string path = temp_path("commit.txt");
  write_file(path, "old contents");
  {
    AtomicFile file(path, "test");
    file.write("new ", 4);
    file.write("contents", 8);
    EXPECT_EQ(read_file(path), "old contents");  // not visible before commit
    file.commit();
    EXPECT_FALSE(std::filesystem::exists(file.temp_path()));
  }
  EXPECT_EQ(read_file(path), "new contents");
}

TEST(AtomicFile, AbandonedWriteLeavesTheOldFile) {
  const std::string path = temp_path("abandon.txt");
  write_file(path, "old contents");
  std::string temp;
  {
    AtomicFile file(path, "test");
    temp = file.temp_path();
    file.write("partial", 7);
    EXPECT_TRUE(std::filesystem::exists(temp));
  }  // destroyed without commit, as when an exception unwinds a writer
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_EQ(read_file(path), "old contents");
}

TEST(AtomicFile, MissingDirectoryThrows) {
  const std::string path = temp_path("missing_dir") + "/file.bin";
  expect_error([&] { AtomicFile file(path, "save_thing"); },
               {"save_thing", path, "No such file or directory"});
}

TEST(AtomicFile, FailedRenameRemovesTheTemporary) {
  // The target is a non-empty directory: rename fails after the data is written.
  const std::string path = temp_path("target_is_dir");
  std::filesystem::create_directories(path + "/inside");
  AtomicFile file(path, "test");
  file.write("data", 4);
  expect_error([&] { file.commit(); }, {"cannot rename", path});
  EXPECT_FALSE(std::filesystem::exists(file.temp_path()));
  EXPECT_TRUE(std::filesystem::is_directory(path + "/inside"));
}

TEST(AtomicFile, ReadOnlyDirectoryThrowsAndKeepsTheFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  const std::string dir = temp_path("read_only_dir");
  std::filesystem::create_directories(dir);
  write_file(dir + "/file.bin", "old contents");
  ::chmod(dir.c_str(), 0555);
  expect_error([&] { AtomicFile file(dir + "/file.bin", "test"); }, {"Permission denied"});
  ::chmod(dir.c_str(), 0755);
  EXPECT_EQ(read_file(dir + "/file.bin"), "old contents");
}
