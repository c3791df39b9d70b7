#include "server/file_root.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/scratch_dir_testing.h"
#include "server/api_error.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class FileRootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(base_ / "root" / "sub");
    std::ofstream(base_ / "root" / "sub" / "a.png") << "x";
    std::ofstream(base_ / "secret.txt") << "x";
    fs::create_directory_symlink(base_, base_ / "root" / "escape");
  }

  int Status(const std::string& path) {
    try {
      FileRoot(base_ / "root").Resolve(path);
      return 200;
    } catch (const ApiError& e) {
      return e.status();
    }
  }
  ScratchDir scratch_;
  const fs::path base_ = scratch_.path();
};

TEST_F(FileRootTest, ResolvesPathsInside) {
  const FileRoot root((base_ / "root").string());
  EXPECT_EQ(root.Resolve("sub/a.png"), fs::canonical(base_ / "root" / "sub" / "a.png"));
  EXPECT_EQ(root.Resolve("file://" + (base_ / "root" / "sub" / "a.png").string()), fs::canonical(base_ / "root/sub/a.png"));
  EXPECT_EQ(Status("sub/../sub/a.png"), 200);
}

TEST_F(FileRootTest, RefusesEverythingOutside) {
  EXPECT_EQ(Status("../secret.txt"), 403);
  EXPECT_EQ(Status("sub/../../secret.txt"), 403);
  EXPECT_EQ(Status((base_ / "secret.txt").string()), 403);
  EXPECT_EQ(Status("escape/secret.txt"), 403);  // through a symlink
  EXPECT_EQ(Status("/etc/passwd"), 403);
  EXPECT_EQ(Status("../missing.txt"), 403);     // outside, even when absent
  EXPECT_EQ(Status("sub/missing.png"), 400);
  EXPECT_EQ(Status(""), 400);
}

TEST(FileRoot, NeedsAnExistingDirectory) {
  EXPECT_THROW(FileRoot("/nonexistent/hulumed"), Error);
}

}  // namespace
}  // namespace hm
