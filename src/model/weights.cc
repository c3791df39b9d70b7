#include "model/weights.h"

#include <set>

#include "core/error.h"

namespace hm {
namespace {

// Hands out tensors by name, remembering which were used so leftovers can be reported.
// With no tensors it records what it is asked for instead, which is how ExpectedTensors
// lists a layout without a second copy of the names.
class Binder {
 public:
  Binder(const SourceTensors* tensors, std::string where, bool record_qk_norm = false)
      : tensors_(tensors), where_(std::move(where)), record_qk_norm_(record_qk_norm) {}

  bool Has(const std::string& name) const {
    if (!tensors_) return record_qk_norm_ && name.ends_with(".q_norm.weight");
    return tensors_->count(name) != 0;
  }

  Matrix Mat(const std::string& name, int64_t rows, int64_t cols) {
    if (!tensors_) return Record(name, {rows, cols}), Matrix{};
    const SourceTensor& t = Get(name, {rows, cols}, /*blocks_ok=*/true);
    return Matrix{t.dtype, rows, cols, t.data, t.blocks};
  }

  // A conv weight [D, C, P, P] used as a [D, C*P*P] matrix.
  Matrix ConvAsMat(const std::string& name, const std::vector<int64_t>& shape) {
    if (!tensors_) return Record(name, shape), Matrix{};
    const SourceTensor& t = Get(name, shape, /*blocks_ok=*/true);
    return Matrix{t.dtype, shape[0], shape[1] * shape[2] * shape[3], t.data, t.blocks};
  }

  Vector Vec(const std::string& name, int64_t n) {
    if (!tensors_) return Record(name, {n}), Vector{};
    const SourceTensor& t = Get(name, {n}, /*blocks_ok=*/false);
    Vector out(static_cast<size_t>(n));
    kernels::RowToF32(Matrix{t.dtype, 1, n, t.data}, 0, out.data());
    return out;
  }

  Linear Lin(const std::string& prefix, int64_t out, int64_t in) {
    return Linear{Mat(prefix + ".weight", out, in), Vec(prefix + ".bias", out)};
  }

  void CheckAllUsed() const {
    for (const auto& [name, t] : *tensors_)
      HM_CHECK(used_.count(name), t.file, ": unexpected tensor '", name,
               "' (not part of this model's configuration)");
  }

  const std::vector<TensorSpec>& recorded() const { return recorded_; }

 private:
  void Record(const std::string& name, const std::vector<int64_t>& shape) {
    recorded_.push_back({name, shape});
  }

  const SourceTensor& Get(const std::string& name, const std::vector<int64_t>& shape, bool blocks_ok) {
    const auto it = tensors_->find(name);
    HM_CHECK(it != tensors_->end(), where_, ": missing tensor '", name, "'");
    const SourceTensor& t = it->second;
    if (t.blocks != kernels::BlockType::kNone) {
      HM_CHECK(blocks_ok, t.file, ": tensor '", name, "' is ", kernels::BlockTypeName(t.blocks),
               "-quantized (expected F32, BF16 or F16)");
    } else {
      HM_CHECK(t.dtype == DType::kF32 || t.dtype == DType::kBF16 || t.dtype == DType::kF16, t.file,
               ": tensor '", name, "' has dtype ", DTypeName(t.dtype), " (expected F32, BF16 or F16)");
    }
    HM_CHECK(t.shape == shape, t.file, ": tensor '", name, "' has shape ", ShapeString(t.shape),
             ", expected ", ShapeString(shape));
    if (t.blocks != kernels::BlockType::kNone)
      HM_CHECK(shape.back() % kernels::BlockValues(t.blocks) == 0, t.file, ": tensor '", name,
               "' rows are not whole ", kernels::BlockTypeName(t.blocks), " blocks");
    else
      HM_CHECK(reinterpret_cast<uintptr_t>(t.data) % DTypeSize(t.dtype) == 0, t.file, ": tensor '", name,
               "' is not aligned to its element size");
    used_.insert(name);
    return t;
  }

  const SourceTensors* tensors_;
  std::string where_;
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
  std::vector<Linear> layers;
  for (const ProjectorLayer& l : ProjectorLayers(c)) layers.push_back(b.Lin(l.module, l.out, l.in));
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

ModelWeights BindWeights(const SourceTensors& tensors, const std::string& where, const ModelConfig& config) {
  Binder b(&tensors, where);
  ModelWeights w = BindAll(b, config);
  b.CheckAllUsed();
  return w;
}

ModelWeights BindWeights(const CheckpointFiles& files, const ModelConfig& config) {
  SourceTensors tensors;
  for (const std::string& name : files.Names()) {
    const TensorView& t = *files.Find(name);
    tensors[name] = SourceTensor{t.dtype, kernels::BlockType::kNone, t.shape, t.data, files.FileOf(name)};
  }
  return BindWeights(tensors, files.dir(), config);
}

std::vector<ProjectorLayer> ProjectorLayers(const ModelConfig& c) {
  const int64_t d = c.vision->hidden, h = c.llm.hidden;
  if (c.projector_type == "linear") return {{"model.mm_projector", h, d}};
  std::vector<ProjectorLayer> layers;
  for (int i = 0; i < c.projector_depth; ++i)
    layers.push_back({"model.mm_projector.readout." + std::to_string(2 * i), h, i == 0 ? d : h});
  return layers;
}

std::vector<TensorSpec> ExpectedTensors(const ModelConfig& config, bool qk_norm) {
  Binder b(nullptr, "", qk_norm);
  BindAll(b, config);
  return b.recorded();
}

}  // namespace hm
