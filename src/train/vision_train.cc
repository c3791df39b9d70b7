#include "train/vision_train.h"

#include "core/error.h"
#include "kernels/kernels.h"
#include "model/vision_encoder.h"
#include "train/ops.h"

namespace hm::train {
namespace {

using Buf = std::vector<float>;

Buf Zeros(int64_t n) { return Buf(static_cast<size_t>(n), 0.0f); }

void AddTo(Buf& y, const Buf& x) { kernels::AddInPlace(y.data(), x.data(), static_cast<int64_t>(y.size())); }

}  // namespace

VisionTrainer::VisionTrainer(ParamSet& params) {
  const ModelConfig& mc = params.config();
  HM_CHECK(mc.vision.has_value(), "this checkpoint has no vision encoder");
  config_ = *mc.vision;
  // The original release nests the encoder one level deeper; ParamSet keeps its names.
  const std::string nested = "model.vision_encoder.vision_encoder.";
  const std::string p = params.Has(nested + "post_layernorm.weight") ? nested : "model.vision_encoder.";
  patch_w_ = &params.Get(p + "embeddings.patch_embedding.weight");
  patch_b_ = &params.Get(p + "embeddings.patch_embedding.bias");
  post_w_ = &params.Get(p + "post_layernorm.weight");
  post_b_ = &params.Get(p + "post_layernorm.bias");
  for (int i = 0; i < config_.n_layers; ++i) {
    const std::string lp = p + "encoder.layers." + std::to_string(i) + ".";
    auto get = [&](const std::string& name) { return &params.Get(lp + name); };
    layers_.push_back({get("layer_norm1.weight"), get("layer_norm1.bias"), get("layer_norm2.weight"),
                       get("layer_norm2.bias"), get("self_attn.q_proj.weight"), get("self_attn.q_proj.bias"),
                       get("self_attn.k_proj.weight"), get("self_attn.k_proj.bias"), get("self_attn.v_proj.weight"),
                       get("self_attn.v_proj.bias"), get("self_attn.out_proj.weight"), get("self_attn.out_proj.bias"),
                       get("mlp.fc1.weight"), get("mlp.fc1.bias"), get("mlp.fc2.weight"), get("mlp.fc2.bias")});
  }
  const int64_t d = config_.hidden, h = mc.llm.hidden;
  if (mc.projector_type == "linear") {
    projector_.push_back({&params.Get("model.mm_projector.weight"), &params.Get("model.mm_projector.bias"), h, d});
  } else {
    for (int i = 0; i < mc.projector_depth; ++i) {
      const std::string lp = "model.mm_projector.readout." + std::to_string(2 * i);
      projector_.push_back({&params.Get(lp + ".weight"), &params.Get(lp + ".bias"), h, i == 0 ? d : h});
    }
  }
}

std::vector<float> VisionTrainer::Forward(const PreprocessedMedia& media, Tape& tape, ThreadPool& pool) const {
  const auto [t, gh, gw] = media.grid;
  const int64_t patch_values = int64_t{config_.n_channels} * config_.patch_size * config_.patch_size;
  HM_CHECK(media.pixels.cols == patch_values && media.pixels.rows == t * gh * gw, "vision: grid (", t, ", ", gh,
           ", ", gw, ") does not match ", media.pixels.rows, " patch rows of ", media.pixels.cols, " values");
  const int m = media.merge_size;
  HM_CHECK(m > 0 && gh % m == 0 && gw % m == 0, "vision: grid (", gh, ", ", gw, ") is not whole merge blocks of ", m);
  const int64_t d = config_.hidden, per_frame = gh * gw, oh = gh / m, ow = gw / m, tokens = t * oh * ow;
  Buf features = Zeros(tokens * d), states = Zeros(per_frame * d), grid = Zeros(per_frame * d);
  tape.frames.resize(static_cast<size_t>(t));
  for (int64_t f = 0; f < t; ++f) {
    float* out = features.data() + f * oh * ow * d;
    FrameForward(media.pixels.data.data() + f * per_frame * patch_values, gh, gw, m, tape.frames[f],
                 m == 1 ? out : states.data(), pool);  // merge size 1: the rows are the tokens
    if (m == 1) continue;
    // Undo the merge-block order, then downsample by m (as VisionEncoder::Encode).
    for (int64_t i = 0; i < per_frame; ++i) {
      const auto [r, c] = PatchPosition(i, gw, m);
      std::copy_n(states.data() + i * d, d, grid.data() + (r * gw + c) * d);
    }
    const Buf small = BilinearResize(grid.data(), gh, gw, d, oh, ow);
    std::copy(small.begin(), small.end(), out);
  }

  tape.projector_in.clear();
  tape.projector_pre.clear();
  Buf x = std::move(features);
  for (size_t i = 0; i < projector_.size(); ++i) {
    const Linear& l = projector_[i];
    Buf y = Zeros(tokens * l.out);
    LinearForward(x.data(), tokens, l.w->value.data(), l.out, l.in, l.b->value.data(), y.data(), pool);
    tape.projector_in.push_back(std::move(x));
    if (i + 1 < projector_.size()) {
      x = Zeros(tokens * l.out);
      GeluErfForward(y.data(), tokens * l.out, x.data());
      tape.projector_pre.push_back(std::move(y));
    } else {
      x = std::move(y);
    }
  }
  return x;
}

// out = post_layernorm(layers(patches W_pᵀ + b_p)); each layer: mid = x + o(attn(rope(q), rope(k), v))
// over the frame's own patches, y = mid + fc2(gelu_tanh(fc1(layer_norm2(mid)))).
void VisionTrainer::FrameForward(const float* patches, int64_t gh, int64_t gw, int merge, FrameTape& t, float* out,
                                 ThreadPool& pool) const {
  const VisionConfig& c = config_;
  const int64_t n = gh * gw, d = c.hidden, hd = d / c.n_heads, I = c.intermediate, pv = patch_w_->value.size() / d;
  const kernels::AttentionShape shape{c.n_heads, c.n_heads, static_cast<int>(hd), /*causal=*/false, 0};
  VisionRopeTables rope = VisionRope(c, gh, gw, merge);
  t.cos = std::move(rope.cos);
  t.sin = std::move(rope.sin);
  Buf x = Zeros(n * d);
  LinearForward(patches, n, patch_w_->value.data(), d, pv, patch_b_->value.data(), x.data(), pool);
  t.layers.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerParams& p = layers_[i];
    LayerTape& l = t.layers[i];
    l.x = x;
    l.xn1 = Zeros(n * d);
    LayerNormForward(x.data(), p.ln1_w->value.data(), p.ln1_b->value.data(), c.layer_norm_eps, n, d, l.xn1.data());
    l.q = Zeros(n * d);
    l.k = Zeros(n * d);
    l.v = Zeros(n * d);
    LinearForward(l.xn1.data(), n, p.q_w->value.data(), d, d, p.q_b->value.data(), l.q.data(), pool);
    LinearForward(l.xn1.data(), n, p.k_w->value.data(), d, d, p.k_b->value.data(), l.k.data(), pool);
    LinearForward(l.xn1.data(), n, p.v_w->value.data(), d, d, p.v_b->value.data(), l.v.data(), pool);
    RopeForward(l.q.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    RopeForward(l.k.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    l.attn = Zeros(n * d);
    l.lse = Zeros(n * c.n_heads);
    AttentionForward(l.q.data(), l.k.data(), l.v.data(), n, shape, l.attn.data(), l.lse.data(), pool);
    l.mid = Zeros(n * d);
    LinearForward(l.attn.data(), n, p.o_w->value.data(), d, d, p.o_b->value.data(), l.mid.data(), pool);
    AddTo(l.mid, x);
    l.xn2 = Zeros(n * d);
    LayerNormForward(l.mid.data(), p.ln2_w->value.data(), p.ln2_b->value.data(), c.layer_norm_eps, n, d,
                     l.xn2.data());
    l.h = Zeros(n * I);
    l.a = Zeros(n * I);
    LinearForward(l.xn2.data(), n, p.fc1_w->value.data(), I, d, p.fc1_b->value.data(), l.h.data(), pool);
    GeluTanhForward(l.h.data(), n * I, l.a.data(), pool);
    LinearForward(l.a.data(), n, p.fc2_w->value.data(), d, I, p.fc2_b->value.data(), x.data(), pool);
    AddTo(x, l.mid);
  }
  t.last = std::move(x);
  LayerNormForward(t.last.data(), post_w_->value.data(), post_b_->value.data(), c.layer_norm_eps, n, d, out);
}

void VisionTrainer::Backward(const PreprocessedMedia& media, const Tape& tape, const float* d_tokens,
                             ThreadPool& pool) const {
  const auto [t, gh, gw] = media.grid;
  const int m = media.merge_size;
  const int64_t per_frame = gh * gw, oh = gh / m, ow = gw / m, tokens = t * oh * ow, d = config_.hidden;
  if (!trains_any()) return;
  Buf dy(d_tokens, d_tokens + tokens * projector_.back().out);
  for (size_t i = projector_.size(); i-- > 0;) {
    const Linear& l = projector_[i];
    if (i + 1 < projector_.size()) {
      Buf d_pre = Zeros(tokens * l.out);
      GeluErfBackward(tape.projector_pre[i].data(), dy.data(), tokens * l.out, d_pre.data());
      dy = std::move(d_pre);
    }
    const bool more = i > 0 || trains_encoder_;  // is dx wanted below this layer
    Buf dx = more ? Zeros(tokens * l.in) : Buf{};
    LinearBackward(tape.projector_in[i].data(), tokens, l.w->value.data(), l.out, l.in, dy.data(),
                   more ? dx.data() : nullptr, trains_projector_ ? l.w->grad.data() : nullptr,
                   trains_projector_ ? l.b->grad.data() : nullptr, pool);
    if (!more) return;
    dy = std::move(dx);
  }
  const int64_t patch_values = media.pixels.cols;
  Buf d_states = Zeros(per_frame * d), d_grid = Zeros(per_frame * d);
  for (int64_t f = 0; f < t; ++f) {
    const float* d_frame = dy.data() + f * oh * ow * d;
    if (m > 1) {  // back through the downsample and the reordering
      std::fill(d_grid.begin(), d_grid.end(), 0.0f);
      BilinearResizeBackward(d_frame, gh, gw, d, oh, ow, d_grid.data());
      for (int64_t i = 0; i < per_frame; ++i) {
        const auto [r, c] = PatchPosition(i, gw, m);
        std::copy_n(d_grid.data() + (r * gw + c) * d, d, d_states.data() + i * d);
      }
      d_frame = d_states.data();
    }
    FrameBackward(media.pixels.data.data() + f * per_frame * patch_values, per_frame, tape.frames[f], d_frame, pool);
  }
}

void VisionTrainer::FrameBackward(const float* patches, int64_t n, const FrameTape& t, const float* d_out,
                                  ThreadPool& pool) const {
  const VisionConfig& c = config_;
  const int64_t d = c.hidden, hd = d / c.n_heads, I = c.intermediate, pv = patch_w_->value.size() / d;
  const kernels::AttentionShape shape{c.n_heads, c.n_heads, static_cast<int>(hd), /*causal=*/false, 0};
  Buf dy = Zeros(n * d), part = Zeros(n * d);
  LayerNormBackward(t.last.data(), post_w_->value.data(), c.layer_norm_eps, n, d, d_out, dy.data(),
                    post_w_->grad.data(), post_b_->grad.data());
  for (size_t i = layers_.size(); i-- > 0;) {
    const LayerParams& p = layers_[i];
    const LayerTape& l = t.layers[i];
    // MLP: y = mid + fc2(gelu(fc1(xn2))); dy then holds ∂/∂mid.
    Buf d_a = Zeros(n * I), d_h = Zeros(n * I), d_xn = Zeros(n * d);
    LinearBackward(l.a.data(), n, p.fc2_w->value.data(), d, I, dy.data(), d_a.data(), p.fc2_w->grad.data(),
                   p.fc2_b->grad.data(), pool);
    GeluTanhBackward(l.h.data(), d_a.data(), n * I, d_h.data());
    LinearBackward(l.xn2.data(), n, p.fc1_w->value.data(), I, d, d_h.data(), d_xn.data(), p.fc1_w->grad.data(),
                   p.fc1_b->grad.data(), pool);
    LayerNormBackward(l.mid.data(), p.ln2_w->value.data(), c.layer_norm_eps, n, d, d_xn.data(), part.data(),
                      p.ln2_w->grad.data(), p.ln2_b->grad.data());
    AddTo(dy, part);
    // Attention: mid = x + o(attn); dy then holds ∂/∂x.
    Buf d_attn = Zeros(n * d), dq = Zeros(n * d), dk = Zeros(n * d), dv = Zeros(n * d);
    LinearBackward(l.attn.data(), n, p.o_w->value.data(), d, d, dy.data(), d_attn.data(), p.o_w->grad.data(),
                   p.o_b->grad.data(), pool);
    AttentionBackward(l.q.data(), l.k.data(), l.v.data(), l.attn.data(), l.lse.data(), d_attn.data(), n, shape,
                      dq.data(), dk.data(), dv.data(), pool);
    RopeBackward(dq.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    RopeBackward(dk.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    LinearBackward(l.xn1.data(), n, p.q_w->value.data(), d, d, dq.data(), d_xn.data(), p.q_w->grad.data(),
                   p.q_b->grad.data(), pool);
    LinearBackward(l.xn1.data(), n, p.k_w->value.data(), d, d, dk.data(), part.data(), p.k_w->grad.data(),
                   p.k_b->grad.data(), pool);
    AddTo(d_xn, part);
    LinearBackward(l.xn1.data(), n, p.v_w->value.data(), d, d, dv.data(), part.data(), p.v_w->grad.data(),
                   p.v_b->grad.data(), pool);
    AddTo(d_xn, part);
    LayerNormBackward(l.x.data(), p.ln1_w->value.data(), c.layer_norm_eps, n, d, d_xn.data(), part.data(),
                      p.ln1_w->grad.data(), p.ln1_b->grad.data());
    AddTo(dy, part);
  }
  // The patch embedding (the conv as a matmul); pixels need no gradient.
  LinearBackward(patches, n, patch_w_->value.data(), d, pv, dy.data(), nullptr, patch_w_->grad.data(),
                 patch_b_->grad.data(), pool);
}

}  // namespace hm::train
