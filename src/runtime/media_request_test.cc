#include "runtime/media_request.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace hm {
namespace {

const std::string kData = HULUMED_SOURCE_DIR "/testdata";

std::vector<uint8_t> Bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

MediaSpec Spec(MediaFormat format, const std::string& path) {
  MediaSpec s;
  s.format = format;
  s.path = path;
  s.what = "test";
  return s;
}

// Same content given as a path or inline must load to the same frames.
MediaSpec Inline(MediaSpec s) {
  s.bytes = Bytes(s.path);
  s.path.clear();
  return s;
}

TEST(ParseSliceAxis, TakesNamesAndNumpyAxes) {
  EXPECT_EQ(ParseSliceAxis("axial", "--axis"), SliceAxis::kAxial);
  EXPECT_EQ(ParseSliceAxis("2", "--axis"), SliceAxis::kAxial);
  EXPECT_EQ(ParseSliceAxis("coronal", "--axis"), SliceAxis::kCoronal);
  EXPECT_EQ(ParseSliceAxis("1", "--axis"), SliceAxis::kCoronal);
  EXPECT_EQ(ParseSliceAxis("sagittal", "--axis"), SliceAxis::kSagittal);
  EXPECT_EQ(ParseSliceAxis("0", "--axis"), SliceAxis::kSagittal);
  try {
    ParseSliceAxis("up", "volume_url.axis");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("volume_url.axis"), std::string::npos);
  }
}

TEST(ReadMediaOptions, ReadsTheKeysOfItsKind) {
  MediaSpec video;
  video.format = MediaFormat::kVideo;
  video.what = "row 3";
  ReadMediaOptions(nlohmann::json::parse(R"({"fps": 2, "max_frames": 9, "start": 1.5, "end": null, "slices": 4})"),
                   video);
  EXPECT_EQ(video.fps, 2.0);
  EXPECT_EQ(video.max_frames, 9);
  EXPECT_EQ(video.start, 1.5);
  EXPECT_FALSE(video.end);
  EXPECT_FALSE(video.slices);  // not a video key

  MediaSpec volume;
  volume.format = MediaFormat::kVolume;
  volume.what = "row 4";
  ReadMediaOptions(nlohmann::json::parse(R"({"format": "dicom", "slices": 5, "axis": "0", "window": "lung"})"), volume);
  EXPECT_EQ(volume.format, MediaFormat::kDicom);
  EXPECT_EQ(volume.slices, 5);
  EXPECT_EQ(volume.axis, SliceAxis::kSagittal);
  EXPECT_EQ(volume.window, "lung");

  for (const char* bad : {R"({"format": "png"})", R"({"slices": 1.5})", R"({"axis": 2})", R"({"axis": "up"})",
                          R"({"slices": 99999999999})", "[]"}) {
    MediaSpec s = volume;
    try {
      ReadMediaOptions(nlohmann::json::parse(bad), s);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("row 4"), std::string::npos) << e.what();
    }
  }
  MediaSpec clip = video;
  EXPECT_THROW(ReadMediaOptions(nlohmann::json::parse(R"({"fps": "1"})"), clip), Error);
}

TEST(CheckRoomForMedia, RefusesTheItemBeyondTheLimit) {
  MediaLimits limits;
  limits.max_items = 2;
  EXPECT_NO_THROW(CheckRoomForMedia(1, limits, "x"));
  EXPECT_THROW(CheckRoomForMedia(2, limits, "x"), Error);
}

TEST(LoadMedia, ImageFromPathOrBytes) {
  const MediaSpec spec = Spec(MediaFormat::kImage, kData + "/media/images/rgb.png");
  const MediaItem a = LoadMedia(spec);
  const MediaItem b = LoadMedia(Inline(spec));
  EXPECT_EQ(a.kind, MediaKind::kImage);
  ASSERT_EQ(a.frames.images.size(), 1u);
  EXPECT_EQ(a.frames.merge_size, 1);
  EXPECT_EQ(a.frames.images[0].rgb, b.frames.images[0].rgb);
}

TEST(LoadMedia, ImageLimitsHoldBeforeDecoding) {
  MediaLimits limits;
  limits.max_image_pixels = 10;
  EXPECT_THROW(LoadMedia(Spec(MediaFormat::kImage, kData + "/media/images/rgb.png"), limits), Error);
  limits = {};
  limits.max_file_bytes = 10;
  EXPECT_THROW(LoadMedia(Spec(MediaFormat::kImage, kData + "/media/images/rgb.png"), limits), MediaTooLarge);
  EXPECT_THROW(LoadMedia(Inline(Spec(MediaFormat::kImage, kData + "/media/images/rgb.png")), limits), MediaTooLarge);
}

TEST(LoadMedia, NeedsExactlyOneSource) {
  MediaSpec none;
  none.what = "test";
  EXPECT_THROW(LoadMedia(none), Error);
  MediaSpec both = Spec(MediaFormat::kImage, kData + "/media/images/rgb.png");
  both.bytes = {1, 2, 3};
  EXPECT_THROW(LoadMedia(both), Error);
}

