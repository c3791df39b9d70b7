// The tiny model through `hulumed quantize`'s writer: the text GGUF carries llama.cpp's
// qwen2 names and metadata, the mmproj file the vision tower, and both load back as a model
// whose q8_0 greedy continuation matches the f32 original; quantized logits against f32
// (top-1 agreement, KL divergence) are printed for the record. On this tiny model hidden 64
// is not whole Q4_K blocks (256), so "Q4_K" falls back to Q8_0 rows throughout.
#include "model/gguf_checkpoint.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/scratch_dir_testing.h"
#include "model/gguf_export.h"
#include "model/model.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const std::string kTiny = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

std::string Quantized(const ScratchDir& scratch, kernels::BlockType t) {
  const std::string out = scratch.File(kernels::BlockTypeName(t));
  QuantizeCheckpoint(kTiny, out, {t, kernels::BlockType::kQ8_0, 2});
  return out;
}

TEST(GgufCheckpoint, TextFileHasLlamaCppNamesAndMetadata) {
  ScratchDir scratch;
  const std::string dir = Quantized(scratch, kernels::BlockType::kQ8_0);
  const GgufCheckpoint ckpt(dir);
  const GgufFile& f = ckpt.text();
  EXPECT_EQ(f.GetString("general.architecture"), "qwen2");
  EXPECT_EQ(f.Get("qwen2.block_count").value, 2);
  EXPECT_EQ(f.Get("qwen2.embedding_length").value, 64);
  EXPECT_EQ(f.Get("qwen2.feed_forward_length").value, 128);
  EXPECT_EQ(f.Get("qwen2.attention.head_count").value, 4);
  EXPECT_EQ(f.Get("qwen2.attention.head_count_kv").value, 2);
  EXPECT_EQ(f.Get("qwen2.context_length").value, 512);
  EXPECT_FLOAT_EQ(f.Get("qwen2.rope.freq_base").value.get<float>(), 1e6f);
  EXPECT_EQ(f.Get("qwen2.attention.layer_norm_rms_epsilon").kind, GgufKind::kF32);
  EXPECT_EQ(f.Get("general.file_type").value, 7);
  EXPECT_EQ(f.GetString("tokenizer.ggml.model"), "gpt2");
  EXPECT_EQ(f.GetString("tokenizer.ggml.pre"), "qwen2");
  const GgufValue& tokens = f.Get("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.value.size(), 320u);  // padded to the model's vocab_size
  EXPECT_EQ(tokens.value[300], "<|im_end|>");
  EXPECT_EQ(f.Get("tokenizer.ggml.token_type").value[300], 3);  // control
  EXPECT_FALSE(f.Get("tokenizer.ggml.merges").value.empty());
  EXPECT_EQ(f.Get("tokenizer.ggml.eos_token_id").value, 300);
  EXPECT_FALSE(f.GetString("tokenizer.chat_template").empty());
  for (const char* name : {"token_embd.weight", "output_norm.weight", "output.weight", "blk.0.attn_norm.weight",
                           "blk.0.attn_q.weight", "blk.0.attn_q.bias", "blk.0.attn_k.weight", "blk.0.attn_v.bias",
                           "blk.1.attn_output.weight", "blk.1.ffn_norm.weight", "blk.1.ffn_gate.weight",
                           "blk.1.ffn_up.weight", "blk.1.ffn_down.weight"})
    EXPECT_TRUE(f.Find(name)) << name;
  EXPECT_EQ(f.Find("blk.0.ffn_gate.weight")->type, GgmlType::kQ8_0);
  EXPECT_EQ(f.Find("blk.0.ffn_gate.weight")->shape, (std::vector<int64_t>{128, 64}));
  EXPECT_EQ(f.Find("blk.0.attn_norm.weight")->type, GgmlType::kF32);
  ASSERT_TRUE(ckpt.vision());
  EXPECT_EQ(ckpt.vision()->GetString("general.architecture"), "hulumed_vision");
  EXPECT_TRUE(ckpt.vision()->Find("v.blk.1.attn_out.weight"));
  EXPECT_TRUE(ckpt.vision()->Find("mm.2.weight"));
  EXPECT_EQ(ckpt.vision()->Find("v.patch_embd.weight")->type, GgmlType::kF32);  // 14-wide rows stay dense
}

// Logits of every position of a fixed prompt.
std::vector<float> PromptLogits(Model& m, const std::vector<int32_t>& ids) {
  const LlmConfig& c = m.config().llm;
  std::vector<float> x(ids.size() * c.hidden), logits(ids.size() * c.vocab);
  m.decoder().Embed(ids, x.data());
  KvCache cache(c, 64);
  ThreadPool pool(2);
  m.decoder().Forward(x.data(), static_cast<int64_t>(ids.size()), cache, logits.data(), true, pool);
  return logits;
}

std::vector<int32_t> Greedy(Model& m, std::vector<int32_t> ids, int n) {
  const LlmConfig& c = m.config().llm;
  KvCache cache(c, 64);
  ThreadPool pool(2);
  std::vector<float> x(ids.size() * c.hidden), logits(c.vocab);
  m.decoder().Embed(ids, x.data());
  m.decoder().Forward(x.data(), static_cast<int64_t>(ids.size()), cache, logits.data(), false, pool);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    const int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    m.decoder().Embed({&next, 1}, x.data());
    m.decoder().Forward(x.data(), 1, cache, logits.data(), false, pool);
  }
  return out;
}

