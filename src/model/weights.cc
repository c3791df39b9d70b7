#include "model/weights.h"

#include <set>

#include "core/error.h"

namespace hm {
namespace {

// Hands out tensors by name, remembering which were used so leftovers can be reported.
// With no files it records what it is asked for instead, which is how ExpectedTensors
// lists a layout without a second copy of the names.
class Binder {
 public:
  explicit Binder(const CheckpointFiles* files, bool record_qk_norm = false)
      : files_(files), record_qk_norm_(record_qk_norm) {}

  bool Has(const std::string& name) const {
    if (!files_) return record_qk_norm_ && name.ends_with(".q_norm.weight");
    return files_->Find(name) != nullptr;
  }

  Matrix Mat(const std::string& name, int64_t rows, int64_t cols) {
    if (!files_) return Record(name, {rows, cols}), Matrix{};
    const TensorView& t = Get(name, {rows, cols});
    return Matrix{t.dtype, rows, cols, t.data};
  }

  // A conv weight [D, C, P, P] used as a [D, C*P*P] matrix.
  Matrix ConvAsMat(const std::string& name, const std::vector<int64_t>& shape) {
    if (!files_) return Record(name, shape), Matrix{};
    const TensorView& t = Get(name, shape);
    return Matrix{t.dtype, shape[0], t.numel() / shape[0], t.data};
  }

  Vector Vec(const std::string& name, int64_t n) {
    if (!files_) return Record(name, {n}), Vector{};
    const TensorView& t = Get(name, {n});
    Vector out(static_cast<size_t>(n));
    kernels::RowToF32(Matrix{t.dtype, 1, n, t.data}, 0, out.data());
    return out;
  }

  Linear Lin(const std::string& prefix, int64_t out, int64_t in) {
    return Linear{Mat(prefix + ".weight", out, in), Vec(prefix + ".bias", out)};
  }

  void CheckAllUsed() const {
    for (const std::string& name : files_->Names())
      HM_CHECK(used_.count(name), files_->FileOf(name), ": unexpected tensor '", name,
               "' (not part of this model's configuration)");
  }

  const std::vector<TensorSpec>& recorded() const { return recorded_; }

 private:
  void Record(const std::string& name, const std::vector<int64_t>& shape) {
    recorded_.push_back({name, shape});
  }

  const TensorView& Get(const std::string& name, const std::vector<int64_t>& shape) {
    const TensorView* t = files_->Find(name);
    HM_CHECK(t, files_->dir(), ": missing tensor '", name, "'");
    HM_CHECK(t->dtype == DType::kF32 || t->dtype == DType::kBF16 || t->dtype == DType::kF16,
             files_->FileOf(name), ": tensor '", name, "' has dtype ", DTypeName(t->dtype),
             " (expected F32, BF16 or F16)");
    HM_CHECK(t->shape == shape, files_->FileOf(name), ": tensor '", name, "' has shape ",
             ShapeString(t->shape), ", expected ", ShapeString(shape));
    HM_CHECK(reinterpret_cast<uintptr_t>(t->data) % DTypeSize(t->dtype) == 0, files_->FileOf(name),
             ": tensor '", name, "' is not aligned to its element size");
    used_.insert(name);
    return *t;
  }

