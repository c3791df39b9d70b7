#include "model/decoder.h"

#include <cmath>

#include "core/error.h"

namespace hm {

using kernels::MatMul;

Decoder::Decoder(const LlmConfig& config, const DecoderWeights& weights) : config_(config), w_(weights) {
  // HF: inv_freq = 1 / theta ** (arange(0, d, 2) / d) in float32. Angles in double would
  // drift from the reference by ~5e-4 at position 8192.
  const int d = config.head_dim;
  for (int i = 0; i < d / 2; ++i)
    inv_freq_.push_back(1.0f / std::pow(static_cast<float>(config.rope_theta), static_cast<float>(2 * i) / d));
}

void Decoder::Embed(std::span<const int32_t> ids, float* out) const {
  for (size_t i = 0; i < ids.size(); ++i) {
    HM_CHECK(ids[i] >= 0 && ids[i] < config_.vocab, "token id ", ids[i],
             " is outside the vocabulary of ", config_.vocab);
    kernels::RowToF32(w_.embed, ids[i], out + i * config_.hidden);
  }
}

Decoder::RopeTable Decoder::Rope(int64_t start, int64_t n) const {
  const int d = config_.head_dim, half = d / 2;
  RopeTable t{std::vector<float>(static_cast<size_t>(n * d)), std::vector<float>(static_cast<size_t>(n * d))};
  for (int64_t p = 0; p < n; ++p)
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(start + p) * inv_freq_[i];  // float32 product, as HF
      t.cos[p * d + i] = t.cos[p * d + i + half] = std::cos(angle);
      t.sin[p * d + i] = t.sin[p * d + i + half] = std::sin(angle);
    }
  return t;
}

// x: [n, hidden], updated in place with this layer's attention and MLP residuals.
void Decoder::Layer(int index, float* x, int64_t n, KvCache& cache, const RopeTable& rope,
                    ThreadPool& pool) const {
  const LlmConfig& c = config_;
  const DecoderLayerWeights& l = w_.layers[static_cast<size_t>(index)];
  const int64_t h = c.hidden, hd = c.head_dim;
  const int64_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  const int64_t start = cache.size();

  std::vector<float> xn(static_cast<size_t>(n * h));
  kernels::RmsNorm(x, l.input_norm.data(), c.rms_eps, n, h, xn.data());

  // Keys and values are computed in f32, rotated, then stored in the cache's type.
  std::vector<float> q(static_cast<size_t>(n * q_dim));
  std::vector<float> k(static_cast<size_t>(n * kv_dim)), v(static_cast<size_t>(n * kv_dim));
  MatMul(xn.data(), n, l.q, l.q_bias.empty() ? nullptr : l.q_bias.data(), q.data(), pool);
  MatMul(xn.data(), n, l.k, l.k_bias.empty() ? nullptr : l.k_bias.data(), k.data(), pool);
  MatMul(xn.data(), n, l.v, l.v_bias.empty() ? nullptr : l.v_bias.data(), v.data(), pool);
  if (w_.qk_norm) {  // Qwen3: per-head RMSNorm before the rotary embedding
    kernels::RmsNorm(q.data(), l.q_norm.data(), c.rms_eps, n * c.n_heads, hd, q.data());
    kernels::RmsNorm(k.data(), l.k_norm.data(), c.rms_eps, n * c.n_kv_heads, hd, k.data());
  }
  for (int64_t t = 0; t < n; ++t) {
    const float* cos = rope.cos.data() + t * hd;
    const float* sin = rope.sin.data() + t * hd;
    kernels::RopeRotateHalf(q.data() + t * q_dim, c.n_heads, static_cast<int>(hd), cos, sin);
    kernels::RopeRotateHalf(k.data() + t * kv_dim, c.n_kv_heads, static_cast<int>(hd), cos, sin);
  }
  cache.Store(index, start, n, k.data(), v.data());

  std::vector<float> attn(static_cast<size_t>(n * q_dim));
  kernels::Attention(q.data(), n, cache.View(index), start + n,
                     {c.n_heads, c.n_kv_heads, static_cast<int>(hd), /*causal=*/true, start}, attn.data(), pool);
  std::vector<float> out(static_cast<size_t>(n * h));
  MatMul(attn.data(), n, l.o, nullptr, out.data(), pool);
  kernels::AddInPlace(x, out.data(), n * h);

  kernels::RmsNorm(x, l.post_attention_norm.data(), c.rms_eps, n, h, xn.data());
  std::vector<float> gate(static_cast<size_t>(n * c.intermediate));
  std::vector<float> up(static_cast<size_t>(n * c.intermediate));
  MatMul(xn.data(), n, l.gate, nullptr, gate.data(), pool);
  MatMul(xn.data(), n, l.up, nullptr, up.data(), pool);
  kernels::SiluMul(gate.data(), up.data(), n * c.intermediate, pool);
  MatMul(gate.data(), n, l.down, nullptr, out.data(), pool);
  kernels::AddInPlace(x, out.data(), n * h);
}

void Decoder::Forward(const float* x_in, int64_t n, KvCache& cache, float* logits, bool all_logits,
                      ThreadPool& pool) const {
  HM_CHECK(n > 0, "decoder: empty input");
  HM_CHECK(cache.size() + n <= cache.capacity(), "sequence of ", cache.size() + n,
           " tokens exceeds the context size ", cache.capacity(), " (raise --ctx)");
  const RopeTable rope = Rope(cache.size(), n);
  const int64_t h = config_.hidden;
  std::vector<float> x(x_in, x_in + n * h);
  for (int i = 0; i < config_.n_layers; ++i) Layer(i, x.data(), n, cache, rope, pool);
  cache.Advance(n);

  const int64_t rows = all_logits ? n : 1;
  const float* last = x.data() + (n - rows) * h;
  std::vector<float> normed(static_cast<size_t>(rows * h));
  kernels::RmsNorm(last, w_.final_norm.data(), config_.rms_eps, rows, h, normed.data());
  MatMul(normed.data(), rows, w_.lm_head, nullptr, logits, pool);
}

}  // namespace hm
