#include "core/scratch_dir_testing.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace hm {
namespace {

namespace fs = std::filesystem;

TEST(ScratchDir, IsEmptyUniqueAndNamedAfterTheTest) {
  ScratchDir a, b;
  EXPECT_TRUE(fs::is_directory(a.path()));
  EXPECT_TRUE(fs::is_empty(a.path()));
  EXPECT_NE(a.path(), b.path());
  const std::string name = a.path().filename().string();
  EXPECT_NE(name.find("ScratchDir.IsEmptyUniqueAndNamedAfterTheTest_" + std::to_string(::getpid())), std::string::npos)
      << name;
  EXPECT_EQ(a / "x.txt", a.path() / "x.txt");
  EXPECT_EQ(a.File("x.txt"), (a.path() / "x.txt").string());
  EXPECT_EQ(a.Folder("sub"), a.path() / "sub");
  EXPECT_TRUE(fs::is_directory(a.path() / "sub"));
}

TEST(ScratchDir, IsRemovedWithItsFilesAtTheEnd) {
  ::unsetenv("HULUMED_KEEP_SCRATCH");
  fs::path kept;
  {
    ScratchDir scratch;
    kept = scratch.path();
    fs::create_directories(scratch / "sub");
    std::ofstream(scratch / "sub" / "f.txt") << "x";
  }
  EXPECT_FALSE(fs::exists(kept));
}

TEST(ScratchDir, IsKeptWhenAsked) {
  ::setenv("HULUMED_KEEP_SCRATCH", "1", 1);
  fs::path kept;
  {
    ScratchDir scratch;
    kept = scratch.path();
  }
  ::unsetenv("HULUMED_KEEP_SCRATCH");
  EXPECT_TRUE(fs::is_directory(kept));
  fs::remove_all(kept);
}

class ScratchDirParam : public ::testing::TestWithParam<int> {};

TEST_P(ScratchDirParam, NameHasNoSlashes) {
  ScratchDir scratch;
  EXPECT_EQ(scratch.path().parent_path(), fs::temp_directory_path());
}

INSTANTIATE_TEST_SUITE_P(Cases, ScratchDirParam, ::testing::Values(0));

}  // namespace
}  // namespace hm