  const CheckpointFiles* files_;
  bool record_qk_norm_;
  std::set<std::string> used_;
  std::vector<TensorSpec> recorded_;
};

DecoderWeights BindDecoder(Binder& b, const LlmConfig& c) {
  DecoderWeights w;
  // Qwen3 checkpoints may still say hulumed_qwen2; the q/k norms are what tell them apart.
  w.qk_norm = b.Has("model.layers.0.self_attn.q_norm.weight");
  w.qkv_bias = w.qk_norm ? c.attention_bias_hint : true;
  const int64_t q_dim = int64_t{c.n_heads} * c.head_dim;
  const int64_t kv_dim = int64_t{c.n_kv_heads} * c.head_dim;
  w.embed = b.Mat("model.embed_tokens.weight", c.vocab, c.hidden);
  w.lm_head = c.tie_embeddings ? w.embed : b.Mat("lm_head.weight", c.vocab, c.hidden);
  w.final_norm = b.Vec("model.norm.weight", c.hidden);
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    DecoderLayerWeights l;
    l.input_norm = b.Vec(p + "input_layernorm.weight", c.hidden);
    l.post_attention_norm = b.Vec(p + "post_attention_layernorm.weight", c.hidden);
    l.q = b.Mat(p + "self_attn.q_proj.weight", q_dim, c.hidden);
    l.k = b.Mat(p + "self_attn.k_proj.weight", kv_dim, c.hidden);
    l.v = b.Mat(p + "self_attn.v_proj.weight", kv_dim, c.hidden);
    l.o = b.Mat(p + "self_attn.o_proj.weight", c.hidden, q_dim);
    if (w.qkv_bias) {
      l.q_bias = b.Vec(p + "self_attn.q_proj.bias", q_dim);
      l.k_bias = b.Vec(p + "self_attn.k_proj.bias", kv_dim);
      l.v_bias = b.Vec(p + "self_attn.v_proj.bias", kv_dim);
    }
    if (w.qk_norm) {
      l.q_norm = b.Vec(p + "self_attn.q_norm.weight", c.head_dim);
      l.k_norm = b.Vec(p + "self_attn.k_norm.weight", c.head_dim);
    }
    l.gate = b.Mat(p + "mlp.gate_proj.weight", c.intermediate, c.hidden);
    l.up = b.Mat(p + "mlp.up_proj.weight", c.intermediate, c.hidden);
    l.down = b.Mat(p + "mlp.down_proj.weight", c.hidden, c.intermediate);
    w.layers.push_back(std::move(l));
  }
  return w;
}

VisionWeights BindVision(Binder& b, const VisionConfig& c) {
  // The original (non-HF) release nests the encoder one level deeper.
  const std::string nested = "model.vision_encoder.vision_encoder.";
  const std::string p = b.Has(nested + "post_layernorm.weight") ? nested : "model.vision_encoder.";
  VisionWeights w;
  const int64_t d = c.hidden;
  w.patch_embed.weight = b.ConvAsMat(p + "embeddings.patch_embedding.weight",
                                     {d, c.n_channels, c.patch_size, c.patch_size});
  w.patch_embed.bias = b.Vec(p + "embeddings.patch_embedding.bias", d);
  for (int i = 0; i < c.n_layers; ++i) {
    const std::string lp = p + "encoder.layers." + std::to_string(i) + ".";
    VisionLayerWeights l;
    l.ln1_weight = b.Vec(lp + "layer_norm1.weight", d);
    l.ln1_bias = b.Vec(lp + "layer_norm1.bias", d);
    l.ln2_weight = b.Vec(lp + "layer_norm2.weight", d);
    l.ln2_bias = b.Vec(lp + "layer_norm2.bias", d);
    l.q = b.Lin(lp + "self_attn.q_proj", d, d);
    l.k = b.Lin(lp + "self_attn.k_proj", d, d);
    l.v = b.Lin(lp + "self_attn.v_proj", d, d);
    l.out = b.Lin(lp + "self_attn.out_proj", d, d);
    l.fc1 = b.Lin(lp + "mlp.fc1", c.intermediate, d);
    l.fc2 = b.Lin(lp + "mlp.fc2", d, c.intermediate);
    w.layers.push_back(std::move(l));
  }
  w.post_ln_weight = b.Vec(p + "post_layernorm.weight", d);
  w.post_ln_bias = b.Vec(p + "post_layernorm.bias", d);
  return w;
}

std::vector<Linear> BindProjector(Binder& b, const ModelConfig& c) {
  const int64_t d = c.vision->hidden, h = c.llm.hidden;
  if (c.projector_type == "linear") return {b.Lin("model.mm_projector", h, d)};
  std::vector<Linear> layers;
  for (int i = 0; i < c.projector_depth; ++i)
    layers.push_back(b.Lin("model.mm_projector.readout." + std::to_string(2 * i), h, i == 0 ? d : h));
  return layers;
}

ModelWeights BindAll(Binder& b, const ModelConfig& config) {
  ModelWeights w;
  w.decoder = BindDecoder(b, config.llm);
  if (config.vision) {
    w.vision = BindVision(b, *config.vision);
    w.projector = BindProjector(b, config);
  }
  return w;
}

}  // namespace

ModelWeights BindWeights(const CheckpointFiles& files, const ModelConfig& config) {
  Binder b(&files);
  ModelWeights w = BindAll(b, config);
  b.CheckAllUsed();
  return w;
}

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config, bool qk_norm) {
  Binder b(nullptr, qk_norm);
  BindAll(b, config);
  return b.recorded();
}

}  // namespace hm
