// The training loop: a recipe stage's data drawn by weight, packed into micro-batches, the
// loss averaged over the label tokens of the whole global batch, gradients clipped, AdamW on
// the warmup+cosine schedule; a progress line, a JSONL log, the loss curve and atomic
// checkpoints in the stage's output_dir; `resume` continues from the last checkpoint so that
// the final weights are bit-identical to an uninterrupted run.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "train/collective.h"
#include "train/objective.h"
#include "train/recipe.h"

namespace hm {

struct TrainOptions {
  bool resume = false;    // continue from output_dir's last checkpoint (else it must have none)
  bool strict = false;    // a bad record stops the run instead of being skipped
  bool progress = true;   // progress line on stderr
  std::function<void(int64_t step)> after_step;  // after each optimizer step and its checkpoint
  // Data-parallel ranks (nullptr: this process alone). Each rank trains its share of every
  // global batch's micro-batches; gradients, loss and label-token counts are summed across
  // ranks; the optimizer state is replicated; rank 0 alone writes logs and checkpoints.
  Collective* ranks = nullptr;
};

struct StageOutcome {
  std::string checkpoint;       // the stage's last checkpoint: the next stage starts from it
  int64_t steps = 0;
  int64_t skipped_steps = 0;    // non-finite loss or gradient, or no label tokens
  int64_t skipped_records = 0;
  double last_loss = NAN;
};

// Optimizer steps for a stage: `steps`, or epochs x (records / global batch, at least 1).
int64_t StageSteps(const StageRecipe& stage, int64_t records);

StageOutcome TrainStage(const StageRecipe& stage, const std::string& model_dir, Objective& objective,
                        const TrainOptions& options);

// Model folder -> objective over its weights (the decoder's, or the toy's).
using ObjectiveFactory = std::function<std::unique_ptr<Objective>(const std::string& model_dir, const StageRecipe&)>;

// Every stage in order, each starting from its start_checkpoint or the previous stage's
// output. With resume, stages whose last checkpoint is complete are not run again.
std::vector<StageOutcome> TrainRecipe(const Recipe& recipe, const ObjectiveFactory& make_objective,
                                      const TrainOptions& options);

}  // namespace hm
