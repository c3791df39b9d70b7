// What config.json of a Hulu-Med (or plain Qwen2/Qwen3) checkpoint says about the model.
// Everything architectural is read from here; nothing about the family is hard-coded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hm {

struct LlmConfig {
  int64_t hidden = 0;
  int64_t intermediate = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int head_dim = 0;  // config head_dim (Qwen3) or hidden / n_heads
  float rms_eps = 1e-6f;
  double rope_theta = 10000.0;
  int64_t vocab = 0;
  bool tie_embeddings = false;
  int64_t max_positions = 0;
  bool attention_bias_hint = false;  // Qwen3's attention_bias key; Qwen2 always has q/k/v bias
};

struct VisionConfig {
  int64_t hidden = 0;
  int64_t intermediate = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_channels = 3;
  int patch_size = 14;
  float layer_norm_eps = 1e-6f;
};

struct ModelConfig {
  std::string model_type;  // hulumed_qwen2, hulumed_qwen3, qwen2, qwen3
  std::string torch_dtype;
  LlmConfig llm;
  std::optional<VisionConfig> vision;  // absent for plain Qwen LLMs
  std::string projector_type;          // "linear" or "mlp<N>x_gelu"
  int projector_depth = 2;             // Linear layers in the projector (1 for linear)
  bool use_token_compression = false;
  int64_t image_token_index = -1;
  std::string fixture_note;  // set on untrained checkpoints made by our tools
  std::string scope_note;    // what a demo model knows and does not (config "hulumed_scope"), shown by `run`
};

// Parses and validates config.json; errors name `source` and the offending key.
ModelConfig ParseModelConfig(const nlohmann::json& j, const std::string& source);
ModelConfig LoadModelConfig(const std::string& checkpoint_dir);

}  // namespace hm
