#include "media/dicom_cine.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "media/dicom.h"
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

TEST(DicomCine, JpegCompressedUltrasoundClip) {
  // The same clip as JPEG baseline YBR_FULL_422 with one fragment per frame, as scanners
  // store it: lossy, so colours are compared within a tolerance inside the bar.
  const Frames frames = LoadVideo(Data("cine_us_jpeg.dcm"));
  ASSERT_EQ(frames.images.size(), 6u);
  for (int k = 0; k < 6; ++k) {
    const uint8_t* bar = &frames.images[k].rgb[(12 * 32 + 4 * k + 1) * 3];
    EXPECT_NEAR(bar[0], 250, 12) << k;
    EXPECT_NEAR(bar[1], 20, 12) << k;
    EXPECT_NEAR(bar[2], 10, 12) << k;
    const uint8_t* grey = &frames.images[k].rgb[(12 * 32 + (4 * k + 14) % 32) * 3];
    EXPECT_NEAR(grey[0], 40, 6) << k;
    EXPECT_NEAR(grey[1], 40, 6) << k;
  }
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

TEST(DicomCine, LoadDicomReadsACineLoopInTime) {
  // Through the volume entry point (--dicom, volume_url) a cine loop is still a clip: at most
  // num_slices frames, sampled like video frames, never stretched to 180 repeated slices.
  const Frames all = LoadDicom(Data("cine_us.dcm"));
  ASSERT_EQ(all.images.size(), 6u);
  EXPECT_FALSE(all.from_pil);
  EXPECT_EQ(all.timestamps.size(), 6u);
  DicomOptions options;
  options.num_slices = 3;
  const Frames three = LoadDicom(Data("cine_us.dcm"), options);
  ASSERT_EQ(three.images.size(), 3u);  // floor(linspace(0, 5, 3)) = 0, 2, 5
  EXPECT_EQ(BarColumn(three.images[2]), 20);
  // A window on grayscale: 100 -> 0 and 200 -> 255 with width 100 around 150.
  options.num_slices = 0;
  options.window = DicomWindow{100, 150, false};
  const Frames xa = LoadDicom(Data("cine_xa.dcm"), options);
  ASSERT_EQ(xa.images.size(), 8u);
  EXPECT_EQ(xa.images[0].rgb[0], 255);
  EXPECT_EQ(xa.images[0].rgb[3 * 10], 0);
  EXPECT_THROW(LoadDicom(Data("cine_us.dcm"), options), Error);  // no window on colour
  options.window.reset();
  options.axis = SliceAxis::kSagittal;
  EXPECT_THROW(LoadDicom(Data("cine_xa.dcm"), options), Error);
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
