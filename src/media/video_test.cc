#include "media/video.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(HULUMED_SOURCE_DIR) / "testdata/video";

std::vector<int64_t> Range(int64_t start, int64_t end, int64_t step = 1) {
  std::vector<int64_t> out;
  for (int64_t i = start; i < end; i += step) out.push_back(i);
  return out;
}

TEST(VideoSampling, FollowsTheReference) {
  VideoOptions o;
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 40));
  o.fps = 1;  // step = int(10 / 1)
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 40, 10));
  o.fps = 3;  // step = int(3.33) = 3
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 40, 3));
  o.fps = 100;  // faster than the video: every frame
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 40));
  o = {};
  o.max_frames = 7;  // floor(linspace(0, 39, 7))
  EXPECT_EQ(SampleVideoFrames(40, 10, o), (std::vector<int64_t>{0, 6, 13, 19, 26, 32, 39}));
  o.max_frames = 1;
  EXPECT_EQ(SampleVideoFrames(40, 10, o), (std::vector<int64_t>{0}));
  o.max_frames = 40;  // not more than the cap: untouched
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 40));
  o = {};
  o.start_s = 1.05;  // int(10.5) = 10
  o.end_s = 2.0;
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(10, 20));
  o.fps = 5;
  o.max_frames = 3;  // step 2 leaves 5 > 3: linspace over [start, end - 1]
  EXPECT_EQ(SampleVideoFrames(40, 10, o), (std::vector<int64_t>{10, 14, 19}));
  o = {};
  o.start_s = 100;  // clamped to the last frame
  EXPECT_EQ(SampleVideoFrames(40, 10, o), (std::vector<int64_t>{39}));
  o.start_s = -3;  // clamped to 0
  o.end_s = 0.25;
  EXPECT_EQ(SampleVideoFrames(40, 10, o), Range(0, 2));
  // 29.97 fps with fps 1: step int(29.97) = 29.
  o = {};
  o.fps = 1;
  EXPECT_EQ(SampleVideoFrames(100, 29.97, o), Range(0, 100, 29));
}

TEST(VideoSampling, RejectsNonsense) {
  VideoOptions o;
  EXPECT_THROW(SampleVideoFrames(0, 10, o), Error);
  EXPECT_THROW(SampleVideoFrames(10, 0, o), Error);
  EXPECT_THROW(SampleVideoFrames(10, NAN, o), Error);
  EXPECT_THROW(SampleVideoFrames(int64_t{1} << 40, 30, o), Error);  // absurd count, no cap
  o.fps = 0;
  EXPECT_THROW(SampleVideoFrames(10, 10, o), Error);
  o.fps = -1;
  EXPECT_THROW(SampleVideoFrames(10, 10, o), Error);
  o = {};
  o.max_frames = 0;
  EXPECT_THROW(SampleVideoFrames(10, 10, o), Error);
  o.max_frames = kMaxVideoFrames + 1;
  EXPECT_THROW(SampleVideoFrames(10, 10, o), Error);
  o = {};
  o.start_s = 2;
  o.end_s = 1;  // end clamps to start: empty
  EXPECT_THROW(SampleVideoFrames(40, 10, o), Error);
  o.end_s = INFINITY;
  EXPECT_THROW(SampleVideoFrames(40, 10, o), Error);
  o = {};
  o.max_frames = 5;  // a cap keeps even an absurd count finite
  EXPECT_EQ(SampleVideoFrames(int64_t{1} << 40, 30, o).size(), 5u);
}

// Every test clip: 40 frames at 10 fps, 32x24, frame n flat (6n, 255 - 6n, 128).
struct Clip {
  const char* name;
  double tolerance;  // codec + YUV round trip + palette error
};

class VideoClip : public ::testing::TestWithParam<Clip> {};

