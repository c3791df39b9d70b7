// Binds a checkpoint's tensors to the model's parameters, checking every name, shape and
// dtype against the config. Large matrices stay in the mapped files; the small 1-D
// parameters (norms, biases) are widened to f32 copies once, since every kernel wants them so.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/checkpoint_files.h"
#include "kernels/kernels.h"
#include "model/config.h"
#include "model/low_rank.h"

namespace hm {

using kernels::Matrix;
using Vector = std::vector<float>;  // empty when the checkpoint has no such parameter

struct DecoderLayerWeights {
  Vector input_norm, post_attention_norm;  // [hidden]
  Matrix q, k, v, o;                       // q: [heads*head_dim, hidden], o: [hidden, heads*head_dim]
  Vector q_bias, k_bias, v_bias;           // Qwen2 only
  Vector q_norm, k_norm;                   // [head_dim], Qwen3 only
  Matrix gate, up, down;                   // gate/up: [intermediate, hidden], down: [hidden, intermediate]
  struct Adapters {  // LoRA updates beside the projections (model/low_rank.h); null: none
    const LowRank *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr;
    const LowRank *gate = nullptr, *up = nullptr, *down = nullptr;
  } lora;
};

struct DecoderWeights {
  bool qk_norm = false;   // Qwen3 family: detected from the tensors, not model_type
  bool qkv_bias = false;
  Matrix embed;           // [vocab, hidden]
  Matrix lm_head;         // [vocab, hidden]; the embedding itself when tied
  Vector final_norm;
  std::vector<DecoderLayerWeights> layers;
};

struct Linear {
  Matrix weight;
  Vector bias;
  const LowRank* lora = nullptr;  // a LoRA update beside the weight (model/low_rank.h), or none
};

struct VisionLayerWeights {
  Vector ln1_weight, ln1_bias, ln2_weight, ln2_bias;
  Linear q, k, v, out, fc1, fc2;
};

struct VisionWeights {
  Linear patch_embed;  // conv weight [D, C, P, P] viewed as [D, C*P*P]
  std::vector<VisionLayerWeights> layers;
  Vector post_ln_weight, post_ln_bias;
};

struct ModelWeights {
  DecoderWeights decoder;
  std::optional<VisionWeights> vision;
  std::vector<Linear> projector;  // GELU (erf) between consecutive layers
};

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};

// The projector's linear layers in order, as checkpoint module names ("model.mm_projector" or
// "model.mm_projector.readout.<2i>": .weight [out, in] and .bias [out] each).
struct ProjectorLayer {
  std::string module;
  int64_t out = 0, in = 0;
};
std::vector<ProjectorLayer> ProjectorLayers(const ModelConfig& config);

// Every tensor a checkpoint of this config holds, in HF naming; qk_norm selects the Qwen3
// layout (per-head q/k norms, q/k/v bias only if config says attention_bias).
std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config, bool qk_norm);

// One tensor as a weight source holds it, under its HF name: dense (dtype) or block-quantized.
struct SourceTensor {
  DType dtype = DType::kF32;
  kernels::BlockType blocks = kernels::BlockType::kNone;
  std::vector<int64_t> shape;
  const void* data = nullptr;
  std::string file;  // for error messages
};
using SourceTensors = std::map<std::string, SourceTensor>;

// Throws hm::Error naming the tensor and file for a missing, unexpected, mis-shaped or
// unsupported-dtype tensor. `where` names the source (directory) in errors.
ModelWeights BindWeights(const SourceTensors& tensors, const std::string& where, const ModelConfig& config);
ModelWeights BindWeights(const CheckpointFiles& files, const ModelConfig& config);

}  // namespace hm
