// Parity with the reference twin on the vision path: encoder, downsample, projector, token
// reduction masks (bf16 and f32 pixel modes), splicing and final logits / greedy tokens.
#include <gtest/gtest.h>

#include "io/json_file.h"
#include "io/npy.h"
#include "media/preprocessor_config.h"
#include "runtime/chat.h"
#include "runtime/golden_case.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

void ExpectClose(const std::vector<float>& ours, const fs::path& dir, const nlohmann::json& entry, float tol,
                 const std::string& what) {
  EXPECT_LE(MaxAbsDiff(ours, GoldenArray(dir, entry)), tol) << what;
}

class VisionGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(VisionGolden, EveryStageMatchesReference) {
  const GoldenCase& c = GetParam();
  const fs::path dir = c.Dir("vision");
  const nlohmann::json g = c.Json("vision");
  const std::string model_dir = c.ModelDir();
  Model model(model_dir);
  ThreadPool pool(2);

  PreprocessedMedia media;
  const NpyArray pixels = ReadNpy((dir / g["pixels"]["file"].get<std::string>()).string());
  media.pixels = {pixels.ToF32(), pixels.shape[0], pixels.shape[1]};
  media.grid = {g["grid"][0], g["grid"][1], g["grid"][2]};
  media.merge_size = g["merge_size"];

  const auto& stages = g["stages"]["f32"];
  const std::vector<float> encoded = model.vision()->Encode(media, pool);
  ExpectClose(encoded, dir, stages["encoder"], 1e-4f, "encoder");
  ExpectClose(model.vision()->Project(encoded, pool), dir, stages["projector"],
              1e-4f, "projector");

  TokenReductionOptions reduction;
  for (const char* mode : {"bf16", "f32"}) {
    reduction.bf16_pixels = std::string(mode) == "bf16";
    const std::vector<uint8_t> mask = media.merge_size > 1 ? PixelKeepMask(media, reduction)
                                                           : std::vector<uint8_t>(encoded.size() / model.vision()->hidden(), 1);
    EXPECT_EQ(std::vector<int>(mask.begin(), mask.end()), g["kept_mask"][mode].get<std::vector<int>>()) << mode;
  }

  // The prompt as a user writes it: one <image> per frame, through the real tokenizer.
  const Tokenizer tokenizer = Tokenizer::FromDir(model_dir);
  const std::vector<int32_t> ids = tokenizer.Encode(g["prompt_text"].get<std::string>());
  for (const auto& run : g["runs"]) {
    if (run["activations"] != "f32") continue;
    MultimodalOptions options;
    options.reduction.bf16_pixels = run["mask_mode"] == "bf16";
    std::vector<EncodedMedia> items(1);
    EncodedMedia& e = items[0];
    e.grid = media.grid;
    e.frames = media.grid[0];
    e.tokens_per_frame = (media.grid[1] / media.merge_size) * (media.grid[2] / media.merge_size);
    e.features = model.vision()->Project(encoded, pool);
    e.keep = media.merge_size > 1 ? PixelKeepMask(media, options.reduction)
                                  : std::vector<uint8_t>(static_cast<size_t>(e.tokens_per_frame), 1);
    Prompt prompt = AssemblePrompt(model.decoder(), ids, g["image_token_id"].get<int32_t>(), items);
    EXPECT_EQ(prompt.ids, run["input_ids"].get<std::vector<int32_t>>());

    KvCache cache(model.config().llm, 256);
    GenerationOptions generation;
    generation.max_new_tokens = g["n_new"];
    generation.stop_ids = g["eos_ids"].get<std::vector<int32_t>>();
    std::vector<float> logits;
    const GenerationResult result =
        Generate(model.decoder(), cache, prompt, generation, pool, [](int32_t) { return true; }, &logits);
    EXPECT_EQ(result.tokens, run["greedy_ids"].get<std::vector<int32_t>>());
    ExpectClose(logits, dir, run["logits"], 1e-4f, "logits");
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, VisionGolden,
                         ::testing::Values(GoldenCase{"tiny-qwen2", "image"}, GoldenCase{"tiny-qwen2", "volume"},
                                           GoldenCase{"tiny-qwen3", "image"}, GoldenCase{"tiny-qwen3", "volume"}),
                         GoldenCaseName());

}  // namespace
}  // namespace hm
