// A batched step gives every sequence what it gets alone: the same greedy continuation and
// logits to float rounding, whether its rows are a prompt, a prompt chunk or one decode token,
// with dense and with block-quantized weights (where a batch of rows and a lone row take
// different integer kernels: the tiled GEMM and the decode dots).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "model/gguf_export.h"
#include "model/model.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(HULUMED_SOURCE_DIR) / "testdata" / "models";

// tiny-qwen2 as `hulumed quantize` writes it, in the test's scratch folder.
std::string Quantized(const ScratchDir& scratch, kernels::BlockType t) {
  const std::string out = scratch.File(kernels::BlockTypeName(t));
  QuantizeCheckpoint((kModels / "tiny-qwen2").string(), out, {t, kernels::BlockType::kQ8_0, 2});
  return out;
}

int32_t Argmax(const std::vector<float>& logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

struct Greedy {
  std::vector<int32_t> ids;                  // greedy continuation
  std::vector<std::vector<float>> logits;    // per step
};

// The prompt in chunks of `chunk`, then `steps` greedy tokens, one sequence at a time.
Greedy Alone(const Model& model, const std::vector<int32_t>& prompt, int steps, ThreadPool& pool) {
  const Decoder& d = model.decoder();
  const int64_t h = d.config().hidden;
  KvCache cache(d.config(), 64);
  std::vector<float> x(prompt.size() * h), logits(static_cast<size_t>(d.config().vocab));
  d.Embed(prompt, x.data());
  d.Forward(x.data(), static_cast<int64_t>(prompt.size()), cache, logits.data(), false, pool);
  Greedy run;
  for (int s = 0; s < steps; ++s) {
    run.logits.push_back(logits);
    run.ids.push_back(Argmax(logits));
    d.Embed({&run.ids.back(), 1}, x.data());
    d.Forward(x.data(), 1, cache, logits.data(), false, pool);
  }
  return run;
}

TEST(DecoderBatch, EverySequenceGetsWhatItGetsAlone) {
  ThreadPool pool(2);
  const ScratchDir scratch;
  const std::string q4_0 = Quantized(scratch, kernels::BlockType::kQ4_0);
  const std::string q8_0 = Quantized(scratch, kernels::BlockType::kQ8_0);
  for (const std::string& dir : {(kModels / "tiny-qwen2").string(), (kModels / "tiny-qwen3").string(),
                                 (kModels / "tiny-qwen2-bf16").string(), q4_0, q8_0}) {
    const std::string name = fs::path(dir).filename().string();
    const Model model(dir);
    const Decoder& d = model.decoder();
    const int64_t h = d.config().hidden, vocab = d.config().vocab;
    const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3, 4, 5, 6, 7}, {9, 8}, {5, 5, 5, 5, 11, 12, 13, 14, 15, 16, 17}};
    constexpr int kSteps = 6;
    std::vector<Greedy> alone;
    for (const auto& p : prompts) alone.push_back(Alone(model, p, kSteps, pool));

    // Sequence 2 joins late: its prompt is prefilled in two chunks while 0 and 1 decode.
    std::vector<KvCache> caches;
    for (size_t i = 0; i < prompts.size(); ++i) caches.emplace_back(d.config(), 64);
    std::vector<std::vector<float>> x(prompts.size()), logits(prompts.size(), std::vector<float>(vocab));
    std::vector<Greedy> batched(prompts.size());
    std::vector<int64_t> fed(prompts.size(), 0);  // prompt positions fed so far
    const std::vector<int64_t> chunk = {7, 2, 6};
    for (int step = 0; step < kSteps + 3; ++step) {
      std::vector<Decoder::Segment> segments;
      std::vector<size_t> who;
      for (size_t i = 0; i < prompts.size(); ++i) {
        if (i == 2 && step == 0) continue;  // not arrived yet
        if (static_cast<int>(batched[i].ids.size()) == kSteps) continue;
        const int64_t left = static_cast<int64_t>(prompts[i].size()) - fed[i];
        if (left > 0) {
          const int64_t n = std::min(left, chunk[i]);
          x[i].resize(n * h);
          d.Embed({prompts[i].data() + fed[i], static_cast<size_t>(n)}, x[i].data());
          segments.push_back({x[i].data(), n, &caches[i], logits[i].data()});
          fed[i] += n;
        } else {
          x[i].resize(h);
          d.Embed({&batched[i].ids.back(), 1}, x[i].data());
          segments.push_back({x[i].data(), 1, &caches[i], logits[i].data()});
        }
        who.push_back(i);
      }
      if (segments.empty()) break;
      d.ForwardBatch(segments, pool);
      for (size_t i : who) {
        if (fed[i] < static_cast<int64_t>(prompts[i].size())) continue;  // mid-prompt: no token yet
        batched[i].logits.push_back(logits[i]);
        batched[i].ids.push_back(Argmax(logits[i]));
      }
    }
    for (size_t i = 0; i < prompts.size(); ++i) {
      EXPECT_EQ(batched[i].ids, alone[i].ids) << name << " sequence " << i;
      for (size_t s = 0; s < alone[i].logits.size() && s < batched[i].logits.size(); ++s)
        for (int64_t v = 0; v < vocab; ++v)
          ASSERT_NEAR(batched[i].logits[s][v], alone[i].logits[s][v], 2e-4) << name << " seq " << i << " step " << s;
    }
  }
  fs::remove_all(q4_0);
  fs::remove_all(q8_0);
}

TEST(DecoderBatch, RefusesTwoSegmentsOnOneCache) {
  const Model model((kModels / "tiny-qwen2").string());
  const Decoder& d = model.decoder();
  ThreadPool pool(1);
  KvCache cache(d.config(), 8);
  std::vector<float> x(d.config().hidden), logits(d.config().vocab);
  const Decoder::Segment s{x.data(), 1, &cache, logits.data()};
  const std::vector<Decoder::Segment> twice = {s, s};
  EXPECT_THROW(d.ForwardBatch(twice, pool), Error);
}

}  // namespace
}  // namespace hm