TEST_P(VideoClip, DecodesChosenFrames) {
  const Clip clip = GetParam();
  VideoOptions options;
  options.fps = 2.5;  // step 4
  const Frames frames = LoadVideo((kData / clip.name).string(), options);
  ASSERT_EQ(frames.images.size(), 10u);
  EXPECT_FALSE(frames.from_pil);
  EXPECT_EQ(frames.merge_size, 2);
  ASSERT_EQ(frames.timestamps.size(), 10u);
  double worst = 0;
  for (size_t i = 0; i < 10; ++i) {
    const int n = static_cast<int>(i) * 4;
    EXPECT_DOUBLE_EQ(frames.timestamps[i], n / 10.0);
    const Image& image = frames.images[i];
    ASSERT_EQ(image.width, 32);
    ASSERT_EQ(image.height, 24);
    ASSERT_EQ(image.rgb.size(), 32u * 24 * 3);
    const double want[3] = {6.0 * n, 255.0 - 6 * n, 128};
    for (int y = 4; y < 20; y += 5) {  // away from borders, where chroma blurs
      for (int x = 4; x < 28; x += 5) {
        for (int c = 0; c < 3; ++c) {
          const double got = image.rgb[(static_cast<size_t>(y) * 32 + x) * 3 + c];
          worst = std::max(worst, std::abs(got - want[c]));
          EXPECT_NEAR(got, want[c], clip.tolerance) << "frame " << n << " c " << c;
        }
      }
    }
  }
  std::printf("%s: worst channel error %.0f\n", clip.name, worst);
}

TEST_P(VideoClip, MaxFramesAndClip) {
  VideoOptions options;
  options.max_frames = 7;
  Frames frames = LoadVideo((kData / GetParam().name).string(), options);
  ASSERT_EQ(frames.timestamps.size(), 7u);
  EXPECT_DOUBLE_EQ(frames.timestamps[6], 3.9);
  EXPECT_NEAR(frames.images[6].rgb[(12 * 32 + 16) * 3], 6 * 39, GetParam().tolerance);
  options = {};
  options.start_s = 1;
  options.end_s = 1.5;
  frames = LoadVideo((kData / GetParam().name).string(), options);
  ASSERT_EQ(frames.images.size(), 5u);
  EXPECT_DOUBLE_EQ(frames.timestamps[0], 1.0);
  EXPECT_NEAR(frames.images[0].rgb[(12 * 32 + 16) * 3], 60, GetParam().tolerance);
}

INSTANTIATE_TEST_SUITE_P(Formats, VideoClip,
                         ::testing::Values(Clip{"pattern.mp4", 3}, Clip{"pattern.avi", 6},
                                           Clip{"pattern.mkv", 3}, Clip{"pattern.webm", 3},
                                           Clip{"pattern.gif", 8}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           return n.substr(n.find('.') + 1);
                         });

TEST(VideoBadInput, CleanErrors) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir / name, std::ios::binary) << bytes;
    return (dir / name).string();
  };
  std::ifstream in(kData / "pattern.mkv", std::ios::binary);
  const std::string mkv((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string garbled = mkv;
  for (size_t i = 600; i < garbled.size(); i += 7) garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
  for (const std::string& path : {
           (kData / "truncated.mp4").string(),  // index says 40 frames, no decodable data
           write("empty.mp4", ""),
           write("text.mp4", "not a video at all, just some text"),
           write("half.mkv", mkv.substr(0, mkv.size() / 3)),
           write("garbled.mkv", garbled),
           (dir / "missing.webm").string(),
       }) {
    try {
      const Frames frames = LoadVideo(path);
      // A damaged but partly decodable clip may load; then it must be well-formed.
      for (const Image& image : frames.images) {
        EXPECT_EQ(image.rgb.size(), static_cast<size_t>(image.width) * image.height * 3) << path;
      }
      EXPECT_NE(path, (kData / "truncated.mp4").string());
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fs::path(path).filename().string()), std::string::npos)
          << e.what();
    }
  }
}

// A playlist saved as .mp4 would have FFmpeg fetch its entries (here a real clip, elsewhere
// a private file or a URL): it must be refused, not followed.
TEST(VideoBadInput, PlaylistsAreNotFollowed) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  const fs::path playlist = dir / "clip.mp4";
  std::ofstream(playlist) << "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\n"
                          << (kData / "pattern.mp4").string() << "\n#EXT-X-ENDLIST\n";
  try {
    LoadVideo(playlist.string());
    ADD_FAILURE() << "the playlist was followed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("readable containers"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hm
