// LoRA in training: the adapted linear layer's forward and backward, beside a frozen weight in
// any format (f32, bf16, or a quantized GGUF base: QLoRA's idea on a CPU). The forward is the
// inference one (model/low_rank.h AdaptedMatMul) with dropout on the low-rank path's input;
// A and B are trainable f32 parameters, the base gets no gradient.
//
//   y = x Wᵀ + b + s · (x' Aᵀ) Bᵀ,  x' = x ⊙ m / keep (dropout mask m, keep = 1 - p),  s = alpha / r
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "model/low_rank.h"
#include "train/param_view.h"

namespace hm::train {

struct LoraLayer {
  TrainParam* a = nullptr;  // [rank, in]; PEFT's Kaiming-uniform init
  TrainParam* b = nullptr;  // [out, rank]; zero at the start, so the adapted model is the base
  LowRank view;             // over a's and b's master values, with the scale
  float dropout = 0;
  // The dropout mask is a hash of (seed, element): the backward and a recomputed forward see
  // the forward's mask without storing it. The objective sets the seed per sample.
  uint64_t seed = 0;
};

// x: [n, in], y: [n, out] (overwritten); bias: [out] or null; lora: null for a plain layer.
void LoraLinearForward(const float* x, int64_t n, const kernels::Matrix& w, const float* bias, const LoraLayer* lora,
                       float* y, ThreadPool& pool);

// The low-rank path's share of the backward, given the layer's input x [n, in] and dy [n, out].
// With u = x' Aᵀ [n, rank]:  dB += s dyᵀ u;  du = s dy B;  dA += duᵀ x';  dx += (du A) ⊙ m / keep.
// dx [n, in] holds the base weight's dy W already; the update is added to it.
void LoraLinearBackward(const LoraLayer& lora, const float* x, int64_t n, const float* dy, float* dx,
                        ThreadPool& pool);

}  // namespace hm::train
