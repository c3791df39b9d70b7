// LoRA fine-tuning as the training loop's objective: the start model's weights stay frozen as
// they are on disk (an HF folder in f32/bf16, or a quantized GGUF folder: the forward runs the
// quantized kernels and the backward goes through them with kernels::MatMulTransposed), and
// only the adapter's A and B train, in the module group of their tower. Checkpoints hold the
// adapter in PEFT's format (model/lora_adapter.h), so `run --lora CHECKPOINT` and
// `lora merge` take them. Text records only for now: a record with media is reported as bad
// (skipped, or stops a --strict run) until the vision forward runs on a frozen base.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/lora_adapter.h"
#include "model/model.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "train/decoder_train.h"
#include "train/lora.h"
#include "train/objective.h"
#include "train/recipe.h"
#include "train/training_samples.h"

namespace hm {

class LoraObjective : public Objective {
 public:
  // A starts as PEFT's Kaiming-uniform draw (from `seed`), B as zero: the adapted model starts
  // as the base. Vision-tower targets are an hm::Error for now (the adapter format, run and
  // merge take them; training them needs the vision backward on a frozen base).
  LoraObjective(const std::string& model_dir, const LoraStage& lora, uint64_t seed, int threads);

  std::span<TrainParam> Params() override { return params_; }
  int64_t Length(const TrainRecord& record) const override;
  LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) override;
  bool CheckpointIsModel() const override { return false; }
  void WriteCheckpointFiles(const std::string& dir) const override;

  // The adapter as it stands (A and B's current values).
  LoraAdapter Adapter() const;
  const Model& base() const { return base_; }

 private:
  const LabelledTokens& Labelled(const TrainRecord& record) const;  // built once, cached

  Model base_;
  LoraSettings settings_;
  std::vector<AdaptableLinear> targets_;
  std::vector<std::vector<float>> values_, grads_;  // A then B of each target: what params_ view
  std::vector<TrainParam> params_;
  std::vector<train::LoraLayer> layers_;
  train::DecoderTrainer decoder_;
  Tokenizer tokenizer_;
  ChatTemplate chat_template_;
  TrainingSampleBuilder builder_;
  ThreadPool pool_;
  mutable std::map<std::string, LabelledTokens> labelled_;  // by record.where (file:line)
};

}  // namespace hm
