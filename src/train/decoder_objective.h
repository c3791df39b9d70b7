// The Hulu-Med model (vision tower, projector, decoder) as the training loop's objective: a
// checkpoint's f32 parameter set, records turned into labelled tokens and preprocessed media
// by train/training_samples.h (the path `train grad` verifies against PyTorch), and the
// backward passes of train/batch_grad.h.
// Media are decoded lazily: a record's length is measured once (when the data is checked, in
// parallel, so a bad image is reported by file:line before training starts) and its pixels
// are rebuilt when it is drawn (the micro-batch's in parallel), with a small cache.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/thread_pool.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "train/decoder_train.h"
#include "train/objective.h"
#include "train/param_set.h"
#include "train/recipe.h"
#include "train/training_samples.h"
#include "train/vision_train.h"

namespace hm {

// The stage's visual settings: merge sizes, token reduction, video sampling, visual budget.
SampleMediaOptions StageMediaOptions(const StageRecipe& stage);

// Speed: one sample per micro-batch runs alone with the thread pool inside its operations;
// several run side by side, one worker per thread with single-threaded operations and its own
// gradient replica, summed in worker order (so results depend on the thread count, not on
// timing). Small models train several times faster that way.
class DecoderObjective : public Objective {
 public:
  // compute: kF32, or kBF16 for bf16 compute with f32 master weights (train/bf16_weights.h):
  // the linear layers' weights and inputs rounded to bf16, f32 sums and f32 everything else.
  DecoderObjective(const std::string& model_dir, int threads, const SampleMediaOptions& media = {},
                   DType compute = DType::kF32);

  std::span<TrainParam> Params() override { return params_.params(); }
  int64_t Length(const TrainRecord& record) const override;
  // A frozen decoder still passes gradients to the visual tokens, without weight gradients; a
  // frozen vision side is not differentiated at all.
  void SetTrainedGroups(const GroupLrs& lrs) override;
  void WeightsChanged() override { bf16_stale_ = true; }
  // Builds every record's sample in parallel and keeps its length (or what was wrong).
  void Prepare(std::span<const TrainRecord> records) override;
  LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) override;

 private:
  TrainingSample Build(const TrainRecord& record) const;
  // The record's sample, from the cache or built (and cached).
  const TrainingSample& Sample(const TrainRecord& record) const;
  // The records' samples built on the pool's threads, in order; a record that cannot be built
  // gives its error message instead.
  std::vector<std::variant<TrainingSample, std::string>> BuildAll(const std::vector<const TrainRecord*>& records);
  // The record's sample into the small cache of recent ones.
  const TrainingSample& Remember(const TrainRecord& record, TrainingSample sample) const;
  // The samples' summed loss, their gradients added to params_ by one worker per thread.
  LossSum SampleParallel(const std::vector<TrainingSample>& samples);

  struct Worker {
    explicit Worker(const ParamSet& master);
    ParamSet params;  // the master's values, the worker's own gradients
    train::DecoderTrainer decoder;
    std::unique_ptr<train::VisionTrainer> vision;
    ThreadPool serial{1};
  };

  ParamSet params_;
  Tokenizer tokenizer_;
  ChatTemplate chat_template_;
  TrainingSampleBuilder builder_;
  train::DecoderTrainer decoder_;
  std::unique_ptr<train::VisionTrainer> vision_;  // null for a text-only checkpoint
  ThreadPool pool_;
  std::optional<GroupLrs> trained_;  // unset: everything trains
  std::unique_ptr<train::Bf16Weights> bf16_;  // bf16 compute: the masters' rounded copies
  bool bf16_stale_ = true;                    // rounded before the next LossAndGrad
  std::vector<std::unique_ptr<Worker>> workers_;  // made on the first multi-sample micro-batch
  mutable std::map<std::string, int64_t> lengths_;  // by record.where (file:line)
  std::map<std::string, std::string> errors_;       // records Prepare could not build
  mutable std::deque<std::pair<std::string, TrainingSample>> recent_;  // newest last
};

}  // namespace hm
