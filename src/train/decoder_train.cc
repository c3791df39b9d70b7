#include "train/decoder_train.h"

#include <cmath>

#include "core/error.h"
#include "train/ops.h"

namespace hm::train {
namespace {

using Buf = std::vector<float>;

Buf Zeros(int64_t n) { return Buf(static_cast<size_t>(n), 0.0f); }

void AddTo(Buf& y, const Buf& x) { kernels::AddInPlace(y.data(), x.data(), static_cast<int64_t>(y.size())); }

const float* Data(const TrainParam* p) { return p ? p->value.data() : nullptr; }

}  // namespace

DecoderTrainer::DecoderTrainer(ParamSet& params) : config_(params.config().llm), qk_norm_(params.qk_norm()) {
  const LlmConfig& c = config_;
  embed_ = &params.Get("model.embed_tokens.weight");
  lm_head_ = c.tie_embeddings ? embed_ : &params.Get("lm_head.weight");
  final_norm_ = &params.Get("model.norm.weight");
  auto optional = [&](const std::string& name) { return params.Has(name) ? &params.Get(name) : nullptr; };
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerParams l{&params.Get(p + "input_layernorm.weight"), &params.Get(p + "post_attention_layernorm.weight"),
                  &params.Get(p + "self_attn.q_proj.weight"),  &params.Get(p + "self_attn.k_proj.weight"),
                  &params.Get(p + "self_attn.v_proj.weight"),  &params.Get(p + "self_attn.o_proj.weight"),
                  &params.Get(p + "mlp.gate_proj.weight"),     &params.Get(p + "mlp.up_proj.weight"),
                  &params.Get(p + "mlp.down_proj.weight")};
    l.q_bias = optional(p + "self_attn.q_proj.bias");
    l.k_bias = optional(p + "self_attn.k_proj.bias");
    l.v_bias = optional(p + "self_attn.v_proj.bias");
    l.q_norm = optional(p + "self_attn.q_norm.weight");
    l.k_norm = optional(p + "self_attn.k_norm.weight");
    layers_.push_back(l);
  }
  // As HF and the inference Decoder: inv_freq = 1 / theta^(2i/d) in float32.
  const int d = c.head_dim;
  for (int i = 0; i < d / 2; ++i)
    inv_freq_.push_back(1.0f / std::pow(static_cast<float>(c.rope_theta), static_cast<float>(2 * i) / d));
}

std::vector<float> DecoderTrainer::Embed(std::span<const int32_t> ids) const {
  for (const int32_t id : ids)
    HM_CHECK(id >= 0 && id < config_.vocab, "token id ", id, " is outside the vocabulary of ", config_.vocab);
  Buf x = Zeros(static_cast<int64_t>(ids.size()) * config_.hidden);
  EmbeddingForward(embed_->value.data(), config_.hidden, ids, x.data());
  return x;
}

float* DecoderTrainer::Grad(TrainParam* p) const { return p && weight_grads_ ? p->grad.data() : nullptr; }

void DecoderTrainer::EmbedBackward(std::span<const int32_t> ids, const float* dx) const {
  if (!weight_grads_) return;
  EmbeddingBackward(ids, dx, config_.hidden, embed_->grad.data());
}

void DecoderTrainer::Forward(const float* x_in, int64_t n, Tape& tape, ThreadPool& pool) const {
  const LlmConfig& c = config_;
  const int d = c.head_dim, half = d / 2;
  tape.n = n;
  tape.cos = Zeros(n * d);
  tape.sin = Zeros(n * d);
  for (int64_t p = 0; p < n; ++p)
    for (int i = 0; i < half; ++i) {
      const float angle = static_cast<float>(p) * inv_freq_[i];  // float32 product, as HF
      tape.cos[p * d + i] = tape.cos[p * d + i + half] = std::cos(angle);
      tape.sin[p * d + i] = tape.sin[p * d + i + half] = std::sin(angle);
    }
  tape.layers.resize(static_cast<size_t>(c.n_layers));
  Buf x(x_in, x_in + n * c.hidden), y = Zeros(n * c.hidden);
  for (int i = 0; i < c.n_layers; ++i) {
    LayerTape& t = tape.layers[i];
    LayerForward(layers_[i], tape, x.data(), t, y.data(), pool);
    if (recompute_) {  // keep the input only
      Buf input = std::move(t.x);
      t = LayerTape{};
      t.x = std::move(input);
    }
    std::swap(x, y);
  }
  tape.last = std::move(x);
  tape.out = Zeros(n * c.hidden);
  RmsNormForward(tape.last.data(), final_norm_->value.data(), c.rms_eps, n, c.hidden, tape.out.data());
}

