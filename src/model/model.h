// A loaded checkpoint directory: config, mapped weights and the decoder over them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint_files.h"
#include "model/config.h"
#include "model/decoder.h"
#include "model/gguf_checkpoint.h"
#include "model/lora_adapter.h"
#include "model/vision_encoder.h"
#include "model/weights.h"

namespace hm {

// generation_config.json: what the checkpoint's authors ran generation with.
struct GenerationDefaults {
  std::vector<int32_t> eos_ids;
  bool do_sample = false;
  float temperature = 1.0f;
  int top_k = 0;
  float top_p = 1.0f;
  float repetition_penalty = 1.0f;
};

class Model {
 public:
  // Maps the weights (no copy) and validates config and every tensor; throws hm::Error.
  // With lora_dir, a PEFT LoRA adapter (model/lora_adapter.h) is applied at inference as a
  // side path beside the frozen weights (model/low_rank.h), which may be quantized.
  explicit Model(const std::string& dir, const std::string& lora_dir = "");

  const std::string& dir() const { return dir_; }
  const ModelConfig& config() const { return config_; }
  const ModelWeights& weights() const { return weights_; }
  const GenerationDefaults& generation_defaults() const { return generation_; }
  // HF (safetensors) checkpoints only; a directory of GGUF files has no CheckpointFiles.
  const CheckpointFiles& files() const { return *files_; }
  Decoder& decoder() { return *decoder_; }
  const Decoder& decoder() const { return *decoder_; }
  // Null for text-only checkpoints (plain Qwen).
  const VisionEncoder* vision() const { return vision_.get(); }

 private:
  std::string dir_;
  ModelConfig config_;
  std::unique_ptr<CheckpointFiles> files_;
  std::unique_ptr<GgufCheckpoint> gguf_;  // instead of files_ for `hulumed quantize` output
  ModelWeights weights_;
  std::unique_ptr<LoraAdapter> lora_;
  std::vector<LowRank> lora_views_;  // what weights_ points at for the adapted layers
  GenerationDefaults generation_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<VisionEncoder> vision_;
};

}  // namespace hm
