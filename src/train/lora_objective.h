// LoRA fine-tuning as the training loop's objective: the start model's weights stay frozen as
// they are on disk (an HF folder in f32/bf16, or a quantized GGUF folder: the forward runs the
// quantized kernels and the backward goes through them with kernels::MatMulTransposed), and
// only the adapter's A and B train, in the module group of their tower. Checkpoints hold the
// adapter in PEFT's format (model/lora_adapter.h), so `run --lora CHECKPOINT` and
// `lora merge` take them. Records with images, videos or volumes go through the same sample
// builder and batch gradient as full training, the vision tower frozen as on disk, with LoRA
// layers beside the encoder's projections when the stage targets them. The projector stays
// frozen, or trains in full beside the adapter (PEFT's modules_to_save) at the stage's
// projector learning rate.
#pragma once

#include <map>
#include <memory>
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
#include "train/vision_train.h"

namespace hm {

class LoraObjective : public Objective {
 public:
  // A starts as PEFT's Kaiming-uniform draw (from `seed`), B as zero: the adapted model starts
  // as the base. `media`: the stage's visual settings (StageMediaOptions). `train_projector`:
  // the projector's f32 masters train (group kProjector) and are saved with the adapter.
  LoraObjective(const std::string& model_dir, const LoraStage& lora, uint64_t seed, int threads,
                const SampleMediaOptions& media = {}, bool train_projector = false);

  std::span<TrainParam> Params() override { return params_; }
  int64_t Length(const TrainRecord& record) const override;
  // A projector learning rate for an objective made with a frozen projector is an hm::Error
  // rather than silently ignored.
  void SetTrainedGroups(const GroupLrs& lrs) override;
  LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) override;
  // The same for samples already built (tests feed the goldens' pixel rows); `seed` picks the
  // dropout masks.
  LossSum SamplesLossAndGrad(std::span<const TrainingSample> samples, uint64_t seed);
  bool CheckpointIsModel() const override { return false; }
  void WriteCheckpointFiles(const std::string& dir) const override;

  // The adapter as it stands (A and B's current values).
  LoraAdapter Adapter() const;
  const Model& base() const { return base_; }

 private:
  // A text record's sample is built once and cached; one with media is rebuilt when drawn
  // (its pixels are large), its length kept.
  TrainingSample Sample(const TrainRecord& record) const;

  Model base_;
  LoraSettings settings_;
  std::vector<AdaptableLinear> targets_;
  std::vector<ProjectorLayer> projector_;  // trained in full; empty: frozen
  std::vector<std::vector<float>> values_, grads_;  // A then B of each target: what params_ view
  std::vector<TrainParam> params_;
  std::vector<train::LoraLayer> layers_;
  train::DecoderTrainer decoder_;
  std::unique_ptr<train::VisionTrainer> vision_;  // null for a text-only checkpoint
  Tokenizer tokenizer_;
  ChatTemplate chat_template_;
  TrainingSampleBuilder builder_;
  ThreadPool pool_;
  mutable std::map<std::string, LabelledTokens> labelled_;  // text records, by record.where (file:line)
  mutable std::map<std::string, int64_t> media_lengths_;    // records with media, by record.where
};

}  // namespace hm
