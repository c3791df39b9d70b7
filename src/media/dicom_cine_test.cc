#include "media/dicom_cine.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "media/dicom_file.h"
#include "media/video.h"

namespace hm {
namespace {

std::string Data(const std::string& name) {
  return std::string(HULUMED_SOURCE_DIR) + "/testdata/dicom/" + name;
}

// Column of the bar in an image whose bar is brighter than the background (red channel).
int BarColumn(const Image& image) {
  int best = -1, value = -1;
  for (int x = 0; x < image.width; ++x) {
    if (image.rgb[x * 3] > value) value = image.rgb[x * 3], best = x;
  }
  return best;
}

TEST(DicomCine, UltrasoundClipRunsAsVideo) {
  // 6 RGB frames at FrameTime 40 ms (25 fps); frame k has its red bar at column 4k.
  const Frames all = LoadVideo(Data("cine_us.dcm"));
  ASSERT_EQ(all.images.size(), 6u);
  EXPECT_FALSE(all.from_pil);
  EXPECT_EQ(all.merge_size, 2);
  for (int k = 0; k < 6; ++k) {
    EXPECT_EQ(all.images[k].width, 32);
    EXPECT_EQ(all.images[k].height, 24);
    EXPECT_EQ(BarColumn(all.images[k]), 4 * k) << k;
    EXPECT_DOUBLE_EQ(all.timestamps[k], 0.04 * k);
  }
  EXPECT_EQ(all.images[2].rgb[(5 * 32 + 8) * 3 + 1], 20);  // bar colour (250, 20, 10) kept
  EXPECT_EQ(all.images[2].rgb[(5 * 32 + 0) * 3 + 1], 40);  // grey background
  // The video sampling rules apply: 10 fps of a 25 fps clip takes every second frame.
  VideoOptions options;
  options.fps = 10;
  const Frames sampled = LoadVideo(Data("cine_us.dcm"), options);
  ASSERT_EQ(sampled.images.size(), 3u);
  EXPECT_EQ(BarColumn(sampled.images[1]), 8);
  EXPECT_DOUBLE_EQ(sampled.timestamps[1], 0.08);
}

TEST(DicomCine, AngiographyRunUsesCineRateAndTheStoredRange) {
  // 8 grayscale frames at CineRate 15; background 100, bar 200, 8 bits stored: identity.
  VideoOptions options;
  options.max_frames = 4;
  const Frames frames = LoadDicomCine(Data("cine_xa.dcm"), options);
  ASSERT_EQ(frames.images.size(), 4u);  // floor(linspace(0, 7, 4)) = 0, 2, 4, 7
  const int expected[] = {0, 2, 4, 7};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(BarColumn(frames.images[i]), 4 * expected[i]);
    EXPECT_DOUBLE_EQ(frames.timestamps[i], expected[i] / 15.0);
  }
  const Image& first = frames.images[0];
  EXPECT_EQ(first.rgb[0], 200);
  EXPECT_EQ(first.rgb[1], 200);
  EXPECT_EQ(first.rgb[3 * 10], 100);
}

TEST(DicomCine, NeedsFrameTiming) {
  EXPECT_TRUE(IsDicomFile(Data("monochrome1.dcm")));
  EXPECT_FALSE(IsDicomFile(Data("no-such-file.dcm")));
  // A series slice has no timing: refused with a pointer to --dicom.
  try {
    LoadVideo(Data("monochrome1.dcm"));
    FAIL() << "loaded a DICOM without frame timing as video";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("frame timing"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hm
