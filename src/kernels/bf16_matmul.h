// Products of bf16 values summed in f32: the GEMMs of training's bf16 compute (torch's bf16
// autocast GEMMs accumulate in f32 alike). On a CPU with AVX-512 BF16 the pairs are multiplied
// and summed by its dot-product instruction (vdpbf16ps); elsewhere the rounded operands are
// widened to f32 for sgemm, whose products of bf16 values are exact, so both compute the same
// sums up to their order.
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

// Whether MatMulBf16 uses the CPU's bf16 dot products: the CPU has AVX-512 BF16 and the active
// ISA (kernels.h ForceIsa) is an AVX-512 one.
bool UsesBf16DotProducts();

}  // namespace hm::kernels
