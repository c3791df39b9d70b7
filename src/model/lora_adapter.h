// LoRA adapters in PEFT's directory format, so adapters trained with Hugging Face PEFT load here
// and ours load there:
//
//   ADAPTER_DIR/adapter_config.json        {"peft_type": "LORA", "r": 16, "lora_alpha": 32,
//                                           "lora_dropout": 0.05, "target_modules": ..., ...}
//   ADAPTER_DIR/adapter_model.safetensors  base_model.model.<module>.lora_A.weight  [r, in]
//                                          base_model.model.<module>.lora_B.weight  [out, r]
//
// <module> is the adapted checkpoint tensor's name without ".weight" (PEFT wraps the HF model,
// whose state-dict names are the checkpoint's): model.layers.3.self_attn.q_proj,
// model.layers.3.mlp.down_proj, model.vision_encoder.encoder.layers.0.mlp.fc1 (the original
// release's doubled model.vision_encoder.vision_encoder. prefix is accepted too). The tensors
// say which modules are adapted; target_modules (a list of module-name suffixes or one regex,
// PEFT's two forms) is checked against the model. The update is W + scale · B A with
// scale = lora_alpha / r, or lora_alpha / √r with use_rslora. The projector may be trained in
// full beside the adapter (PEFT's "modules_to_save": ["mm_projector"]): its tensors are then
// base_model.model.<checkpoint name> and replace the base's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/config.h"
#include "model/low_rank.h"
#include "model/weights.h"

namespace hm {

struct LoraSettings {
  int rank = 8;
  double alpha = 16;
  double dropout = 0;  // training only
  bool rslora = false;
  float Scale() const;
};

struct LoraModule {
  std::string weight;    // the adapted checkpoint tensor, "model.layers.0.self_attn.q_proj.weight"
  int64_t out = 0, in = 0;
  std::vector<float> a;  // [rank, in]
  std::vector<float> b;  // [out, rank]
};

// A tensor trained in full beside the adapter (modules_to_save), under its checkpoint name.
struct SavedTensor {
  std::string name;  // "model.mm_projector.readout.0.weight"
  std::vector<int64_t> shape;
  std::vector<float> values;
};

struct LoraAdapter {
  LoraSettings settings;
  std::vector<LoraModule> modules;
  std::vector<SavedTensor> projector;  // every projector tensor (ProjectorLayers order, weight then bias), or none
};

// The linear layers of `config` a LoRA update may sit beside, as checkpoint tensor names with
// their [out, in]: the decoder's q/k/v/o_proj and gate/up/down_proj, the vision tower's
// q/k/v/out_proj and fc1/fc2, in checkpoint order.
struct AdaptableLinear {
  std::string weight;
  int64_t out = 0, in = 0;
  bool vision = false;
};
std::vector<AdaptableLinear> AdaptableLinears(const ModelConfig& config);

// The weights whose short module name (q_proj, fc1, ...) is among `llm` (decoder) or `vision`
// (vision tower). An unknown name is an hm::Error listing the known ones.
std::vector<AdaptableLinear> SelectLinears(const ModelConfig& config, const std::vector<std::string>& llm,
                                           const std::vector<std::string>& vision);

// PEFT's tensor names for the update of checkpoint tensor `weight`.
std::string PeftLoraAName(const std::string& weight);
std::string PeftLoraBName(const std::string& weight);

// Reads and validates an adapter against the model it adapts: every tensor names an adaptable
// layer of `config` with matching shapes and rank, the config is plain LoRA (no DoRA, bias,
// fan_in_fan_out, modules_to_save other than the whole mm_projector, rank/alpha patterns).
// Errors name the file and tensor.
LoraAdapter ReadLoraAdapter(const std::string& dir, const ModelConfig& config);

// Writes adapter_config.json and adapter_model.safetensors (f32) into dir, each atomically.
// `base_model` goes into base_model_name_or_path.
void WriteLoraAdapter(const std::string& dir, const LoraAdapter& adapter, const std::string& base_model);

// Low-rank views over the adapter's tensors, attached to the matching layers of `weights`, and
// the adapter's projector (if any) in place of the base's. The returned views and the adapter
// are what the weights point at: keep them alive as long.
std::vector<LowRank> AttachLora(const LoraAdapter& adapter, ModelWeights& weights);

// w [out, in] += scale · B A: the update merged into an f32 copy of the weight.
void MergeLoraInto(const LoraModule& module, float scale, float* w);

}  // namespace hm
