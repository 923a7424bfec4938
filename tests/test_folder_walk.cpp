// Folder walks visit each real directory once (data/image_folder.h): links to the folder itself, to a
// parent or to a sibling end instead of looping forever; deep nesting is an error; the counts say
// what was read and skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "data/image_folder.h"
#include "expect_error.h"
#include "io/image_grid.h"
#include "io_test_helpers.h"
#include "tensor/tensor.h"

namespace murine {
namespace {

using murine::io_test::temp_path;
using murine::io_test::write_file;
using murine::testing::expect_error;
namespace fs = std::filesystem;

void write_png(const std::string& path) {
  Tensor image = Tensor::empty({3, 4, 4});
  for (int64_t i = 0; i < image.numel(); ++i) image.data()[i] = (float)(i % 7) / 7.0f;
  save_image(image, path);
}

TEST(FolderWalk, LinksBackToTheFolderOrAParentAreReadOnce) {
  const std::string root = temp_path("walk_cycles");
  fs::create_directories(root + "/sub/deeper");
  write_png(root + "/a.png");
  write_png(root + "/sub/b.PNG");
  write_png(root + "/sub/deeper/c.jpg.png");
  write_file(root + "/notes.txt", "not an image");
  fs::create_directory_symlink(root, root + "/loop1");
  fs::create_directory_symlink(root, root + "/loop2");
  fs::create_directory_symlink("..", root + "/sub/up");
  fs::create_directory_symlink("../..", root + "/sub/deeper/top");
  fs::create_directory_symlink(root + "/sub", root + "/sub_again");
  FolderWalk walk;
  const std::vector<std::string> files = list_image_files(root, &walk);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(walk.image_files, 3);
  EXPECT_EQ(walk.directories, 3);           // root, sub, deeper
  EXPECT_EQ(walk.repeated_directories, 5);  // the five links
  EXPECT_EQ(walk.other_entries, 1);         // notes.txt
  ImageFolder folder(root, 4);
  EXPECT_EQ(folder.count(), 3);
  EXPECT_EQ(folder.walk().repeated_directories, 5);
}

TEST(FolderWalk, NestingDeeperThanTheLimitIsAnError) {
  std::string dir = temp_path("walk_deep");
  const std::string root = dir;
  for (int i = 0; i <= kMaxFolderDepth; ++i) dir += "/d";
  fs::create_directories(dir);
  write_png(dir + "/x.png");
  expect_error([&] { list_image_files(root); }, {"walk_deep", "deeper than 64 levels"});
}

}  // namespace
}  // namespace murine
