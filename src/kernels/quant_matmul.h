// y = x W^T for block-quantized W (kernels.h MatMul routes here). Activations are quantized
// to int8 per 32 values once per call. For a few tokens each weight block is unpacked once
// and shared by up to four tokens; from 5 or 8 tokens on (by ISA and format), AVX2 and
// better pack 16-row weight tiles once per call and every token streams over them (integer
// dots throughout).
#pragma once

#include <cstdint>

#include "core/thread_pool.h"
#include "kernels/kernels.h"

namespace hm::kernels {

// Multiply-add rate (2 ops each) of the integer dot the quantized kernels use, all threads.
double Int8PeakGops(ThreadPool& pool);

void QuantMatMul(const float* x, int64_t n, const Matrix& w, const float* bias, float* y, ThreadPool& pool);

}  // namespace hm::kernels
