// Products of bf16 values summed in f32: the GEMMs of training's bf16 compute (torch's bf16
// autocast GEMMs accumulate in f32 alike). The rounded operands are widened to f32 for the BLAS
// sgemm, whose products of bf16 values are exact. A vdpbf16ps (AVX-512 BF16) kernel of our own
// reached 0.55-0.8x of that sgemm (bench/results/train-bf16-2026-12-02.md) and was removed.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/thread_pool.h"

namespace hm::kernels {

// An operand: f32 values (rounded to the nearest bf16, ties to even, as they are read) or bf16
// ones, stored row-major [rows, cols], used as they are or transposed.
struct Bf16Operand {
  const void* data = nullptr;
  DType dtype = DType::kF32;  // kF32 or kBF16
  int64_t rows = 0, cols = 0;
  bool transposed = false;
};

// y[m, n] = op(a) op(b), plus y's values when accumulate. op(a): [m, k], op(b): [k, n].
void MatMulBf16(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool);

}  // namespace hm::kernels
