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
  // Every parameter's f32 master, trained; shapes as the checkpoint's.
  auto weight = [&](const std::string& name, int64_t rows, int64_t cols) {
    TrainParam& p = params.Get(name);
    return Weight{F32Matrix(p.value.data(), rows, cols), &p};
  };
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    return Linear{weight(name + ".weight", out, in), weight(name + ".bias", 1, out)};
  };
  // The original release nests the encoder one level deeper; ParamSet keeps its names.
  const std::string nested = "model.vision_encoder.vision_encoder.";
  const std::string p = params.Has(nested + "post_layernorm.weight") ? nested : "model.vision_encoder.";
  const int64_t d = config_.hidden, I = config_.intermediate;
  patch_ = linear(p + "embeddings.patch_embedding", d,
                  static_cast<int64_t>(params.Get(p + "embeddings.patch_embedding.weight").value.size()) / d);
  post_w_ = weight(p + "post_layernorm.weight", 1, d);
  post_b_ = weight(p + "post_layernorm.bias", 1, d);
  for (int i = 0; i < config_.n_layers; ++i) {
    const std::string lp = p + "encoder.layers." + std::to_string(i) + ".";
    layers_.push_back({weight(lp + "layer_norm1.weight", 1, d), weight(lp + "layer_norm1.bias", 1, d),
                       weight(lp + "layer_norm2.weight", 1, d), weight(lp + "layer_norm2.bias", 1, d),
                       linear(lp + "self_attn.q_proj", d, d), linear(lp + "self_attn.k_proj", d, d),
                       linear(lp + "self_attn.v_proj", d, d), linear(lp + "self_attn.out_proj", d, d),
                       linear(lp + "mlp.fc1", I, d), linear(lp + "mlp.fc2", d, I)});
  }
  for (const ProjectorLayer& l : ProjectorLayers(mc)) projector_.push_back(linear(l.module, l.out, l.in));
}

VisionTrainer::VisionTrainer(const ModelConfig& config, const ModelWeights& w) {
  HM_CHECK(config.vision.has_value() && w.vision.has_value(), "this checkpoint has no vision encoder");
  config_ = *config.vision;
  trains_encoder_ = trains_projector_ = false;
  auto vector = [](const Vector& v) {
    return Weight{v.empty() ? kernels::Matrix{} : F32Matrix(v.data(), 1, static_cast<int64_t>(v.size()))};
  };
  auto linear = [&](const hm::Linear& l) { return Linear{Weight{l.weight}, vector(l.bias)}; };
  const VisionWeights& v = *w.vision;
  patch_ = linear(v.patch_embed);
  post_w_ = vector(v.post_ln_weight);
  post_b_ = vector(v.post_ln_bias);
  for (const VisionLayerWeights& l : v.layers)
    layers_.push_back({vector(l.ln1_weight), vector(l.ln1_bias), vector(l.ln2_weight), vector(l.ln2_bias),
                       linear(l.q), linear(l.k), linear(l.v), linear(l.out), linear(l.fc1), linear(l.fc2)});
  for (const hm::Linear& l : w.projector) projector_.push_back(linear(l));
}

void VisionTrainer::TrainProjector(std::span<TrainParam> params) {
  HM_CHECK(params.size() == 2 * projector_.size(), "vision: ", params.size(), " projector tensors for ",
           projector_.size(), " layers");
  for (size_t i = 0; i < projector_.size(); ++i) {
    Linear& l = projector_[i];
    TrainParam &w = params[2 * i], &b = params[2 * i + 1];
    HM_CHECK(static_cast<int64_t>(w.value.size()) == l.w.m.rows * l.w.m.cols &&
                 static_cast<int64_t>(b.value.size()) == l.w.m.rows,
             "vision: projector tensor '", w.name, "' does not match layer ", i);
    l.w = Weight{F32Matrix(w.value.data(), l.w.m.rows, l.w.m.cols), &w};
    l.b = Weight{F32Matrix(b.value.data(), 1, l.w.m.rows), &b};
  }
  trains_projector_ = true;
}

