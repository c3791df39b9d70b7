// Loss and gradients of labelled text sequences taken as one batch: each sequence runs
// forward and backward alone (so memory holds one sequence's activations), and every loss
// term is scaled by the batch's total label count, so the accumulated gradients are those of
// the batch mean.
#pragma once

#include <cstdint>
#include <span>

#include "core/thread_pool.h"
#include "train/training_samples.h"
#include "train/decoder_train.h"
#include "train/vision_train.h"

namespace hm::train {

struct BatchLoss {
  double loss = 0;           // Σ label-token losses / label_tokens
  int64_t label_tokens = 0;  // over the whole batch
};

// Adds ∂loss/∂θ into every parameter's gradient (the caller zeroes them first). Position t
// is trained to predict labels[t + 1]. Image-token slots take the vision tower's tokens (the
// reference's `embed * 0 + feature`: their embedding rows get no gradient). `vision` may be
// null when no sample has media. hm::Error if the batch has no label.
BatchLoss AccumulateBatchGradients(const DecoderTrainer& decoder, const VisionTrainer* vision, int32_t image_token,
                                   std::span<const TrainingSample> batch, ThreadPool& pool);

}  // namespace hm::train
