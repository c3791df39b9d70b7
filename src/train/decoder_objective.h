// The Hulu-Med decoder as the training loop's objective: a checkpoint's f32 parameter set,
// records labelled with the reference processor's rule, and the backward passes of
// train/batch_grad.h. Text-only records for now: a record with media is reported as bad
// (skipped, or stops a --strict run) until the loop hands media to the vision tower.
#pragma once

#include <map>
#include <string>

#include "text/chat_template.h"
#include "core/thread_pool.h"
#include "text/tokenizer.h"
#include "train/chat_labels.h"
#include "train/decoder_train.h"
#include "train/objective.h"
#include "train/param_set.h"

namespace hm {

class DecoderObjective : public Objective {
 public:
  DecoderObjective(const std::string& model_dir, int threads);

  std::span<TrainParam> Params() override { return params_.params(); }
  int64_t Length(const TrainRecord& record) const override;
  LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) override;

 private:
  const LabelledTokens& Labelled(const TrainRecord& record) const;

  ParamSet params_;
  Tokenizer tokenizer_;
  ChatTemplate chat_template_;
  train::DecoderTrainer decoder_;
  ThreadPool pool_;
  // Records are tokenized once: the loop asks for lengths at validation and every draw.
  mutable std::map<std::string, LabelledTokens> labelled_;  // by record.where (file:line)
};

}  // namespace hm