// y = mid + down(silu(gate(mn)) ⊙ up(mn)),  mid = x + o(attention(rope(q), rope(k), v)),
// mn = post_norm(mid), q/k/v = projections of input_norm(x) (q/k then per-head normed on Qwen3).
void DecoderTrainer::LayerForward(const LayerParams& p, const Tape& tape, const float* x, LayerTape& t, float* y,
                                  ThreadPool& pool) const {
  const LlmConfig& c = config_;
  const int64_t n = tape.n, h = c.hidden, hd = c.head_dim, I = c.intermediate;
  const int64_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;
  t.x.assign(x, x + n * h);
  t.xn = Zeros(n * h);
  RmsNormForward(x, Data(p.input_norm), c.rms_eps, n, h, t.xn.data());
  t.q = Zeros(n * q_dim);
  t.k = Zeros(n * kv_dim);
  t.v = Zeros(n * kv_dim);
  LinearForward(t.xn.data(), n, Data(p.q), q_dim, h, Data(p.q_bias), t.q.data(), pool);
  LinearForward(t.xn.data(), n, Data(p.k), kv_dim, h, Data(p.k_bias), t.k.data(), pool);
  LinearForward(t.xn.data(), n, Data(p.v), kv_dim, h, Data(p.v_bias), t.v.data(), pool);
  if (qk_norm_) {  // Qwen3: RMSNorm over each head's head_dim values, before RoPE
    t.q_raw = t.q;
    t.k_raw = t.k;
    RmsNormForward(t.q_raw.data(), Data(p.q_norm), c.rms_eps, n * c.n_heads, hd, t.q.data());
    RmsNormForward(t.k_raw.data(), Data(p.k_norm), c.rms_eps, n * c.n_kv_heads, hd, t.k.data());
  }
  RopeForward(t.q.data(), n, c.n_heads, static_cast<int>(hd), tape.cos.data(), tape.sin.data());
  RopeForward(t.k.data(), n, c.n_kv_heads, static_cast<int>(hd), tape.cos.data(), tape.sin.data());
  t.attn = Zeros(n * q_dim);
  t.lse = Zeros(n * c.n_heads);
  AttentionForward(t.q.data(), t.k.data(), t.v.data(), n, {c.n_heads, c.n_kv_heads, static_cast<int>(hd)},
                   t.attn.data(), t.lse.data(), pool);
  t.mid = Zeros(n * h);
  LinearForward(t.attn.data(), n, Data(p.o), h, q_dim, nullptr, t.mid.data(), pool);
  kernels::AddInPlace(t.mid.data(), x, n * h);

  t.mn = Zeros(n * h);
  RmsNormForward(t.mid.data(), Data(p.post_norm), c.rms_eps, n, h, t.mn.data());
  t.gate = Zeros(n * I);
  t.up = Zeros(n * I);
  t.act = Zeros(n * I);
  LinearForward(t.mn.data(), n, Data(p.gate), I, h, nullptr, t.gate.data(), pool);
  LinearForward(t.mn.data(), n, Data(p.up), I, h, nullptr, t.up.data(), pool);
  SwiGluForward(t.gate.data(), t.up.data(), n * I, t.act.data(), pool);
  LinearForward(t.act.data(), n, Data(p.down), h, I, nullptr, y, pool);
  kernels::AddInPlace(y, t.mid.data(), n * h);
}

void DecoderTrainer::Logits(const Tape& tape, std::span<const int64_t> rows, float* logits, ThreadPool& pool) const {
  const int64_t h = config_.hidden, m = static_cast<int64_t>(rows.size());
  Buf selected = Zeros(m * h);
  for (int64_t i = 0; i < m; ++i) {
    HM_CHECK(rows[i] >= 0 && rows[i] < tape.n, "decoder: row ", rows[i], " is outside the sequence");
    std::copy_n(tape.out.begin() + rows[i] * h, h, selected.begin() + i * h);
  }
  LinearForward(selected.data(), m, Data(lm_head_), config_.vocab, h, nullptr, logits, pool);
}

double DecoderTrainer::Loss(const Tape& tape, std::span<const int64_t> rows, std::span<const int32_t> targets,
                            float scale, float* d_out, ThreadPool& pool) const {
  HM_CHECK(rows.size() == targets.size(), "decoder: ", rows.size(), " rows for ", targets.size(), " targets");
  const int64_t h = config_.hidden, V = config_.vocab, m = static_cast<int64_t>(rows.size());
  std::fill(d_out, d_out + tape.n * h, 0.0f);
  if (m == 0) return 0;
  // Only the labelled rows: z = h_sel lm_headᵀ, [m, vocab].
  Buf selected = Zeros(m * h), z = Zeros(m * V), d_selected = Zeros(m * h);
  for (int64_t i = 0; i < m; ++i) std::copy_n(tape.out.begin() + rows[i] * h, h, selected.begin() + i * h);
  LinearForward(selected.data(), m, Data(lm_head_), V, h, nullptr, z.data(), pool);
  const double loss = CrossEntropy(z.data(), targets, V, scale, z.data());
  LinearBackward(selected.data(), m, Data(lm_head_), V, h, z.data(), d_selected.data(), Grad(lm_head_), nullptr,
                 pool);
  for (int64_t i = 0; i < m; ++i)
    kernels::AddInPlace(d_out + rows[i] * h, d_selected.data() + i * h, h);  // rows may repeat
  return loss;
}

