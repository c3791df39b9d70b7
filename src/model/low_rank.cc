#include "model/low_rank.h"

#include <vector>

namespace hm {

void AdaptedMatMul(const float* x, int64_t n, const kernels::Matrix& w, const float* bias, const LowRank* lora,
                   float* y, ThreadPool& pool, const float* lora_x) {
  kernels::MatMul(x, n, w, bias, y, pool);
  if (!lora) return;
  const int64_t rank = lora->a.rows, out = w.rows;
  std::vector<float> u(static_cast<size_t>(n * rank)), delta(static_cast<size_t>(n * out));
  kernels::MatMul(lora_x ? lora_x : x, n, lora->a, nullptr, u.data(), pool);  // u = x' Aᵀ   [n, rank]
  kernels::MatMul(u.data(), n, lora->b, nullptr, delta.data(), pool);         // u Bᵀ        [n, out]
  for (int64_t i = 0; i < n * out; ++i) y[i] += lora->scale * delta[i];
}

}  // namespace hm
