#include "runtime/request_policy.h"

#include <random>

#include "core/error.h"

namespace hm {

TokenReductionOptions::Rule ParseReductionRule(std::string_view name, std::string_view what) {
  if (name == "reference") return TokenReductionOptions::Rule::kReference;
  if (name == "paper") return TokenReductionOptions::Rule::kPaper;
  Fail(what, ": '", name, "' is not reference or paper");
}

ReductionPrecision ParseReductionPrecision(std::string_view name, std::string_view what) {
  if (name == "auto") return ReductionPrecision::kAuto;
  if (name == "bf16") return ReductionPrecision::kBf16;
  if (name == "f32") return ReductionPrecision::kF32;
  Fail(what, ": '", name, "' is not auto, bf16 or f32");
}

MultimodalOptions ResolveMultimodalOptions(const VisualSettings& s, const ModelConfig& config) {
  MultimodalOptions m;
  m.preprocess.true_aspect_ratio = s.true_aspect_ratio;
  m.token_reduction = s.token_reduction;
  m.reduction.rule = s.reduction_rule;
  m.reduction.keep_first_frame = s.keep_first_frame;
  m.reduction.threshold = s.reduction_threshold;
  // The reference casts pixels to the model dtype before computing the mask.
  m.reduction.bf16_pixels = s.reduction_precision == ReductionPrecision::kBf16 ||
                            (s.reduction_precision == ReductionPrecision::kAuto && config.torch_dtype == "bfloat16");
  return m;
}

GenerationOptions ResolveGeneration(const SamplingRequest& r, const GenerationDefaults& d, int max_new_tokens) {
  GenerationOptions g;
  g.max_new_tokens = max_new_tokens;
  g.stop_ids = d.eos_ids;
  g.sampler.temperature = r.temperature.value_or(d.do_sample ? d.temperature : 0.0f);
  g.sampler.top_k = r.top_k.value_or(d.top_k);
  g.sampler.top_p = r.top_p.value_or(d.top_p);
  g.sampler.repetition_penalty = r.repetition_penalty.value_or(d.repetition_penalty);
  g.sampler.seed = r.seed ? *r.seed : std::random_device{}();
  return g;
}

}  // namespace hm
