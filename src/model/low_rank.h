// The LoRA hook of the forward passes: every adaptable linear layer (the decoder's q/k/v/o and
// gate/up/down projections, the vision tower's q/k/v/out projections and fc1/fc2) goes through
// AdaptedMatMul, which adds a low-rank update beside the frozen weight when one is attached:
//
//   y = x Wᵀ + b + scale · (x' Aᵀ) Bᵀ,   A: [rank, in], B: [out, rank], scale = alpha / rank
//
// x' is x itself at inference and x after LoRA dropout in training. The update is a side path
// (two thin matmuls), not merged into W: the base may be quantized, and it stays untouched.
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "kernels/kernels.h"

namespace hm {

struct LowRank {
  kernels::Matrix a;  // [rank, in]
  kernels::Matrix b;  // [out, rank]
  float scale = 0;
};

// x: [n, w.cols], y: [n, w.rows], bias: [w.rows] or null, lora: null for the plain layer.
// lora_x: the input of the low-rank path when it differs from x (dropout), else null.
void AdaptedMatMul(const float* x, int64_t n, const kernels::Matrix& w, const float* bias, const LowRank* lora,
                   float* y, ThreadPool& pool, const float* lora_x = nullptr);

}  // namespace hm
