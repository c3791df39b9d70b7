// End to end against the reference twin (tools/reference/e2e_goldens.py): real media files
// through the engine's loaders, preprocessing, encoder, projector, token reduction, splicing
// and decoder, every stage compared. Tolerances:
//   decoded frames and pixel rows: bit-exact (CRC-32 of the bytes); per-row sums of the pixel
//     rows within 1e-4, which says where rows differ when a CRC does not match;
//   encoder and projector output, final logits: 1e-4 absolute (float32 activations);
//   token-reduction masks, prompt ids after reduction, greedy ids: exact.
// apps/cli_test.cc runs the volume case through the real hulumed binary.
#include <gtest/gtest.h>
#include <zlib.h>

#include "io/json_file.h"
#include "io/npy.h"
#include "media/image_file.h"
#include "media/nifti.h"
#include "media/preprocessor_config.h"
#include "media/video.h"
#include "runtime/chat.h"
#include "runtime/golden_case.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

constexpr float kFeatureTolerance = 1e-4f;
constexpr float kRowSumTolerance = 1e-4f;

uint32_t Crc(const void* data, size_t bytes) {
  return static_cast<uint32_t>(crc32(0, static_cast<const Bytef*>(data), static_cast<uInt>(bytes)));
}

// The media of a case, loaded by the engine's own loaders with the options the case names.
std::vector<MediaItem> LoadCaseMedia(const nlohmann::json& golden) {
  std::vector<MediaItem> media;
  for (const auto& item : golden["items"]) {
    const std::string kind = item["kind"];
    const std::string path = (fs::path(HULUMED_SOURCE_DIR) / item["file"].get<std::string>()).string();
    const nlohmann::json& opts = item["options"];
    if (kind == "image") {
      media.push_back({MediaKind::kImage, StillImage(LoadImageFile(path))});
    } else if (kind == "volume") {
      media.push_back({MediaKind::kVolume, LoadNifti(path, {SliceAxis::kAxial, opts["slices"].get<int>()})});
    } else {
      VideoOptions v;
      v.fps = opts["fps"].get<double>();
      media.push_back({MediaKind::kVideo, LoadVideo(path, v)});
    }
  }
  return media;
}

// The options of one golden run; the reference computes its mask on bf16 pixels.
MultimodalOptions GoldenRunOptions(const nlohmann::json& run) {
  MultimodalOptions options;
  options.token_reduction = run["token_reduction"];
  options.reduction.bf16_pixels = run["mask_mode"] == "bf16";
  return options;
}

// The last `tail` rows of [n, vocab] logits (all of them when there are fewer, which then
// fails the size check of MaxAbsDiff).
std::vector<float> Tail(const std::vector<float>& logits, int64_t vocab, int64_t tail) {
  const size_t n = std::min(logits.size(), static_cast<size_t>(tail * vocab));
  return {logits.end() - static_cast<std::ptrdiff_t>(n), logits.end()};
}

class E2eGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(E2eGolden, EveryStageMatchesReference) {
  const GoldenCase& c = GetParam();
  const fs::path dir = c.Dir("e2e");
  const nlohmann::json g = c.Json("e2e");
  const std::string model_dir = c.ModelDir();
  Model model(model_dir);
  ThreadPool pool(2);
  const PreprocessorConfig preprocessor = ReadPreprocessorConfig(model_dir);

  const std::vector<MediaItem> media = LoadCaseMedia(g);
  std::vector<Frames> frames;
  for (const MediaItem& m : media) frames.push_back(m.frames);
  const std::vector<PreprocessedMedia> pre = Preprocess(frames, preprocessor);
  ASSERT_EQ(pre.size(), g["items"].size());

