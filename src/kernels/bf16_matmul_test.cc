#include "kernels/bf16_matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "kernels/kernels.h"

namespace hm::kernels {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

double Rounded(float v) { return BF16ToF32(F32ToBF16(v)); }

// Against a float64 sum of the rounded operands' products: every layout, f32 and bf16 storage,
// odd sizes (k odd: a zero-padded last pair), panel and row-block edges, accumulation.
TEST(MatMulBf16Test, SumsProductsOfRoundedOperands) {
  ThreadPool pool(2);
  const int64_t m = 70, k = 29, n = 45;  // two row tasks, two panels, partial blocks
  const std::vector<float> a = Random(m * k, 1), b = Random(k * n, 2), y0 = Random(m * n, 3);
  // The operands stored transposed too, and b also as bf16.
  std::vector<float> at(k * m), bt(n * k);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j) at[j * m + i] = a[i * k + j];
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j) bt[j * k + i] = b[i * n + j];
  std::vector<uint16_t> b16(b.size());
  for (size_t i = 0; i < b.size(); ++i) b16[i] = F32ToBF16(b[i]);
  std::vector<double> want(m * n, 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t c = 0; c < k; ++c) want[i * n + j] += Rounded(a[i * k + c]) * Rounded(b[c * n + j]);

  {
    const Bf16Operand as[] = {{a.data(), DType::kF32, m, k, false}, {at.data(), DType::kF32, k, m, true}};
    const Bf16Operand bs[] = {{b.data(), DType::kF32, k, n, false}, {bt.data(), DType::kF32, n, k, true},
                              {b16.data(), DType::kBF16, k, n, false}};
    for (const Bf16Operand& ao : as)
      for (const Bf16Operand& bo : bs)
        for (const bool accumulate : {false, true}) {
          std::vector<float> y = y0;
          MatMulBf16(ao, bo, y.data(), accumulate, pool);
          for (int64_t i = 0; i < m * n; ++i)
            ASSERT_NEAR(y[i], want[i] + (accumulate ? y0[i] : 0.0), 2e-5)
                << "a transposed " << ao.transposed << " b transposed " << bo.transposed << " at " << i;
        }
  }
  std::vector<float> y(m * k);
  EXPECT_THROW(MatMulBf16({a.data(), DType::kF32, m, k}, {a.data(), DType::kF32, m, k}, y.data(), false, pool), Error);
}

}  // namespace
}  // namespace hm::kernels
