// How a front end's settings (command-line flags, request JSON, a dataset config) become the
// engine's options, decided once for `run`, `serve`, `train` and `eval`: the visual choices
// (preprocessing, token reduction, prompt timestamps) and the sampling parameters, whose
// unset values come from the checkpoint (config.json's torch_dtype, generation_config.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/config.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "runtime/multimodal.h"

namespace hm {

// Pixel precision of the reference rule's mask.
enum class ReductionPrecision {
  kAuto,  // bf16 for bf16 checkpoints, as the reference computes it in the model dtype
  kBf16,
  kF32,
};

struct VisualSettings {
  bool true_aspect_ratio = false;  // the reference swaps height and width of still images
  bool token_reduction = true;     // only where config.json use_token_compression is true
  TokenReductionOptions::Rule reduction_rule = TokenReductionOptions::Rule::kReference;
  ReductionPrecision reduction_precision = ReductionPrecision::kAuto;
  bool keep_first_frame = false;
  float reduction_threshold = 0.1f;
  bool timestamps = false;  // frame times in the prompt (the reference's callers pass none)
};

// "reference" | "paper"; "auto" | "bf16" | "f32". `what` names the flag or field in errors.
TokenReductionOptions::Rule ParseReductionRule(std::string_view name, std::string_view what);
ReductionPrecision ParseReductionPrecision(std::string_view name, std::string_view what);

// The bf16 rule: kAuto computes the mask on bf16 pixels iff config.json says bfloat16.
MultimodalOptions ResolveMultimodalOptions(const VisualSettings& settings, const ModelConfig& config);

// Sampling as a front end was asked for it; unset fields fall back to generation_config.json.
struct SamplingRequest {
  std::optional<float> temperature;  // 0 = greedy; unset: the checkpoint's (greedy unless do_sample)
  std::optional<int> top_k;
  std::optional<float> top_p;
  std::optional<float> repetition_penalty;
  std::optional<uint64_t> seed;      // unset: a random seed
};

// GenerationOptions for max_new_tokens new tokens, stopping at the checkpoint's eos ids.
GenerationOptions ResolveGeneration(const SamplingRequest& request, const GenerationDefaults& defaults,
                                    int max_new_tokens);

}  // namespace hm
