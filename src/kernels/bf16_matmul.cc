#include "kernels/bf16_matmul.h"

#include <vector>

#include "core/error.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

int64_t OpRows(const Bf16Operand& x) { return x.transposed ? x.cols : x.rows; }
int64_t OpCols(const Bf16Operand& x) { return x.transposed ? x.rows : x.cols; }

// Calls f with a reader of op(x): reader(r, c) is op(x)[r][c] as bf16 bits. One reader per
// storage, so the widening loop has no per-element branch on it.
template <typename F>
void WithReader(const Bf16Operand& x, F&& f) {
  const int64_t ld = x.cols;
  if (x.dtype == DType::kBF16) {
    const auto* d = static_cast<const uint16_t*>(x.data);
    if (x.transposed) return f([=](int64_t r, int64_t c) { return d[c * ld + r]; });
    return f([=](int64_t r, int64_t c) { return d[r * ld + c]; });
  }
  const auto* d = static_cast<const float*>(x.data);
  if (x.transposed) return f([=](int64_t r, int64_t c) { return F32ToBF16(d[c * ld + r]); });
  f([=](int64_t r, int64_t c) { return F32ToBF16(d[r * ld + c]); });
}

// The rounded operands widened to f32 for sgemm: products of bf16 values are exact in f32.
void WidenedGemm(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool) {
  const int64_t m = OpRows(a), k = OpCols(a), n = OpCols(b);
  auto widen = [&](const Bf16Operand& x) {
    const int64_t rows = OpRows(x), cols = OpCols(x);
    std::vector<float> out(static_cast<size_t>(rows * cols));
    WithReader(x, [&](auto at) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = BF16ToF32(at(r, c));
    });
    return out;
  };
  const std::vector<float> a32 = widen(a), b32 = widen(b);
  if (!accumulate) return MatMulNN(a32.data(), b32.data(), m, n, k, y, pool);
  std::vector<float> product(static_cast<size_t>(m * n));
  MatMulNN(a32.data(), b32.data(), m, n, k, product.data(), pool);
  AddInPlace(y, product.data(), m * n);
}

}  // namespace

void MatMulBf16(const Bf16Operand& a, const Bf16Operand& b, float* y, bool accumulate, ThreadPool& pool) {
  HM_CHECK(OpCols(a) == OpRows(b), "MatMulBf16: [", OpRows(a), ", ", OpCols(a), "] times [", OpRows(b), ", ",
           OpCols(b), "]");
  for (const Bf16Operand* x : {&a, &b})
    HM_CHECK(x->dtype == DType::kF32 || x->dtype == DType::kBF16, "MatMulBf16: operands are f32 or bf16");
  WidenedGemm(a, b, y, accumulate, pool);
}

}  // namespace hm::kernels
