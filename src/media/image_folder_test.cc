#include "media/image_folder.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "media/image_file.h"
#include "media/media_testing.h"

namespace hm {
namespace {

TEST(SampleFolderFrames, MatchesTheReferenceIndexChoice) {
  for (const auto& c : testing::Manifest()["folder"]) {
    SCOPED_TRACE(c.dump());
    FolderOptions o;
    o.fps = c["fps"].is_null() ? std::nullopt : std::optional<double>(c["fps"].get<double>());
    o.max_frames = c["max_frames"];
    if (!c["start"].is_null()) o.start = c["start"].get<double>();
    if (!c["end"].is_null()) o.end = c["end"].get<double>();
    EXPECT_EQ(SampleFolderFrames(c["n"], o), c["indices"].get<std::vector<int64_t>>());
  }
}

TEST(SampleFolderFrames, OneFrameBudgetTakesTheFirst) {
  FolderOptions o;
  o.fps = std::nullopt;
  o.max_frames = 1;
  EXPECT_EQ(SampleFolderFrames(10, o), (std::vector<int64_t>{0}));  // numpy: linspace(0, 9, 1)
}

TEST(SampleFolderFrames, RejectsWhatTheReferenceCrashesOn) {
  FolderOptions o;
  o.fps = 2.0;  // 1 // 2 == 0: a zero step
  EXPECT_THROW(SampleFolderFrames(10, o), Error);
  o.fps = 0.0;
  EXPECT_THROW(SampleFolderFrames(10, o), Error);
  o.fps = 1.0;
  o.end = 0.5;  // int(0.5) - 1 = -1: nothing selected
  EXPECT_THROW(SampleFolderFrames(10, o), Error);
  EXPECT_THROW(SampleFolderFrames(0, FolderOptions{}), Error);
  o = FolderOptions{};
  o.max_frames = 0;
  EXPECT_THROW(SampleFolderFrames(10, o), Error);
}

class ImageFolderTest : public ::testing::Test {
 protected:
  void Add(const std::string& name, const std::string& fixture) {
    std::filesystem::copy_file(testing::MediaData("images/" + fixture), dir_ / name);
  }
  ScratchDir scratch_;
  const std::filesystem::path dir_ = scratch_.path();
};

TEST_F(ImageFolderTest, LexicographicOrderAtOneFps) {
  // Lexicographic, not natural, order: "10" sorts before "2".
  Add("frame_2.png", "gray.png");
  Add("frame_10.jpg", "rgb420.jpg");
  Add("frame_1.png", "rgb.png");
  const Frames f = LoadImageFolder(dir_.string());
  ASSERT_EQ(f.images.size(), 3u);
  EXPECT_EQ(f.timestamps, (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(f.merge_size, 2);
  EXPECT_TRUE(f.from_pil);
  EXPECT_EQ(testing::CountDiff(f.images[0], LoadImageFile(testing::MediaData("images/rgb.png"))), 0);
  EXPECT_EQ(testing::CountDiff(f.images[1], LoadImageFile(testing::MediaData("images/rgb420.jpg"))), 0);
}

TEST_F(ImageFolderTest, UnreadableEntriesAndEmptyFoldersAreErrors) {
  EXPECT_THROW(LoadImageFolder(dir_.string()), Error);
  Add("a.png", "rgb.png");
  std::filesystem::create_directories(dir_ / "b_subdir");
  EXPECT_THROW(LoadImageFolder(dir_.string()), Error);
  EXPECT_THROW(LoadImageFolder((dir_ / "missing").string()), Error);
}

}  // namespace
}  // namespace hm