void DecoderTrainer::Backward(const Tape& tape, const float* d_out, float* dx, ThreadPool& pool) const {
  const int64_t n = tape.n, h = config_.hidden;
  Buf dy = Zeros(n * h);
  RmsNormBackward(tape.last.data(), Data(final_norm_), config_.rms_eps, n, h, d_out, dy.data(), Grad(final_norm_));
  for (int i = config_.n_layers - 1; i >= 0; --i) {
    const LayerTape& kept = tape.layers[i];
    if (!kept.xn.empty()) {
      LayerBackward(layers_[i], tape, kept, dy, pool);
      continue;
    }
    LayerTape full;  // recomputation: this layer's activations again, from its input
    Buf y = Zeros(n * h);
    LayerForward(layers_[i], tape, kept.x.data(), full, y.data(), pool);
    LayerBackward(layers_[i], tape, full, dy, pool);
  }
  std::copy(dy.begin(), dy.end(), dx);
}

void DecoderTrainer::LayerBackward(const LayerParams& p, const Tape& tape, const LayerTape& t, Buf& dy,
                                   ThreadPool& pool) const {
  const LlmConfig& c = config_;
  const int64_t n = tape.n, h = c.hidden, hd = c.head_dim, I = c.intermediate;
  const int64_t q_dim = c.n_heads * hd, kv_dim = c.n_kv_heads * hd;

  // MLP: y = mid + down(act).
  Buf d_act = Zeros(n * I), dg = Zeros(n * I), du = Zeros(n * I);
  LinearBackward(t.act.data(), n, Data(p.down), h, I, dy.data(), d_act.data(), Grad(p.down), nullptr, pool);
  SwiGluBackward(t.gate.data(), t.up.data(), d_act.data(), n * I, dg.data(), du.data());
  Buf d_mn = Zeros(n * h), d_part = Zeros(n * h);
  LinearBackward(t.mn.data(), n, Data(p.gate), I, h, dg.data(), d_mn.data(), Grad(p.gate), nullptr, pool);
  LinearBackward(t.mn.data(), n, Data(p.up), I, h, du.data(), d_part.data(), Grad(p.up), nullptr, pool);
  AddTo(d_mn, d_part);
  Buf& d_mid = dy;  // the residual passes dy through unchanged
  RmsNormBackward(t.mid.data(), Data(p.post_norm), c.rms_eps, n, h, d_mn.data(), d_part.data(), Grad(p.post_norm));
  AddTo(d_mid, d_part);

  // Attention: mid = x + o(attn).
  Buf d_attn = Zeros(n * q_dim), dq = Zeros(n * q_dim), dk = Zeros(n * kv_dim), dv = Zeros(n * kv_dim);
  LinearBackward(t.attn.data(), n, Data(p.o), h, q_dim, d_mid.data(), d_attn.data(), Grad(p.o), nullptr, pool);
  AttentionBackward(t.q.data(), t.k.data(), t.v.data(), t.attn.data(), t.lse.data(), d_attn.data(), n,
                    {c.n_heads, c.n_kv_heads, static_cast<int>(hd)}, dq.data(), dk.data(), dv.data(), pool);
  RopeBackward(dq.data(), n, c.n_heads, static_cast<int>(hd), tape.cos.data(), tape.sin.data());
  RopeBackward(dk.data(), n, c.n_kv_heads, static_cast<int>(hd), tape.cos.data(), tape.sin.data());
  if (qk_norm_) {
    Buf dq_raw = Zeros(n * q_dim), dk_raw = Zeros(n * kv_dim);
    RmsNormBackward(t.q_raw.data(), Data(p.q_norm), c.rms_eps, n * c.n_heads, hd, dq.data(), dq_raw.data(),
                    Grad(p.q_norm));
    RmsNormBackward(t.k_raw.data(), Data(p.k_norm), c.rms_eps, n * c.n_kv_heads, hd, dk.data(), dk_raw.data(),
                    Grad(p.k_norm));
    dq = std::move(dq_raw);
    dk = std::move(dk_raw);
  }
  Buf d_xn = Zeros(n * h);
  LinearBackward(t.xn.data(), n, Data(p.q), q_dim, h, dq.data(), d_xn.data(), Grad(p.q), Grad(p.q_bias), pool);
  LinearBackward(t.xn.data(), n, Data(p.k), kv_dim, h, dk.data(), d_part.data(), Grad(p.k), Grad(p.k_bias), pool);
  AddTo(d_xn, d_part);
  LinearBackward(t.xn.data(), n, Data(p.v), kv_dim, h, dv.data(), d_part.data(), Grad(p.v), Grad(p.v_bias), pool);
  AddTo(d_xn, d_part);
  RmsNormBackward(t.x.data(), Data(p.input_norm), c.rms_eps, n, h, d_xn.data(), d_part.data(), Grad(p.input_norm));
  AddTo(d_mid, d_part);  // dy now holds ∂/∂x
}

}  // namespace hm::train
