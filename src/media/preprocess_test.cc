#include "media/preprocess.h"

#include <zlib.h>

#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/thread_pool.h"
#include "io/npy.h"
#include "media/image_file.h"
#include "media/media_testing.h"
#include "media/nifti.h"
#include "media/resize.h"

namespace hm {
namespace {

using testing::MediaData;

PreprocessorConfig TestConfig() {
  return ReadPreprocessorConfig(MediaData(""));
}

// The inputs the fixture script feeds its twin of the reference processor.
Frames Input(const std::string& name, int merge) {
  Frames f;
  if (name == "rgb") f = StillImage(LoadImageFile(MediaData("images/rgb.png")));
  else if (name == "gray") f = StillImage(LoadImageFile(MediaData("images/gray.jpg")));
  else if (name == "small_vol") f = LoadNifti(MediaData("nifti/i16_scaled.nii"), {SliceAxis::kAxial, 4});
  else {
    const NpyArray a = ReadNpy(MediaData("golden/preprocess/input_" + name + ".npy"));
    for (int64_t i = 0; i < a.shape[0]; ++i) f.images.push_back(testing::NpyImage(a, i));
  }
  f.merge_size = merge;
  return f;
}

TEST(Preprocess, PixelRowsMatchTheReferenceProcessor) {
  const PreprocessorConfig config = TestConfig();
  int cases = 0;
  for (const auto& [name, c] : testing::Manifest()["preprocess"].items()) {
    SCOPED_TRACE(name);
    std::vector<Frames> media;
    for (const auto& item : c["items"]) media.push_back(Input(item["input"], item["merge"]));
    PreprocessOptions opts;
    opts.true_aspect_ratio = c["true_aspect_ratio"];
    if (c.contains("error")) {
      EXPECT_THROW(Preprocess(media, config, opts), Error);
      continue;
    }
    const auto got = Preprocess(media, config, opts);
    ASSERT_EQ(got.size(), c["items"].size());
    for (size_t i = 0; i < got.size(); ++i) {
      const auto& item = c["items"][i];
      EXPECT_EQ(got[i].grid[0], item["grid"][0]);
      EXPECT_EQ(got[i].grid[1], item["grid"][1]);
      EXPECT_EQ(got[i].grid[2], item["grid"][2]);
      EXPECT_EQ(got[i].merge_size, item["merge"]);
      const NpyArray want = ReadNpy(MediaData("golden/preprocess/" + name + "." +
                                              std::to_string(i) + ".npy"));
      ASSERT_EQ(want.shape, (std::vector<int64_t>{got[i].pixels.rows, got[i].pixels.cols}));
      const std::vector<float> w = want.ToF32();
      double max_diff = 0;
      for (size_t k = 0; k < w.size(); ++k)
        max_diff = std::max(max_diff, static_cast<double>(std::fabs(w[k] - got[i].pixels.data[k])));
      EXPECT_LE(max_diff, 1e-6);
    }
    ++cases;
  }
  EXPECT_EQ(cases, 8);
}

uint32_t Crc(const void* data, size_t bytes) {
  return static_cast<uint32_t>(crc32(0, static_cast<const Bytef*>(data), static_cast<uInt>(bytes)));
}

// Realistic sizes with the released settings (tiny-qwen2 copies them): a 640x480 JPEG and a
// 180-slice volume, checked bit for bit through CRC-32s of the reference's bytes.
TEST(Preprocess, RealisticSizesMatchTheReferenceBitForBit) {
  const PreprocessorConfig config =
      ReadPreprocessorConfig(std::string(HULUMED_SOURCE_DIR) + "/testdata/models/tiny-qwen2");
  const Frames image = StillImage(LoadImageFile(MediaData("images/large.jpg")));
  const Frames volume = LoadNifti(MediaData("nifti/large.nii.gz"), {SliceAxis::kAxial, 180});
  const std::map<std::string, std::vector<Frames>> cases = {
      {"large_image", {image}},
      {"large_volume", {volume}},
      {"large_image_and_volume", {image, volume}},
      {"large_image_in_volume_budget", {[&] { Frames f = image; f.merge_size = 2; return f; }(), volume}},
  };
  for (const auto& [name, media] : cases) {
    SCOPED_TRACE(name);
    const auto& want = testing::Manifest()["large"][name];
    const auto sizes = TargetSizes(media, config);
    const auto got = Preprocess(media, config);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].grid[0], want[i]["grid"][0]);
      EXPECT_EQ(got[i].grid[1], want[i]["grid"][1]);
      EXPECT_EQ(got[i].grid[2], want[i]["grid"][2]);
      EXPECT_EQ(got[i].pixels.rows, want[i]["rows"][0]);
      const Image resized = ResizeBicubic(media[i].images[0], static_cast<int>(sizes[i][1]),
                                          static_cast<int>(sizes[i][0]));
      EXPECT_EQ(Crc(resized.rgb.data(), resized.rgb.size()), want[i]["first_resized_crc"]);
      EXPECT_EQ(Crc(got[i].pixels.data.data(), got[i].pixels.data.size() * sizeof(float)),
                want[i]["rows_crc"]);
    }
  }
}

