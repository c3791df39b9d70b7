#include "train/lora.h"

#include <vector>

#include "train/ops.h"

namespace hm::train {
namespace {

// splitmix64: a well-mixed 64-bit value per (seed, index).
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// x' = x ⊙ m / keep: each element kept with probability keep, by the layer's seed.
std::vector<float> Dropped(const LoraLayer& l, const float* x, int64_t count) {
  std::vector<float> out(x, x + count);
  const double keep = 1.0 - l.dropout;
  const uint64_t threshold = static_cast<uint64_t>(keep * 18446744073709551616.0);
  const float inv_keep = static_cast<float>(1.0 / keep);
  for (int64_t i = 0; i < count; ++i)
    out[i] = Mix(l.seed ^ Mix(static_cast<uint64_t>(i))) < threshold ? out[i] * inv_keep : 0.0f;
  return out;
}

}  // namespace

void LoraLinearForward(const float* x, int64_t n, const kernels::Matrix& w, const float* bias, const LoraLayer* lora,
                       float* y, ThreadPool& pool) {
  if (!lora || lora->dropout == 0) return AdaptedMatMul(x, n, w, bias, lora ? &lora->view : nullptr, y, pool);
  const std::vector<float> dropped = Dropped(*lora, x, n * w.cols);
  AdaptedMatMul(x, n, w, bias, &lora->view, y, pool, dropped.data());
}

void LoraLinearBackward(const LoraLayer& l, const float* x, int64_t n, const float* dy, float* dx, ThreadPool& pool) {
  const kernels::Matrix &a = l.view.a, &b = l.view.b;  // [rank, in], [out, rank]
  const int64_t rank = a.rows, in = a.cols, out = b.rows;
  const std::vector<float> dropped = l.dropout == 0 ? std::vector<float>() : Dropped(l, x, n * in);
  const float* xd = l.dropout == 0 ? x : dropped.data();
  std::vector<float> u(static_cast<size_t>(n * rank)), dy_s(dy, dy + n * out);
  kernels::MatMul(xd, n, a, nullptr, u.data(), pool);  // u = x' Aᵀ          [n, rank]
  for (float& g : dy_s) g *= l.view.scale;              // the path's output is s · u Bᵀ
  std::vector<float> du(static_cast<size_t>(n * rank)), dxd(static_cast<size_t>(n * in));
  LinearBackward(u.data(), n, b, dy_s.data(), du.data(), l.b->grad.data(), nullptr, pool);  // du, dB
  LinearBackward(xd, n, a, du.data(), dxd.data(), l.a->grad.data(), nullptr, pool);        // dx', dA
  if (l.dropout != 0) {  // x' = x ⊙ m / keep, so dx = dx' ⊙ m / keep: zero where x' was dropped
    const std::vector<float> mask_scale = [&] {
      std::vector<float> ones(static_cast<size_t>(n * in), 1.0f);
      return Dropped(l, ones.data(), n * in);
    }();
    for (int64_t i = 0; i < n * in; ++i) dxd[i] *= mask_scale[i];
  }
  kernels::AddInPlace(dx, dxd.data(), n * in);
}

}  // namespace hm::train