void VisionTrainer::Adapt(const std::string& weight, const LoraLayer* lora) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const std::string p = "model.vision_encoder.encoder.layers." + std::to_string(i) + ".";
    LayerParams& l = layers_[i];
    for (auto [name, linear] : {std::pair{"self_attn.q_proj", &l.q}, {"self_attn.k_proj", &l.k},
                                {"self_attn.v_proj", &l.v}, {"self_attn.out_proj", &l.o}, {"mlp.fc1", &l.fc1},
                                {"mlp.fc2", &l.fc2}})
      if (weight == p + name + ".weight") {
        linear->w.lora = lora;
        adapted_ = true;
        return;
      }
  }
  Fail("vision: no projection '", weight, "' to adapt");
}

void VisionTrainer::Project(const Linear& l, const float* x, int64_t n, float* y, ThreadPool& pool) const {
  HM_CHECK(!bf16_ || !l.w.lora, "vision: bf16 compute with LoRA layers");
  if (bf16_) return LinearForwardBf16(x, n, bf16_->Of(l.w.m), Data(l.b), y, pool);
  LoraLinearForward(x, n, l.w.m, Data(l.b), l.w.lora, y, pool);
}

void VisionTrainer::ProjectBackward(const Linear& l, bool trains, const float* x, int64_t n, const float* dy,
                                    float* dx, ThreadPool& pool) const {
  if (bf16_) return LinearBackwardBf16(x, n, bf16_->Of(l.w.m), dy, dx, Grad(l.w, trains), Grad(l.b, trains), pool);
  LinearBackward(x, n, l.w.m, dy, dx, Grad(l.w, trains), Grad(l.b, trains), pool);
  if (l.w.lora) LoraLinearBackward(*l.w.lora, x, n, dy, dx, pool);
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
    const int64_t out = l.w.m.rows;
    Buf y = Zeros(tokens * out);
    Project(l, x.data(), tokens, y.data(), pool);
    tape.projector_in.push_back(std::move(x));
    if (i + 1 < projector_.size()) {
      x = Zeros(tokens * out);
      GeluErfForward(y.data(), tokens * out, x.data());
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
  const int64_t n = gh * gw, d = c.hidden, hd = d / c.n_heads, I = c.intermediate;
  const kernels::AttentionShape shape{c.n_heads, c.n_heads, static_cast<int>(hd), /*causal=*/false, 0};
  VisionRopeTables rope = VisionRope(c, gh, gw, merge);
  t.cos = std::move(rope.cos);
  t.sin = std::move(rope.sin);
  Buf x = Zeros(n * d);
  Project(patch_, patches, n, x.data(), pool);
  t.layers.resize(layers_.size());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerParams& p = layers_[i];
    LayerTape& l = t.layers[i];
    l.x = x;
    l.xn1 = Zeros(n * d);
    LayerNormForward(x.data(), Data(p.ln1_w), Data(p.ln1_b), c.layer_norm_eps, n, d, l.xn1.data());
    l.q = Zeros(n * d);
    l.k = Zeros(n * d);
    l.v = Zeros(n * d);
    Project(p.q, l.xn1.data(), n, l.q.data(), pool);
    Project(p.k, l.xn1.data(), n, l.k.data(), pool);
    Project(p.v, l.xn1.data(), n, l.v.data(), pool);
    RopeForward(l.q.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    RopeForward(l.k.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    l.attn = Zeros(n * d);
    l.lse = Zeros(n * c.n_heads);
    AttentionForward(l.q.data(), l.k.data(), l.v.data(), n, shape, l.attn.data(), l.lse.data(), pool);
    l.mid = Zeros(n * d);
    Project(p.o, l.attn.data(), n, l.mid.data(), pool);
    AddTo(l.mid, x);
    l.xn2 = Zeros(n * d);
    LayerNormForward(l.mid.data(), Data(p.ln2_w), Data(p.ln2_b), c.layer_norm_eps, n, d, l.xn2.data());
    l.h = Zeros(n * I);
    l.a = Zeros(n * I);
    Project(p.fc1, l.xn2.data(), n, l.h.data(), pool);
    GeluTanhForward(l.h.data(), n * I, l.a.data(), pool);
    Project(p.fc2, l.a.data(), n, x.data(), pool);
    AddTo(x, l.mid);
  }
  t.last = std::move(x);
  LayerNormForward(t.last.data(), Data(post_w_), Data(post_b_), c.layer_norm_eps, n, d, out);
}

void VisionTrainer::Backward(const PreprocessedMedia& media, const Tape& tape, const float* d_tokens,
                             ThreadPool& pool) const {
  const auto [t, gh, gw] = media.grid;
  const int m = media.merge_size;
  const int64_t per_frame = gh * gw, oh = gh / m, ow = gw / m, tokens = t * oh * ow, d = config_.hidden;
  if (!trains_any()) return;
  Buf dy(d_tokens, d_tokens + tokens * projector_.back().w.m.rows);
  for (size_t i = projector_.size(); i-- > 0;) {
    const Linear& l = projector_[i];
    const int64_t out = l.w.m.rows, in = l.w.m.cols;
    if (i + 1 < projector_.size()) {
      Buf d_pre = Zeros(tokens * out);
      GeluErfBackward(tape.projector_pre[i].data(), dy.data(), tokens * out, d_pre.data());
      dy = std::move(d_pre);
    }
    const bool more = i > 0 || encoder_learns();  // is dx wanted below this layer
    Buf dx = more ? Zeros(tokens * in) : Buf{};
    ProjectBackward(l, trains_projector_, tape.projector_in[i].data(), tokens, dy.data(), more ? dx.data() : nullptr,
                    pool);
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
  const bool trains = trains_encoder_;
  const int64_t d = c.hidden, hd = d / c.n_heads, I = c.intermediate;
  const kernels::AttentionShape shape{c.n_heads, c.n_heads, static_cast<int>(hd), /*causal=*/false, 0};
  Buf dy = Zeros(n * d), part = Zeros(n * d);
  LayerNormBackward(t.last.data(), Data(post_w_), c.layer_norm_eps, n, d, d_out, dy.data(), Grad(post_w_, trains),
                    Grad(post_b_, trains));
  for (size_t i = layers_.size(); i-- > 0;) {
    const LayerParams& p = layers_[i];
    const LayerTape& l = t.layers[i];
    // MLP: y = mid + fc2(gelu(fc1(xn2))); dy then holds ∂/∂mid.
    Buf d_a = Zeros(n * I), d_h = Zeros(n * I), d_xn = Zeros(n * d);
    ProjectBackward(p.fc2, trains, l.a.data(), n, dy.data(), d_a.data(), pool);
    GeluTanhBackward(l.h.data(), d_a.data(), n * I, d_h.data());
    ProjectBackward(p.fc1, trains, l.xn2.data(), n, d_h.data(), d_xn.data(), pool);
    LayerNormBackward(l.mid.data(), Data(p.ln2_w), c.layer_norm_eps, n, d, d_xn.data(), part.data(),
                      Grad(p.ln2_w, trains), Grad(p.ln2_b, trains));
    AddTo(dy, part);
    // Attention: mid = x + o(attn); dy then holds ∂/∂x.
    Buf d_attn = Zeros(n * d), dq = Zeros(n * d), dk = Zeros(n * d), dv = Zeros(n * d);
    ProjectBackward(p.o, trains, l.attn.data(), n, dy.data(), d_attn.data(), pool);
    AttentionBackward(l.q.data(), l.k.data(), l.v.data(), l.attn.data(), l.lse.data(), d_attn.data(), n, shape,
                      dq.data(), dk.data(), dv.data(), pool);
    RopeBackward(dq.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    RopeBackward(dk.data(), n, c.n_heads, static_cast<int>(hd), t.cos.data(), t.sin.data());
    ProjectBackward(p.q, trains, l.xn1.data(), n, dq.data(), d_xn.data(), pool);
    ProjectBackward(p.k, trains, l.xn1.data(), n, dk.data(), part.data(), pool);
    AddTo(d_xn, part);
    ProjectBackward(p.v, trains, l.xn1.data(), n, dv.data(), part.data(), pool);
    AddTo(d_xn, part);
    LayerNormBackward(l.x.data(), Data(p.ln1_w), c.layer_norm_eps, n, d, d_xn.data(), part.data(),
                      Grad(p.ln1_w, trains), Grad(p.ln1_b, trains));
    AddTo(dy, part);
  }
  // The patch embedding (the conv as a matmul); pixels need no gradient, and a frozen one
  // needs no pass at all.
  if (trains) ProjectBackward(patch_, trains, patches, n, dy.data(), nullptr, pool);
}

}  // namespace hm::train