TEST(GgufCheckpoint, QuantizedLogitsAgainstF32) {
  Model ref(kTiny);
  const std::vector<int32_t> prompt = {299, 10, 57, 200, 33, 120, 7, 88, 250, 301, 5, 17};
  const std::vector<float> want = PromptLogits(ref, prompt);
  const int64_t vocab = ref.config().llm.vocab, n = static_cast<int64_t>(prompt.size());
  ScratchDir scratch;
  for (kernels::BlockType t : {kernels::BlockType::kQ8_0, kernels::BlockType::kQ4_0, kernels::BlockType::kQ4_K}) {
    Model q(Quantized(scratch, t));
    const std::vector<float> got = PromptLogits(q, prompt);
    int agree = 0;
    double kl = 0;
    for (int64_t i = 0; i < n; ++i) {
      const float* a = want.data() + i * vocab;
      const float* b = got.data() + i * vocab;
      agree += std::max_element(a, a + vocab) - a == std::max_element(b, b + vocab) - b;
      const double ma = *std::max_element(a, a + vocab), mb = *std::max_element(b, b + vocab);
      double za = 0, zb = 0;
      for (int64_t j = 0; j < vocab; ++j) za += std::exp(a[j] - ma), zb += std::exp(b[j] - mb);
      for (int64_t j = 0; j < vocab; ++j) {
        const double pa = std::exp(a[j] - ma) / za;
        kl += pa * ((a[j] - ma - std::log(za)) - (b[j] - mb - std::log(zb)));
      }
    }
    kl /= n;
    std::printf("%s vs f32 (tiny-qwen2, %lld positions): top-1 agreement %d/%lld, mean KL %.2e\n",
                kernels::BlockTypeName(t), static_cast<long long>(n), agree, static_cast<long long>(n), kl);
    // Regression bounds, not quality claims: this random model's logits have std ~4.6 and
    // near-ties (gaps of 0.15), so 8-bit moves KL to ~1e-2 and 4-bit to ~0.7.
    EXPECT_LT(kl, t == kernels::BlockType::kQ4_0 ? 1.0 : 2e-2) << kernels::BlockTypeName(t);
    EXPECT_GE(agree, t == kernels::BlockType::kQ4_0 ? n / 2 : n - 1) << kernels::BlockTypeName(t);
  }
}

TEST(GgufCheckpoint, Q8_0GreedyContinuationUnchanged) {
  Model ref(kTiny);
  ScratchDir scratch;
  Model q(Quantized(scratch, kernels::BlockType::kQ8_0));
  for (const std::vector<int32_t>& prompt : {std::vector<int32_t>{299, 10, 57, 200}, std::vector<int32_t>{1, 2, 3, 4, 5, 6}})
    EXPECT_EQ(Greedy(q, prompt, 16), Greedy(ref, prompt, 16));
}

}  // namespace
}  // namespace hm