TEST(LoadMedia, VolumeDefaultsToTheReferenceSliceCount) {
  const MediaItem v = LoadMedia(Spec(MediaFormat::kNifti, kData + "/media/nifti/f32.nii.gz"));
  EXPECT_EQ(v.kind, MediaKind::kVolume);
  EXPECT_EQ(v.frames.images.size(), static_cast<size_t>(kDefaultSlices));
  EXPECT_EQ(v.frames.merge_size, 2);
  MediaLimits limits;
  limits.max_slices = 7;  // the default shrinks to the limit; asking beyond it fails
  EXPECT_EQ(LoadMedia(Spec(MediaFormat::kNifti, kData + "/media/nifti/f32.nii.gz"), limits).frames.images.size(), 7u);
  MediaSpec over = Spec(MediaFormat::kNifti, kData + "/media/nifti/f32.nii.gz");
  over.slices = 8;
  EXPECT_THROW(LoadMedia(over, limits), Error);
}

TEST(LoadMedia, VolumeFormatIsToldByContent) {
  MediaSpec nifti = Spec(MediaFormat::kVolume, kData + "/media/nifti/f32.nii.gz");
  nifti.slices = 4;
  nifti.axis = SliceAxis::kCoronal;
  MediaSpec explicit_nifti = nifti;
  explicit_nifti.format = MediaFormat::kNifti;
  const MediaItem a = LoadMedia(nifti);
  const MediaItem b = LoadMedia(Inline(nifti));
  const MediaItem c = LoadMedia(explicit_nifti);
  ASSERT_EQ(a.frames.images.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(a.frames.images[i].rgb, b.frames.images[i].rgb);
    EXPECT_EQ(a.frames.images[i].rgb, c.frames.images[i].rgb);
  }
  MediaSpec series = Spec(MediaFormat::kVolume, kData + "/dicom/series");
  series.slices = 3;
  EXPECT_EQ(LoadMedia(series).kind, MediaKind::kVolume);
  EXPECT_EQ(LoadMedia(series).frames.images.size(), 3u);
}

TEST(LoadMedia, WindowIsForDicomOnly) {
  MediaSpec nifti = Spec(MediaFormat::kNifti, kData + "/media/nifti/f32.nii.gz");
  nifti.window = "lung";
  EXPECT_THROW(LoadMedia(nifti), Error);
  MediaSpec series = Spec(MediaFormat::kDicom, kData + "/dicom/series");
  series.window = "lung";
  series.slices = 2;
  EXPECT_EQ(LoadMedia(series).frames.images.size(), 2u);
}

TEST(LoadMedia, SingleSliceDicomIsAnImageFromEveryFrontEnd) {
  const MediaSpec spec = Spec(MediaFormat::kDicom, kData + "/dicom/monochrome2.dcm");
  for (const MediaSpec& s : {spec, Inline(spec), Spec(MediaFormat::kVolume, spec.path)}) {
    const MediaItem item = LoadMedia(s);
    EXPECT_EQ(item.kind, MediaKind::kImage);
    EXPECT_EQ(item.frames.images.size(), 1u);
    EXPECT_EQ(item.frames.merge_size, 1);
  }
}

TEST(LoadMedia, VideoSamplesOneFramePerSecondByDefault) {
  const MediaSpec spec = Spec(MediaFormat::kVideo, kData + "/video/pattern.mp4");
  const MediaItem def = LoadMedia(spec);
  MediaSpec every = spec;
  every.fps = 1000;  // step 1: every frame
  const MediaItem all = LoadMedia(every);
  EXPECT_EQ(def.kind, MediaKind::kVideo);
  EXPECT_EQ(def.frames.merge_size, 2);
  ASSERT_GE(all.frames.images.size(), 2u);
  EXPECT_LT(def.frames.images.size(), all.frames.images.size());
  const MediaItem uploaded = LoadMedia(Inline(spec));
  ASSERT_EQ(uploaded.frames.images.size(), def.frames.images.size());
  EXPECT_EQ(uploaded.frames.images.back().rgb, def.frames.images.back().rgb);
}

TEST(LoadMedia, VideoFrameCapDefaultsToTheLimit) {
  MediaSpec spec = Spec(MediaFormat::kVideo, kData + "/video/pattern.mp4");
  spec.fps = 1000;
  MediaLimits limits;
  limits.max_frames = 2;
  EXPECT_EQ(LoadMedia(spec, limits).frames.images.size(), 2u);
  spec.max_frames = 3;
  EXPECT_THROW(LoadMedia(spec, limits), Error);
  spec.max_frames = 0;
  EXPECT_THROW(LoadMedia(spec), Error);
  spec.max_frames.reset();
  spec.fps = 0;
  EXPECT_THROW(LoadMedia(spec), Error);
}

TEST(LoadMedia, FolderOfFramesIsAVideo) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "media_request_frames";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* name : {"0.png", "1.png", "2.png"})
    std::filesystem::copy_file(kData + "/media/images/rgb.png", dir / name);
  MediaSpec spec = Spec(MediaFormat::kVideo, dir.string());
  const MediaItem item = LoadMedia(spec);
  EXPECT_EQ(item.kind, MediaKind::kVideo);
  EXPECT_EQ(item.frames.merge_size, 2);
  EXPECT_EQ(item.frames.images.size(), 3u);  // a folder plays at 1 fps: the default keeps every frame
  spec.max_frames = 2;
  EXPECT_EQ(LoadMedia(spec).frames.images.size(), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hm
