// What the training loop needs from a model: its parameters, the length of a sample, and the
// loss with its gradient on a micro-batch. The decoder (backward passes) implements it; so
// does a least-squares toy that exercises the loop end to end.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "train/group_lrs.h"
#include "train/packing.h"
#include "train/param_view.h"
#include "train/train_record.h"

namespace hm {

// One micro-batch: samples packed into one row sequence (positions restart per sample).
struct Batch {
  std::vector<const TrainRecord*> samples;
  std::vector<int64_t> lengths;  // Objective::Length of each sample
  PackedLayout layout;
};

// Sum over the batch's label tokens, and how many there were: the loop divides by the token
// count of the whole global batch (all micro-batches, all ranks), not per micro-batch.
struct LossSum {
  double loss = 0;
  int64_t tokens = 0;
};

class Objective {
 public:
  virtual ~Objective() = default;
  // Every parameter of the model, trainable or not; values are the f32 master weights.
  virtual std::span<TrainParam> Params() = 0;
  // Tokens the record takes in a sequence (text and visual): packing and the length check.
  // Throws hm::Error naming the record when it cannot be used (undecodable media).
  virtual int64_t Length(const TrainRecord& record) const = 0;
  // Called with a data file's records before Length is asked about them: a model may measure
  // them all at once (and remember what was wrong with a record for Length to throw).
  virtual void Prepare(std::span<const TrainRecord> /*records*/) {}
  // Which groups the stage trains: the objective may skip the work only frozen groups need.
  virtual void SetTrainedGroups(const GroupLrs& /*lrs*/) {}
  // The optimizer has changed the weights (called after each step): copies derived from them
  // (bf16 compute's rounded weights) are made again before the next LossAndGrad.
  virtual void WeightsChanged() {}
  // Adds the gradient of the batch's summed label-token loss to each param's grad (params of
  // frozen groups may be skipped) and returns that sum.
  virtual LossSum LossAndGrad(const Batch& batch, std::span<TrainParam> params) = 0;

  // Whether a checkpoint is a model the engine loads (the start model's side files and
  // non-parameter tensors copied beside the parameters), and files the objective adds to it
  // (written into the checkpoint's folder before it is made complete). LoRA: no model, its
  // adapter's files.
  virtual bool CheckpointIsModel() const { return true; }
  virtual void WriteCheckpointFiles(const std::string& /*dir*/) const {}
};

}  // namespace hm
