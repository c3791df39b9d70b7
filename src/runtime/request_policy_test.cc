#include "runtime/request_policy.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

TEST(ResolveMultimodalOptions, Bf16CheckpointsGetBf16MaskPixelsUnlessTold) {
  ModelConfig bf16, f32;
  bf16.torch_dtype = "bfloat16";
  f32.torch_dtype = "float32";
  VisualSettings s;
  EXPECT_TRUE(ResolveMultimodalOptions(s, bf16).reduction.bf16_pixels);
  EXPECT_FALSE(ResolveMultimodalOptions(s, f32).reduction.bf16_pixels);
  s.reduction_precision = ReductionPrecision::kF32;
  EXPECT_FALSE(ResolveMultimodalOptions(s, bf16).reduction.bf16_pixels);
  s.reduction_precision = ReductionPrecision::kBf16;
  EXPECT_TRUE(ResolveMultimodalOptions(s, f32).reduction.bf16_pixels);
}

TEST(ResolveMultimodalOptions, CopiesTheOtherSettings) {
  VisualSettings s;
  s.true_aspect_ratio = true;
  s.token_reduction = false;
  s.reduction_rule = TokenReductionOptions::Rule::kPaper;
  s.keep_first_frame = true;
  s.reduction_threshold = 0.25f;
  const MultimodalOptions m = ResolveMultimodalOptions(s, ModelConfig{});
  EXPECT_TRUE(m.preprocess.true_aspect_ratio);
  EXPECT_FALSE(m.token_reduction);
  EXPECT_EQ(m.reduction.rule, TokenReductionOptions::Rule::kPaper);
  EXPECT_TRUE(m.reduction.keep_first_frame);
  EXPECT_FLOAT_EQ(m.reduction.threshold, 0.25f);
}

TEST(ParseReductionSettings, NamesOrErrorsNamingTheField) {
  EXPECT_EQ(ParseReductionRule("paper", "--reduction"), TokenReductionOptions::Rule::kPaper);
  EXPECT_EQ(ParseReductionRule("reference", "--reduction"), TokenReductionOptions::Rule::kReference);
  EXPECT_EQ(ParseReductionPrecision("auto", "x"), ReductionPrecision::kAuto);
  EXPECT_EQ(ParseReductionPrecision("bf16", "x"), ReductionPrecision::kBf16);
  EXPECT_EQ(ParseReductionPrecision("f32", "x"), ReductionPrecision::kF32);
  try {
    ParseReductionPrecision("fp16", "--reduction-precision");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--reduction-precision"), std::string::npos);
  }
  EXPECT_THROW(ParseReductionRule("", "--reduction"), Error);
}

TEST(ResolveGeneration, UnsetFieldsComeFromGenerationConfig) {
  GenerationDefaults d;
  d.eos_ids = {5, 7};
  d.do_sample = true;
  d.temperature = 0.7f;
  d.top_k = 20;
  d.top_p = 0.8f;
  d.repetition_penalty = 1.05f;
  const GenerationOptions g = ResolveGeneration({}, d, 33);
  EXPECT_EQ(g.max_new_tokens, 33);
  EXPECT_EQ(g.stop_ids, d.eos_ids);
  EXPECT_FLOAT_EQ(g.sampler.temperature, 0.7f);
  EXPECT_EQ(g.sampler.top_k, 20);
  EXPECT_FLOAT_EQ(g.sampler.top_p, 0.8f);
  EXPECT_FLOAT_EQ(g.sampler.repetition_penalty, 1.05f);
  d.do_sample = false;  // greedy checkpoints keep their temperature for when sampling is asked
  EXPECT_FLOAT_EQ(ResolveGeneration({}, d, 1).sampler.temperature, 0.0f);
}

TEST(ResolveGeneration, RequestOverridesDefaults) {
  GenerationDefaults d;
  d.do_sample = true;
  d.temperature = 0.7f;
  d.top_k = 20;
  SamplingRequest r;
  r.temperature = 0.0f;
  r.top_k = 3;
  r.top_p = 0.5f;
  r.repetition_penalty = 1.2f;
  r.seed = 42;
  const GenerationOptions g = ResolveGeneration(r, d, 1);
  EXPECT_FLOAT_EQ(g.sampler.temperature, 0.0f);
  EXPECT_EQ(g.sampler.top_k, 3);
  EXPECT_FLOAT_EQ(g.sampler.top_p, 0.5f);
  EXPECT_FLOAT_EQ(g.sampler.repetition_penalty, 1.2f);
  EXPECT_EQ(g.sampler.seed, 42u);
}

}  // namespace
}  // namespace hm
