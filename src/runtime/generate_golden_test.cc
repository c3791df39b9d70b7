// Parity with the reference twin (tools/reference) on the tiny checkpoints: logits of every
// prompt position and the greedy continuation, token for token.
#include <gtest/gtest.h>

#include "io/json_file.h"
#include "io/npy.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "runtime/golden_case.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::vector<GoldenCase> AllCases() {
  std::vector<GoldenCase> cases;
  for (const char* model : {"tiny-qwen2", "tiny-qwen3", "tiny-qwen2-bf16"})
    for (const auto& entry : fs::directory_iterator(kTestdata / "goldens" / model))
      if (entry.path().extension() == ".json") cases.push_back({model, entry.path().stem().string()});
  std::sort(cases.begin(), cases.end(), [](const GoldenCase& a, const GoldenCase& b) {
    return a.model != b.model ? a.model < b.model : a.name < b.name;
  });
  return cases;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenTest, LogitsAndGreedyTokensMatchReference) {
  const GoldenCase& c = GetParam();
  const fs::path golden_dir = c.Dir();
  const nlohmann::json golden = c.Json();
  Model model(c.ModelDir());
  ThreadPool pool(2);

  Prompt prompt;
  prompt.ids = golden["prompt_ids"].get<std::vector<int32_t>>();
  prompt.embeddings.resize(prompt.ids.size() * model.config().llm.hidden);
  model.decoder().Embed(prompt.ids, prompt.embeddings.data());
  KvCache cache(model.config().llm, 256);
  GenerationOptions options;
  options.max_new_tokens = golden["n_new"].get<int>();
  options.stop_ids = golden["eos_ids"].get<std::vector<int32_t>>();
  std::vector<float> logits;
  const GenerationResult result =
      Generate(model.decoder(), cache, prompt, options, pool, [](int32_t) { return true; }, &logits);

  EXPECT_EQ(result.tokens, golden["greedy_ids"].get<std::vector<int32_t>>());
  const NpyArray expected = ReadNpy((golden_dir / (c.name + ".logits.npy")).string());
  ASSERT_EQ(expected.numel(), static_cast<int64_t>(logits.size()));
  const bool bf16 = model.config().torch_dtype == "bfloat16";
  if (bf16) {
    // Against the same bf16 weights run with f32 activations, as this engine does: tight.
    const fs::path f32_path = golden_dir / (c.name + ".f32.logits.npy");
    EXPECT_LE(MaxAbsDiff(logits, ReadNpy(f32_path.string()).ToF32()), 1e-4f);
    // Against torch running bf16 end to end the gap is bf16 activation rounding, which this
    // engine does not do: we may be no farther from it than torch's own f32 run is.
    const float reference_gap = golden["max_abs_diff_bf16_vs_f32_activations"].get<float>();
    EXPECT_LE(MaxAbsDiff(logits, expected.ToF32()), reference_gap + 1e-3f);
  } else {
    EXPECT_LE(MaxAbsDiff(logits, expected.ToF32()), 1e-4f);
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, GoldenTest, ::testing::ValuesIn(AllCases()), GoldenCaseName());

}  // namespace
}  // namespace hm
