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

// x: [rows, hidden], the rows of every segment, updated in place with this layer's attention
// and MLP residuals. Matmuls run over all rows; RoPE, the cache and attention per segment.
void Decoder::Layer(int index, float* x, int64_t rows, std::span<const Placed> placed, ThreadPool& pool) const {
  const LlmConfig& c = config_;
  const DecoderLayerWeights& l = w_.layers[static_cast<size_t>(index)];
  const int64_t h = c.hidden, hd = c.head_dim, n = rows;
  const int64_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;

  std::vector<float> xn(static_cast<size_t>(n * h));
  kernels::RmsNorm(x, l.input_norm.data(), c.rms_eps, n, h, xn.data());

  // Keys and values are computed in f32, rotated, then stored in the cache's type.
  std::vector<float> q(static_cast<size_t>(n * q_dim));
  std::vector<float> k(static_cast<size_t>(n * kv_dim)), v(static_cast<size_t>(n * kv_dim));
  AdaptedMatMul(xn.data(), n, l.q, l.q_bias.empty() ? nullptr : l.q_bias.data(), l.lora.q, q.data(), pool);
  AdaptedMatMul(xn.data(), n, l.k, l.k_bias.empty() ? nullptr : l.k_bias.data(), l.lora.k, k.data(), pool);
  AdaptedMatMul(xn.data(), n, l.v, l.v_bias.empty() ? nullptr : l.v_bias.data(), l.lora.v, v.data(), pool);
  if (w_.qk_norm) {  // Qwen3: per-head RMSNorm before the rotary embedding
    kernels::RmsNorm(q.data(), l.q_norm.data(), c.rms_eps, n * c.n_heads, hd, q.data());
    kernels::RmsNorm(k.data(), l.k_norm.data(), c.rms_eps, n * c.n_kv_heads, hd, k.data());
  }
  std::vector<float> attn(static_cast<size_t>(n * q_dim));
  for (const Placed& s : placed) {
    float* qs = q.data() + s.offset * q_dim;
    float* ks = k.data() + s.offset * kv_dim;
    for (int64_t t = 0; t < s.n; ++t) {
      const float* cos = s.rope.cos.data() + t * hd;
      const float* sin = s.rope.sin.data() + t * hd;
      kernels::RopeRotateHalf(qs + t * q_dim, c.n_heads, static_cast<int>(hd), cos, sin);
      kernels::RopeRotateHalf(ks + t * kv_dim, c.n_kv_heads, static_cast<int>(hd), cos, sin);
    }
    const int64_t start = s.cache->size();
    s.cache->Store(index, start, s.n, ks, v.data() + s.offset * kv_dim);
    kernels::Attention(qs, s.n, s.cache->View(index), start + s.n,
                       {c.n_heads, c.n_kv_heads, static_cast<int>(hd), /*causal=*/true, start},
                       attn.data() + s.offset * q_dim, pool);
  }
  std::vector<float> out(static_cast<size_t>(n * h));
  AdaptedMatMul(attn.data(), n, l.o, nullptr, l.lora.o, out.data(), pool);
  kernels::AddInPlace(x, out.data(), n * h);

  kernels::RmsNorm(x, l.post_attention_norm.data(), c.rms_eps, n, h, xn.data());
  std::vector<float> gate(static_cast<size_t>(n * c.intermediate));
  std::vector<float> up(static_cast<size_t>(n * c.intermediate));
  AdaptedMatMul(xn.data(), n, l.gate, nullptr, l.lora.gate, gate.data(), pool);
  AdaptedMatMul(xn.data(), n, l.up, nullptr, l.lora.up, up.data(), pool);
  kernels::SiluMul(gate.data(), up.data(), n * c.intermediate, pool);
  AdaptedMatMul(gate.data(), n, l.down, nullptr, l.lora.down, out.data(), pool);
  kernels::AddInPlace(x, out.data(), n * h);
}

void Decoder::Forward(const float* x_in, int64_t n, KvCache& cache, float* logits, bool all_logits,
                      ThreadPool& pool) const {
  const Segment segment{x_in, n, &cache, logits, all_logits};
  ForwardBatch({&segment, 1}, pool);
}

void Decoder::ForwardBatch(std::span<const Segment> segments, ThreadPool& pool) const {
  const int64_t h = config_.hidden;
  std::vector<Placed> placed;
  int64_t rows = 0, logit_rows = 0;
  for (const Segment& s : segments) {
    HM_CHECK(s.n > 0, "decoder: empty input");
    HM_CHECK(s.cache->size() + s.n <= s.cache->capacity(), "sequence of ", s.cache->size() + s.n,
             " tokens exceeds the context size ", s.cache->capacity(), " (raise --ctx)");
    for (const Placed& p : placed) HM_CHECK(p.cache != s.cache, "decoder: two segments of one batch share a cache");
    placed.push_back({rows, s.n, s.cache, Rope(s.cache->size(), s.n)});
    rows += s.n;
    logit_rows += s.all_logits ? s.n : 1;
  }
  std::vector<float> x(static_cast<size_t>(rows * h));
  for (size_t i = 0; i < segments.size(); ++i)
    std::copy(segments[i].x, segments[i].x + segments[i].n * h, x.begin() + placed[i].offset * h);
  for (int i = 0; i < config_.n_layers; ++i) Layer(i, x.data(), rows, placed, pool);
  for (const Placed& p : placed) p.cache->Advance(p.n);

  // Only the rows whose logits are wanted go through the final norm and lm_head, together.
  std::vector<float> last(static_cast<size_t>(logit_rows * h));
  int64_t r = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const int64_t keep = segments[i].all_logits ? segments[i].n : 1;
    const float* from = x.data() + (placed[i].offset + placed[i].n - keep) * h;
    std::copy(from, from + keep * h, last.begin() + r * h);
    r += keep;
  }
  std::vector<float> normed(static_cast<size_t>(logit_rows * h));
  kernels::RmsNorm(last.data(), w_.final_norm.data(), config_.rms_eps, logit_rows, h, normed.data());
  if (segments.size() == 1) {  // straight into the caller's buffer
    MatMul(normed.data(), logit_rows, w_.lm_head, nullptr, segments[0].logits, pool);
    return;
  }
  std::vector<float> logits(static_cast<size_t>(logit_rows * config_.vocab));
  MatMul(normed.data(), logit_rows, w_.lm_head, nullptr, logits.data(), pool);
  r = 0;
  for (const Segment& s : segments) {
    const int64_t keep = s.all_logits ? s.n : 1;
    std::copy(logits.begin() + r * config_.vocab, logits.begin() + (r + keep) * config_.vocab, s.logits);
    r += keep;
  }
}

}  // namespace hm
