#include "train/decoder_train.h"

#include <cmath>

#include "core/error.h"
#include "train/ops.h"

namespace hm::train {
namespace {

using Buf = std::vector<float>;

Buf Zeros(int64_t n) { return Buf(static_cast<size_t>(n), 0.0f); }

void AddTo(Buf& y, const Buf& x) { kernels::AddInPlace(y.data(), x.data(), static_cast<int64_t>(y.size())); }

}  // namespace

DecoderTrainer::DecoderTrainer(ParamSet& params) : config_(params.config().llm), qk_norm_(params.qk_norm()) {
  const LlmConfig& c = config_;
  // Every parameter's f32 master, trained; shapes as the checkpoint's.
  auto weight = [&](const std::string& name, int64_t rows, int64_t cols) {
    if (!params.Has(name)) return Weight{};
    TrainParam& p = params.Get(name);
    return Weight{F32Matrix(p.value.data(), rows, cols), &p};
  };
  auto vector = [&](const std::string& name, int64_t n) { return weight(name, 1, n); };
  const int64_t h = c.hidden, q_dim = int64_t{c.n_heads} * c.head_dim, kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  embed_ = weight("model.embed_tokens.weight", c.vocab, h);
  lm_head_ = c.tie_embeddings ? embed_ : weight("lm_head.weight", c.vocab, h);
  final_norm_ = vector("model.norm.weight", h);
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerParams l{vector(p + "input_layernorm.weight", h),          vector(p + "post_attention_layernorm.weight", h),
                  weight(p + "self_attn.q_proj.weight", q_dim, h),  weight(p + "self_attn.k_proj.weight", kv_dim, h),
                  weight(p + "self_attn.v_proj.weight", kv_dim, h), weight(p + "self_attn.o_proj.weight", h, q_dim),
                  weight(p + "mlp.gate_proj.weight", c.intermediate, h),
                  weight(p + "mlp.up_proj.weight", c.intermediate, h),
                  weight(p + "mlp.down_proj.weight", h, c.intermediate),
                  vector(p + "self_attn.q_proj.bias", q_dim),       vector(p + "self_attn.k_proj.bias", kv_dim),
                  vector(p + "self_attn.v_proj.bias", kv_dim),      vector(p + "self_attn.q_norm.weight", c.head_dim),
                  vector(p + "self_attn.k_norm.weight", c.head_dim)};
    for (const Weight* w : {&l.input_norm, &l.post_norm, &l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down})
      HM_CHECK(w->param, "decoder: layer ", i, " is missing a parameter");
    layers_.push_back(l);
  }
  HM_CHECK(embed_.param && lm_head_.param && final_norm_.param, "decoder: missing embedding, lm_head or final norm");
  InitRope();
}

DecoderTrainer::DecoderTrainer(const LlmConfig& config, const DecoderWeights& w)
    : config_(config), qk_norm_(w.qk_norm) {
  auto vector = [](const Vector& v) {
    return Weight{v.empty() ? kernels::Matrix{} : F32Matrix(v.data(), 1, static_cast<int64_t>(v.size()))};
  };
  embed_ = Weight{w.embed};
  lm_head_ = Weight{w.lm_head};
  final_norm_ = vector(w.final_norm);
  for (const DecoderLayerWeights& l : w.layers)
    layers_.push_back({vector(l.input_norm), vector(l.post_attention_norm), Weight{l.q}, Weight{l.k}, Weight{l.v},
                       Weight{l.o}, Weight{l.gate}, Weight{l.up}, Weight{l.down}, vector(l.q_bias), vector(l.k_bias),
                       vector(l.v_bias), vector(l.q_norm), vector(l.k_norm)});
  InitRope();
}

void DecoderTrainer::InitRope() {
  // As HF and the inference Decoder: inv_freq = 1 / theta^(2i/d) in float32.
  const int d = config_.head_dim;
  for (int i = 0; i < d / 2; ++i)
    inv_freq_.push_back(1.0f / std::pow(static_cast<float>(config_.rope_theta), static_cast<float>(2 * i) / d));
}

void DecoderTrainer::Adapt(const std::string& weight, const LoraLayer* lora) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerParams& l = layers_[i];
    for (auto [name, w] : {std::pair{"self_attn.q_proj", &l.q}, {"self_attn.k_proj", &l.k}, {"self_attn.v_proj", &l.v},
                           {"self_attn.o_proj", &l.o}, {"mlp.gate_proj", &l.gate}, {"mlp.up_proj", &l.up},
                           {"mlp.down_proj", &l.down}})
      if (weight == p + name + ".weight") {
        w->lora = lora;
        return;
      }
  }
  Fail("decoder: no projection '", weight, "' to adapt");
}

void DecoderTrainer::Project(const Weight& w, const Weight& b, const float* x, int64_t n, float* y,
                             ThreadPool& pool) const {
  HM_CHECK(!bf16_ || !w.lora, "decoder: bf16 compute with LoRA layers");
  if (bf16_) return LinearForwardBf16(x, n, bf16_->Of(w.m), Data(b), y, pool);
  LoraLinearForward(x, n, w.m, Data(b), w.lora, y, pool);
}