TEST(Preprocess, ThreadPoolGivesTheSameRows) {
  const PreprocessorConfig config =
      ReadPreprocessorConfig(std::string(HULUMED_SOURCE_DIR) + "/testdata/models/tiny-qwen2");
  const std::vector<Frames> media = {
      StillImage(LoadImageFile(MediaData("images/large.jpg"))),
      LoadNifti(MediaData("nifti/large.nii.gz"), {SliceAxis::kAxial, 40})};
  ThreadPool pool(3);
  PreprocessOptions opts;
  opts.pool = &pool;
  const auto serial = Preprocess(media, config);
  const auto parallel = Preprocess(media, config, opts);
  ASSERT_EQ(serial.size(), parallel.size());
  for (size_t i = 0; i < serial.size(); ++i)
    EXPECT_EQ(serial[i].pixels.data, parallel[i].pixels.data);
}

TEST(Preprocess, RoundsHalfToEvenLikePython) {
  PreprocessorConfig config;
  config.patch_size = 2;
  config.min_tokens = 0;
  Frames f;
  f.from_pil = false;
  f.images.push_back(Image{10, 6, std::vector<uint8_t>(10 * 6 * 3, 0)});
  // h/f = 3 -> 3, w/f = 5 -> 5; h = 5 -> 2.5 rounds to 2 (even), w = 14 -> 7.
  EXPECT_EQ(TargetSizes({f}, config)[0], (std::array<int64_t, 2>{6, 10}));
  f.images[0] = Image{14, 5, std::vector<uint8_t>(14 * 5 * 3, 0)};
  EXPECT_EQ(TargetSizes({f}, config)[0], (std::array<int64_t, 2>{4, 14}));
  f.images[0] = Image{14, 7, std::vector<uint8_t>(14 * 7 * 3, 0)};  // 3.5 -> 4
  EXPECT_EQ(TargetSizes({f}, config)[0], (std::array<int64_t, 2>{8, 14}));
}

TEST(Preprocess, BudgetIsSharedByAllFramesOfTheRequest) {
  const PreprocessorConfig config = TestConfig();  // P 14, max 48 tokens
  Frames image = Input("big", 1);
  image.from_pil = false;
  const auto alone = TargetSizes({image}, config);
  const auto shared = TargetSizes({image, image, image}, config);
  EXPECT_GT(alone[0][0] * alone[0][1], shared[0][0] * shared[0][1]);
}

TEST(Preprocess, BadInputIsAClearError) {
  const PreprocessorConfig config = TestConfig();
  EXPECT_THROW(Preprocess({}, config), Error);
  EXPECT_THROW(Preprocess({Frames{}}, config), Error);
  Frames broken;
  broken.images.push_back(Image{4, 4, {}});
  EXPECT_THROW(Preprocess({broken}, config), Error);
}

TEST(PreprocessorConfig, ParsesAndValidates) {
  const PreprocessorConfig c = TestConfig();
  EXPECT_EQ(c.patch_size, 14);
  EXPECT_EQ(c.min_tokens, 4);
  EXPECT_EQ(c.max_tokens, 48);
  EXPECT_FLOAT_EQ(c.image_std[1], 0.26130258f);
  const PreprocessorConfig d = ParsePreprocessorConfig(nlohmann::json::object(), "x");
  EXPECT_EQ(d.max_tokens, 16384);
  EXPECT_EQ(ParsePreprocessorConfig({{"image_mean", 0.5}}, "x").image_mean[2], 0.5);
  EXPECT_THROW(ParsePreprocessorConfig({{"patch_size", 0}}, "x"), Error);
  EXPECT_THROW(ParsePreprocessorConfig({{"patch_size", "14"}}, "x"), Error);
  EXPECT_THROW(ParsePreprocessorConfig({{"image_std", {0.5, 0.0, 0.5}}}, "x"), Error);
  EXPECT_THROW(ParsePreprocessorConfig({{"image_mean", {0.5, 0.5}}}, "x"), Error);
  EXPECT_THROW(ParsePreprocessorConfig({{"resample", 2}}, "x"), Error);
  EXPECT_THROW(ParsePreprocessorConfig({{"do_resize", false}}, "x"), Error);
  EXPECT_THROW(ReadPreprocessorConfig(MediaData("no-such-dir")), Error);
}

}  // namespace
}  // namespace hm
