#include "train/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/dtype.h"
#include "core/error.h"
#include "kernels/bf16_matmul.h"

namespace hm::train {
namespace {

float Dot(const float* a, const float* b, int64_t n) {
  float s = 0;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// db [out] += Σ_rows dy, summed in double row by row.
void AddBiasGradient(const float* dy, int64_t n, int64_t out, float* db) {
  std::vector<double> sum(static_cast<size_t>(out), 0.0);
  for (int64_t t = 0; t < n; ++t)
    for (int64_t o = 0; o < out; ++o) sum[o] += dy[t * out + o];
  for (int64_t o = 0; o < out; ++o) db[o] += static_cast<float>(sum[o]);
}

}  // namespace

kernels::Matrix F32Matrix(const float* data, int64_t rows, int64_t cols) {
  return kernels::Matrix{DType::kF32, rows, cols, data};
}

void LinearForward(const float* x, int64_t n, const float* w, int64_t out, int64_t in, const float* b,
                   float* y, ThreadPool& pool) {
  kernels::MatMul(x, n, F32Matrix(w, out, in), b, y, pool);
}

void LinearBackward(const float* x, int64_t n, const float* w, int64_t out, int64_t in, const float* dy,
                    float* dx, float* dw, float* db, ThreadPool& pool) {
  LinearBackward(x, n, F32Matrix(w, out, in), dy, dx, dw, db, pool);
}

void LinearBackward(const float* x, int64_t n, const kernels::Matrix& w, const float* dy, float* dx, float* dw,
                    float* db, ThreadPool& pool) {
  const int64_t out = w.rows, in = w.cols;
  const bool f32 = w.dtype == DType::kF32 && w.blocks == kernels::BlockType::kNone;
  if (dx && f32)  // dx [n, in] = dy [n, out] W [out, in]
    kernels::MatMulNN(dy, static_cast<const float*>(w.data), n, in, out, dx, pool);
  else if (dx)  // a frozen bf16 or quantized base (LoRA): strips widened one at a time
    kernels::MatMulTransposed(dy, n, w, dx, pool);
  if (!dw) return;  // a frozen layer: only dx is wanted
  HM_CHECK(f32, "LinearBackward: a trained weight must be an f32 master");
  kernels::MatMulTN(dy, x, out, in, n, dw, pool);  // dW [out, in] += dyᵀ x
  if (db) AddBiasGradient(dy, n, out, db);
}

void LinearForwardBf16(const float* x, int64_t n, const kernels::Matrix& w16, const float* b, float* y,
                       ThreadPool& pool) {
  HM_CHECK(w16.dtype == DType::kBF16, "LinearForwardBf16: the weight must be a bf16 copy");
  const int64_t out = w16.rows, in = w16.cols;
  kernels::MatMulBf16({x, DType::kF32, n, in}, {w16.data, DType::kBF16, out, in, /*transposed=*/true}, y, false, pool);
  if (b)
    for (int64_t t = 0; t < n; ++t) kernels::AddInPlace(y + t * out, b, out);
}

void LinearBackwardBf16(const float* x, int64_t n, const kernels::Matrix& w16, const float* dy, float* dx, float* dw,
                        float* db, ThreadPool& pool) {
  HM_CHECK(w16.dtype == DType::kBF16, "LinearBackwardBf16: the weight must be a bf16 copy");
  const int64_t out = w16.rows, in = w16.cols;
  const kernels::Bf16Operand dy16{dy, DType::kF32, n, out};
  if (dx) kernels::MatMulBf16(dy16, {w16.data, DType::kBF16, out, in}, dx, false, pool);  // dx [n, in] = dy W
  if (!dw) return;
  kernels::Bf16Operand dyt = dy16;
  dyt.transposed = true;
  kernels::MatMulBf16(dyt, {x, DType::kF32, n, in}, dw, true, pool);  // dW [out, in] += dyᵀ x
  if (db) AddBiasGradient(dy, n, out, db);
}

void RmsNormForward(const float* x, const float* w, float eps, int64_t n, int64_t dim, float* y) {
  kernels::RmsNorm(x, w, eps, n, dim, y);
}

void RmsNormBackward(const float* x, const float* w, float eps, int64_t n, int64_t dim, const float* dy,
                     float* dx, float* dw) {
  for (int64_t t = 0; t < n; ++t) {
    const float* xr = x + t * dim;
    const float* dyr = dy + t * dim;
    double sq = 0, gx = 0;
    for (int64_t i = 0; i < dim; ++i) {
      sq += double{xr[i]} * xr[i];
      gx += double{w[i]} * dyr[i] * xr[i];
    }
    const double r = 1.0 / std::sqrt(sq / dim + eps);
    const double c = r * r * r * gx / dim;
    for (int64_t i = 0; i < dim; ++i) {
      dx[t * dim + i] = static_cast<float>(r * w[i] * dyr[i] - c * xr[i]);
      if (dw) dw[i] += static_cast<float>(dyr[i] * xr[i] * r);
    }
  }
}

void RopeForward(float* x, int64_t n, int n_heads, int head_dim, const float* cos, const float* sin) {
  for (int64_t t = 0; t < n; ++t)
    kernels::RopeRotateHalf(x + t * n_heads * head_dim, n_heads, head_dim, cos + t * head_dim, sin + t * head_dim);
}

void RopeBackward(float* dy, int64_t n, int n_heads, int head_dim, const float* cos, const float* sin) {
  std::vector<float> minus_sin(static_cast<size_t>(head_dim));
  for (int64_t t = 0; t < n; ++t) {
    for (int i = 0; i < head_dim; ++i) minus_sin[i] = -sin[t * head_dim + i];
    kernels::RopeRotateHalf(dy + t * n_heads * head_dim, n_heads, head_dim, cos + t * head_dim, minus_sin.data());
  }
}

namespace {

// Query rows per block: the score blocks [rows, keys] stay small for long sequences.
constexpr int64_t kQueryBlock = 128;

// Head `h` of x [n, heads, d] as contiguous rows [n, d], and back (added).
void GatherHead(const float* x, int64_t n, int heads, int h, int d, float* out) {
  for (int64_t i = 0; i < n; ++i) std::copy_n(x + (i * heads + h) * d, d, out + i * d);
}
void ScatterAddHead(const float* rows, int64_t n, int heads, int h, int d, float* x) {
  for (int64_t i = 0; i < n; ++i) kernels::AddInPlace(x + (i * heads + h) * d, rows + i * d, d);
}

// s = scale · q kᵀ for query rows [i0, i0 + m) of one head: q [m, d], k [keys, d], s [m, keys].
void Scores(const float* q, int64_t m, const float* k, int64_t keys, int d, float scale, float* s, ThreadPool& serial) {
  kernels::MatMul(q, m, F32Matrix(k, keys, d), nullptr, s, serial);
  for (int64_t i = 0; i < m * keys; ++i) s[i] *= scale;
}

}  // namespace

void AttentionForward(const float* q, const float* k, const float* v, int64_t n, const kernels::AttentionShape& s,
                      float* o, float* lse, ThreadPool& pool) {
  const int H = s.n_heads, KV = s.n_kv_heads, d = s.head_dim, group = H / KV;
  // The output from the inference kernel, so training sees inference's numerics exactly.
  kernels::AttentionShape self = s;
  self.causal_offset = 0;
  kernels::Attention(q, n, k, v, n, int64_t{KV} * d, self, o, pool);
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  pool.ParallelFor(H, 1, [&](int64_t begin, int64_t end) {
    ThreadPool serial(1);  // the pool is busy with the heads
    std::vector<float> qh(static_cast<size_t>(n * d)), kg(static_cast<size_t>(n * d));
    std::vector<float> scores(static_cast<size_t>(std::min(n, kQueryBlock) * n));
    for (int64_t h = begin; h < end; ++h) {
      GatherHead(q, n, H, static_cast<int>(h), d, qh.data());
      GatherHead(k, n, KV, static_cast<int>(h / group), d, kg.data());
      for (int64_t i0 = 0; i0 < n; i0 += kQueryBlock) {
        const int64_t m = std::min(kQueryBlock, n - i0), keys = s.causal ? i0 + m : n;
        Scores(qh.data() + i0 * d, m, kg.data(), keys, d, scale, scores.data(), serial);
        for (int64_t r = 0; r < m; ++r) {
          const float* row = scores.data() + r * keys;
          const int64_t visible = s.causal ? i0 + r + 1 : n;
          const float mx = *std::max_element(row, row + visible);
          double sum = 0;
          for (int64_t j = 0; j < visible; ++j) sum += std::exp(row[j] - mx);
          lse[(i0 + r) * H + h] = mx + static_cast<float>(std::log(sum));
        }
      }
    }
  });
}

// Per head, in blocks of query rows: P = exp(S - lse) (zero above the diagonal when causal),
// dP = dO Vᵀ, dS = P ⊙ (dP - D) / √d, then dQ = dS K, dK += dSᵀ Q, dV += Pᵀ dO as matmuls.
void AttentionBackward(const float* q, const float* k, const float* v, const float* o, const float* lse,
                       const float* d_o, int64_t n, const kernels::AttentionShape& s, float* dq, float* dk,
                       float* dv, ThreadPool& pool) {
  const int H = s.n_heads, KV = s.n_kv_heads, d = s.head_dim, group = H / KV;
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::fill(dq, dq + n * H * d, 0.0f);
  std::fill(dk, dk + n * KV * d, 0.0f);
  std::fill(dv, dv + n * KV * d, 0.0f);
  // One task per kv head: it alone accumulates that head's dk and dv, so no two tasks write
  // the same memory.
  pool.ParallelFor(KV, 1, [&](int64_t begin, int64_t end) {
    ThreadPool serial(1);  // the pool is busy with the heads
    using Buf = std::vector<float>;
    const int64_t B = std::min(n, kQueryBlock);
    Buf kg(n * d), vg(n * d), dkg(n * d), dvg(n * d), qh(n * d), doh(n * d), oh(n * d), dqh(n * d), D(n);
    Buf p(B * n), dp(B * n);
    for (int64_t g = begin; g < end; ++g) {
      GatherHead(k, n, KV, static_cast<int>(g), d, kg.data());
      GatherHead(v, n, KV, static_cast<int>(g), d, vg.data());
      std::fill(dkg.begin(), dkg.end(), 0.0f);
      std::fill(dvg.begin(), dvg.end(), 0.0f);
      for (int h = static_cast<int>(g) * group; h < (g + 1) * group; ++h) {
        GatherHead(q, n, H, h, d, qh.data());
        GatherHead(d_o, n, H, h, d, doh.data());
        GatherHead(o, n, H, h, d, oh.data());
        for (int64_t i = 0; i < n; ++i) D[i] = Dot(doh.data() + i * d, oh.data() + i * d, d);
        for (int64_t i0 = 0; i0 < n; i0 += kQueryBlock) {
          const int64_t m = std::min(kQueryBlock, n - i0), keys = s.causal ? i0 + m : n;
          Scores(qh.data() + i0 * d, m, kg.data(), keys, d, scale, p.data(), serial);
          kernels::MatMul(doh.data() + i0 * d, m, F32Matrix(vg.data(), keys, d), nullptr, dp.data(), serial);
          for (int64_t r = 0; r < m; ++r) {
            const float l = lse[(i0 + r) * H + h];
            const int64_t visible = s.causal ? i0 + r + 1 : n;
            float* pr = p.data() + r * keys;
            float* dsr = dp.data() + r * keys;  // dP, then dS in place
            for (int64_t j = 0; j < keys; ++j) {
              const float pj = j < visible ? std::exp(pr[j] - l) : 0.0f;
              pr[j] = pj;
              dsr[j] = pj * (dsr[j] - D[i0 + r]) * scale;
            }
          }
          kernels::MatMulNN(dp.data(), kg.data(), m, d, keys, dqh.data() + i0 * d, serial);  // dQ = dS K
          kernels::MatMulTN(dp.data(), qh.data() + i0 * d, keys, d, m, dkg.data(), serial);  // dK += dSᵀ Q
          kernels::MatMulTN(p.data(), doh.data() + i0 * d, keys, d, m, dvg.data(), serial);  // dV += Pᵀ dO
        }
        ScatterAddHead(dqh.data(), n, H, h, d, dq);
      }
      ScatterAddHead(dkg.data(), n, KV, static_cast<int>(g), d, dk);
      ScatterAddHead(dvg.data(), n, KV, static_cast<int>(g), d, dv);
    }
  });
}

void SwiGluForward(const float* g, const float* u, int64_t count, float* a, ThreadPool& pool) {
  std::copy(g, g + count, a);
  kernels::SiluMul(a, u, count, pool);
}

void SwiGluBackward(const float* g, const float* u, const float* da, int64_t count, float* dg, float* du) {
  for (int64_t i = 0; i < count; ++i) {
    const float sg = Sigmoid(g[i]);
    du[i] = da[i] * g[i] * sg;
    dg[i] = da[i] * u[i] * sg * (1.0f + g[i] * (1.0f - sg));
  }
}

double CrossEntropy(const float* logits, std::span<const int32_t> targets, int64_t vocab, float scale, float* dz) {
  double total = 0;
  for (size_t r = 0; r < targets.size(); ++r) {
    const int32_t t = targets[r];
    HM_CHECK(t >= 0 && t < vocab, "label token ", t, " is outside the vocabulary of ", vocab);
    const float* z = logits + static_cast<int64_t>(r) * vocab;
    const float m = *std::max_element(z, z + vocab);
    double sum = 0;
    for (int64_t c = 0; c < vocab; ++c) sum += std::exp(double{z[c]} - m);
    const double lse = m + std::log(sum);
    total += lse - z[t];
    float* g = dz + static_cast<int64_t>(r) * vocab;
    for (int64_t c = 0; c < vocab; ++c) g[c] = static_cast<float>(scale * std::exp(double{z[c]} - lse));
    g[t] -= scale;
  }
  return total;
}

void LayerNormForward(const float* x, const float* w, const float* b, float eps, int64_t n, int64_t dim, float* y) {
  kernels::LayerNorm(x, w, b, eps, n, dim, y);
}

void LayerNormBackward(const float* x, const float* w, float eps, int64_t n, int64_t dim, const float* dy, float* dx,
                       float* dw, float* db) {
  std::vector<double> xhat(static_cast<size_t>(dim));
  for (int64_t t = 0; t < n; ++t) {
    const float* xr = x + t * dim;
    const float* dyr = dy + t * dim;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < dim; ++i) mean += xr[i];
    mean /= dim;
    for (int64_t i = 0; i < dim; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    const double r = 1.0 / std::sqrt(var / dim + eps);
    double g_mean = 0, gx_mean = 0;
    for (int64_t i = 0; i < dim; ++i) {
      xhat[i] = (xr[i] - mean) * r;
      const double g = double{w[i]} * dyr[i];
      g_mean += g;
      gx_mean += g * xhat[i];
    }
    g_mean /= dim;
    gx_mean /= dim;
    for (int64_t i = 0; i < dim; ++i) {
      dx[t * dim + i] = static_cast<float>(r * (double{w[i]} * dyr[i] - g_mean - xhat[i] * gx_mean));
      if (dw) dw[i] += static_cast<float>(dyr[i] * xhat[i]);
      if (db) db[i] += dyr[i];
    }
  }
}

void GeluTanhForward(const float* x, int64_t count, float* y, ThreadPool& pool) {
  std::copy(x, x + count, y);
  kernels::GeluTanh(y, count, pool);
}

void GeluTanhBackward(const float* x, const float* dy, int64_t count, float* dx) {
  const double c = std::sqrt(2.0 / M_PI), a = 0.044715;
  for (int64_t i = 0; i < count; ++i) {
    const double v = x[i], t = std::tanh(c * (v + a * v * v * v));
    dx[i] = static_cast<float>(dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * a * v * v)));
  }
}

void GeluErfForward(const float* x, int64_t count, float* y) {
  std::copy(x, x + count, y);
  kernels::GeluErf(y, count);
}

void GeluErfBackward(const float* x, const float* dy, int64_t count, float* dx) {
  for (int64_t i = 0; i < count; ++i) {
    const double v = x[i];
    const double cdf = 0.5 * (1 + std::erf(v / std::sqrt(2.0))), pdf = std::exp(-0.5 * v * v) / std::sqrt(2 * M_PI);
    dx[i] = static_cast<float>(dy[i] * (cdf + v * pdf));
  }
}

void EmbeddingForward(const float* table, int64_t dim, std::span<const int32_t> ids, float* x) {
  for (size_t i = 0; i < ids.size(); ++i) std::memcpy(x + i * dim, table + ids[i] * dim, dim * sizeof(float));
}

void EmbeddingBackward(std::span<const int32_t> ids, const float* dx, int64_t dim, float* dtable) {
  for (size_t i = 0; i < ids.size(); ++i) kernels::AddInPlace(dtable + ids[i] * dim, dx + i * dim, dim);
}

}  // namespace hm::train