void DecoderTrainer::ProjectBackward(const Weight& w, const Weight& b, const float* x, int64_t n, const float* dy,
                                     float* dx, ThreadPool& pool) const {
  if (bf16_) return LinearBackwardBf16(x, n, bf16_->Of(w.m), dy, dx, Grad(w), Grad(b), pool);
  LinearBackward(x, n, w.m, dy, dx, Grad(w), Grad(b), pool);
  if (w.lora) LoraLinearBackward(*w.lora, x, n, dy, dx, pool);
}

std::vector<float> DecoderTrainer::Embed(std::span<const int32_t> ids) const {
  for (const int32_t id : ids)
    HM_CHECK(id >= 0 && id < config_.vocab, "token id ", id, " is outside the vocabulary of ", config_.vocab);
  Buf x = Zeros(static_cast<int64_t>(ids.size()) * config_.hidden);
  if (embed_.param)
    EmbeddingForward(embed_.param->value.data(), config_.hidden, ids, x.data());
  else  // a frozen table in the checkpoint's format
    for (size_t i = 0; i < ids.size(); ++i) kernels::RowToF32(embed_.m, ids[i], x.data() + i * config_.hidden);
  return x;
}


void DecoderTrainer::EmbedBackward(std::span<const int32_t> ids, const float* dx) const {
  if (float* grad = Grad(embed_)) EmbeddingBackward(ids, dx, config_.hidden, grad);
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
  RmsNormForward(tape.last.data(), Data(final_norm_), c.rms_eps, n, c.hidden, tape.out.data());
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
  Project(p.q, p.q_bias, t.xn.data(), n, t.q.data(), pool);
  Project(p.k, p.k_bias, t.xn.data(), n, t.k.data(), pool);
  Project(p.v, p.v_bias, t.xn.data(), n, t.v.data(), pool);
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
  Project(p.o, Weight{}, t.attn.data(), n, t.mid.data(), pool);
  kernels::AddInPlace(t.mid.data(), x, n * h);

  t.mn = Zeros(n * h);
  RmsNormForward(t.mid.data(), Data(p.post_norm), c.rms_eps, n, h, t.mn.data());
  t.gate = Zeros(n * I);
  t.up = Zeros(n * I);
  t.act = Zeros(n * I);
  Project(p.gate, Weight{}, t.mn.data(), n, t.gate.data(), pool);
  Project(p.up, Weight{}, t.mn.data(), n, t.up.data(), pool);
  SwiGluForward(t.gate.data(), t.up.data(), n * I, t.act.data(), pool);
  Project(p.down, Weight{}, t.act.data(), n, y, pool);
  kernels::AddInPlace(y, t.mid.data(), n * h);
}

void DecoderTrainer::Logits(const Tape& tape, std::span<const int64_t> rows, float* logits, ThreadPool& pool) const {
  const int64_t h = config_.hidden, m = static_cast<int64_t>(rows.size());
  Buf selected = Zeros(m * h);
  for (int64_t i = 0; i < m; ++i) {
    HM_CHECK(rows[i] >= 0 && rows[i] < tape.n, "decoder: row ", rows[i], " is outside the sequence");
    std::copy_n(tape.out.begin() + rows[i] * h, h, selected.begin() + i * h);
  }
  Project(lm_head_, Weight{}, selected.data(), m, logits, pool);
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
  Project(lm_head_, Weight{}, selected.data(), m, z.data(), pool);
  const double loss = CrossEntropy(z.data(), targets, V, scale, z.data());
  ProjectBackward(lm_head_, Weight{}, selected.data(), m, z.data(), d_selected.data(), pool);
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
  ProjectBackward(p.down, Weight{}, t.act.data(), n, dy.data(), d_act.data(), pool);
  SwiGluBackward(t.gate.data(), t.up.data(), d_act.data(), n * I, dg.data(), du.data());
  Buf d_mn = Zeros(n * h), d_part = Zeros(n * h);
  ProjectBackward(p.gate, Weight{}, t.mn.data(), n, dg.data(), d_mn.data(), pool);
  ProjectBackward(p.up, Weight{}, t.mn.data(), n, du.data(), d_part.data(), pool);
  AddTo(d_mn, d_part);
  Buf& d_mid = dy;  // the residual passes dy through unchanged
  RmsNormBackward(t.mid.data(), Data(p.post_norm), c.rms_eps, n, h, d_mn.data(), d_part.data(), Grad(p.post_norm));
  AddTo(d_mid, d_part);

  // Attention: mid = x + o(attn).
  Buf d_attn = Zeros(n * q_dim), dq = Zeros(n * q_dim), dk = Zeros(n * kv_dim), dv = Zeros(n * kv_dim);
  ProjectBackward(p.o, Weight{}, t.attn.data(), n, d_mid.data(), d_attn.data(), pool);
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
  ProjectBackward(p.q, p.q_bias, t.xn.data(), n, dq.data(), d_xn.data(), pool);
  ProjectBackward(p.k, p.k_bias, t.xn.data(), n, dk.data(), d_part.data(), pool);
  AddTo(d_xn, d_part);
  ProjectBackward(p.v, p.v_bias, t.xn.data(), n, dv.data(), d_part.data(), pool);
  AddTo(d_xn, d_part);
  RmsNormBackward(t.x.data(), Data(p.input_norm), c.rms_eps, n, h, d_xn.data(), d_part.data(), Grad(p.input_norm));
  AddTo(d_mid, d_part);  // dy now holds ∂/∂x
}

}  // namespace hm::train
