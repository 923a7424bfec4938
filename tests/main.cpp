// Test entry point: runs every GoogleTest case, then prints the plain closing line CI reads:
// "N passed, N failed, N skipped".
#include <gtest/gtest.h>

#include <cstdio>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = RUN_ALL_TESTS();
  const auto& unit = *::testing::UnitTest::GetInstance();
  int skipped = unit.skipped_test_count();
  // successful_test_count() already excludes skipped tests.
  std::printf("%d passed, %d failed, %d skipped\n", unit.successful_test_count(),
              unit.failed_test_count(), skipped);
  return rc;
}