  for (size_t i = 0; i < pre.size(); ++i) {
    SCOPED_TRACE("item " + std::to_string(i));
    const nlohmann::json& want = g["items"][i];
    // Loading: same frames, byte for byte. (The video is 100 px wide, not a multiple of 8:
    // swscale must be given a padded destination row to convert the last 4 pixels.)
    const auto& crcs = want["frames_crc"];
    ASSERT_EQ(frames[i].images.size(), crcs.size());
    for (size_t f = 0; f < crcs.size(); ++f) {
      const Image& im = frames[i].images[f];
      EXPECT_EQ(std::vector<int64_t>({im.height, im.width, 3}), want["frame_shape"].get<std::vector<int64_t>>());
      EXPECT_EQ(Crc(im.rgb.data(), im.rgb.size()), crcs[f].get<uint32_t>()) << "frame " << f;
    }

    // Preprocessing: grid and pixel rows.
    const PreprocessedMedia& p = pre[i];
    EXPECT_EQ(std::vector<int64_t>(p.grid.begin(), p.grid.end()), want["grid"].get<std::vector<int64_t>>());
    EXPECT_EQ(p.merge_size, want["merge_size"].get<int>());
    ASSERT_EQ(std::vector<int64_t>({p.pixels.rows, p.pixels.cols}),
              want["pixels"]["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(Crc(p.pixels.data.data(), p.pixels.data.size() * sizeof(float)), want["pixels"]["crc32"].get<uint32_t>());
    std::vector<float> sums(static_cast<size_t>(p.pixels.rows));
    for (int64_t r = 0; r < p.pixels.rows; ++r) {
      double s = 0;
      for (int64_t k = 0; k < p.pixels.cols; ++k) s += p.pixels.data[r * p.pixels.cols + k];
      sums[r] = static_cast<float>(s);
    }
    EXPECT_LE(MaxAbsDiff(sums, GoldenArray(dir, want["pixels"]["row_sums"])), kRowSumTolerance) << "pixel row sums";

    // Vision tower.
    const std::vector<float> encoded = model.vision()->Encode(p, pool);
    EXPECT_LE(MaxAbsDiff(encoded, GoldenArray(dir, want["encoder"])), kFeatureTolerance) << "encoder";
    EXPECT_LE(MaxAbsDiff(model.vision()->Project(encoded, pool), GoldenArray(dir, want["projector"])), kFeatureTolerance)
        << "projector";

    // Token reduction masks (images keep everything).
    for (const char* mode : {"bf16", "f32"}) {
      TokenReductionOptions reduction;
      reduction.bf16_pixels = std::string(mode) == "bf16";
      const std::vector<uint8_t> mask = p.merge_size > 1 && p.grid[0] > 1
                                            ? PixelKeepMask(p, reduction)
                                            : std::vector<uint8_t>(encoded.size() / model.vision()->hidden(), 1);
      EXPECT_EQ(std::vector<int>(mask.begin(), mask.end()), want["kept_mask"][mode].get<std::vector<int>>()) << mode;
    }
  }

  // The whole request as `hulumed run --prompt-ids` makes it: expand, splice, reduce, decode.
  const std::vector<int32_t> ids = g["prompt_ids"];
  const int64_t vocab = model.config().llm.vocab, tail = g["logit_tail"];
  for (const auto& run : g["runs"]) {
    SCOPED_TRACE(run["token_reduction"] ? "reduction on" : "reduction off");
    const PreparedPrompt prepared = PreparePromptFromIds(model, ids, media, preprocessor, GoldenRunOptions(run), pool);
    EXPECT_EQ(prepared.visual_tokens, run["visual_tokens"].get<int64_t>());
    EXPECT_EQ(prepared.visual_tokens_kept, run["visual_tokens_kept"].get<int64_t>());
    EXPECT_EQ(prepared.prompt.ids, run["input_ids"].get<std::vector<int32_t>>());

    KvCache cache(model.config().llm, 512);
    GenerationOptions generation;
    generation.max_new_tokens = g["n_new"];
    generation.stop_ids = g["eos_ids"].get<std::vector<int32_t>>();
    std::vector<float> logits;
    const GenerationResult result = Generate(
        model.decoder(), cache, prepared.prompt, generation, pool, [](int32_t) { return true; }, &logits);
    EXPECT_EQ(result.tokens, run["greedy_ids"].get<std::vector<int32_t>>());
    EXPECT_LE(MaxAbsDiff(Tail(logits, vocab, tail), GoldenArray(dir, run["logits"])), kFeatureTolerance) << "logits";
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, E2eGolden,
                         ::testing::Values(GoldenCase{"tiny-qwen2", "image"}, GoldenCase{"tiny-qwen2", "two_images"},
                                           GoldenCase{"tiny-qwen2", "volume"}, GoldenCase{"tiny-qwen2", "video"},
                                           GoldenCase{"tiny-qwen3", "video"}),
                         GoldenCaseName());

}  // namespace
}  // namespace hm
