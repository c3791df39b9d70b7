#include "model/config.h"

#include <filesystem>
#include <regex>

#include "core/error.h"
#include "io/json_file.h"

namespace hm {
namespace {

using json = nlohmann::json;

// Reads a positive integer key; absent keys take `fallback` when one is given.
int64_t PositiveInt(const json& j, const char* key, const std::string& source,
                    std::optional<int64_t> fallback = std::nullopt) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    HM_CHECK(fallback.has_value(), source, ": missing required key '", key, "'");
    return *fallback;
  }
  HM_CHECK(it->is_number_integer() && it->get<int64_t>() > 0 && it->get<int64_t>() < (int64_t{1} << 40),
           source, ": '", key, "' must be a positive integer");
  return it->get<int64_t>();
}

double PositiveNumber(const json& j, const char* key, const std::string& source, double fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  HM_CHECK(it->is_number() && it->get<double>() > 0, source, ": '", key, "' must be a positive number");
  return it->get<double>();
}

bool Bool(const json& j, const char* key, const std::string& source, bool fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  HM_CHECK(it->is_boolean(), source, ": '", key, "' must be true or false");
  return it->get<bool>();
}

std::string String(const json& j, const char* key, const std::string& source, const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  HM_CHECK(it->is_string(), source, ": '", key, "' must be a string");
  return it->get<std::string>();
}

VisionConfig ParseVisionConfig(const json& v, const std::string& source) {
  const std::string where = source + " vision_encoder_config";
  HM_CHECK(v.is_object(), where, ": must be an object");
  VisionConfig c;
  c.hidden = PositiveInt(v, "hidden_size", where);
  c.intermediate = PositiveInt(v, "intermediate_size", where);
  c.n_layers = static_cast<int>(PositiveInt(v, "num_hidden_layers", where));
  c.n_heads = static_cast<int>(PositiveInt(v, "num_attention_heads", where));
  c.n_channels = static_cast<int>(PositiveInt(v, "num_channels", where, 3));
  c.patch_size = static_cast<int>(PositiveInt(v, "patch_size", where));
  c.layer_norm_eps = static_cast<float>(PositiveNumber(v, "layer_norm_eps", where, 1e-6));
  const std::string act = String(v, "hidden_act", where, "gelu_pytorch_tanh");
  HM_CHECK(act == "gelu_pytorch_tanh", where, ": unsupported hidden_act '", act, "'");
  HM_CHECK(c.hidden % c.n_heads == 0 && (c.hidden / c.n_heads) % 4 == 0, where, ": hidden_size ",
           c.hidden, " must split into ", c.n_heads, " heads of a size divisible by 4 (2D RoPE)");
  return c;
}

}  // namespace

ModelConfig ParseModelConfig(const json& j, const std::string& source) {
  HM_CHECK(j.is_object(), source, ": must be a JSON object");
  ModelConfig c;
  c.model_type = String(j, "model_type", source, "");
  HM_CHECK(c.model_type == "hulumed_qwen2" || c.model_type == "hulumed_qwen3" ||
               c.model_type == "qwen2" || c.model_type == "qwen3",
           source, ": unknown model_type '", c.model_type,
           "' (expected hulumed_qwen2, hulumed_qwen3, qwen2 or qwen3)");
  c.torch_dtype = String(j, "torch_dtype", source, "float32");

  LlmConfig& l = c.llm;
  l.hidden = PositiveInt(j, "hidden_size", source);
  l.intermediate = PositiveInt(j, "intermediate_size", source);
  l.n_layers = static_cast<int>(PositiveInt(j, "num_hidden_layers", source));
  l.n_heads = static_cast<int>(PositiveInt(j, "num_attention_heads", source));
  l.n_kv_heads = static_cast<int>(PositiveInt(j, "num_key_value_heads", source, l.n_heads));
  HM_CHECK(l.n_heads % l.n_kv_heads == 0, source, ": num_attention_heads ", l.n_heads,
           " is not a multiple of num_key_value_heads ", l.n_kv_heads);
  HM_CHECK(j.contains("head_dim") || l.hidden % l.n_heads == 0, source, ": hidden_size ", l.hidden,
           " is not divisible by num_attention_heads ", l.n_heads);
  l.head_dim = static_cast<int>(PositiveInt(j, "head_dim", source, l.hidden / l.n_heads));
  HM_CHECK(l.head_dim % 2 == 0, source, ": head_dim must be even for rotary embeddings");
  l.rms_eps = static_cast<float>(PositiveNumber(j, "rms_norm_eps", source, 1e-6));
  l.rope_theta = PositiveNumber(j, "rope_theta", source, 10000.0);
  l.vocab = PositiveInt(j, "vocab_size", source);
  l.tie_embeddings = Bool(j, "tie_word_embeddings", source, false);
  l.max_positions = PositiveInt(j, "max_position_embeddings", source, 32768);
  l.attention_bias_hint = Bool(j, "attention_bias", source, false);
  if (const auto rs = j.find("rope_scaling"); rs != j.end() && !rs->is_null())
    Fail(source, ": rope_scaling is not supported (Hulu-Med checkpoints do not use it)");

  const bool hulumed = c.model_type.starts_with("hulumed_");
  if (const auto v = j.find("vision_encoder_config"); v != j.end() && !v->is_null()) {
    c.vision = ParseVisionConfig(*v, source);
  } else {
    HM_CHECK(!hulumed, source, ": model_type ", c.model_type, " needs vision_encoder_config");
  }
  c.projector_type = String(j, "mm_projector_type", source, "linear");  // the reference default
  static const std::regex kMlpGelu("mlp([1-8])x_gelu");
  std::smatch m;
  int depth = 0;
  if (c.projector_type == "linear") depth = 1;
  else if (std::regex_match(c.projector_type, m, kMlpGelu)) depth = std::stoi(m[1]);
  HM_CHECK(depth >= 1 && depth <= 8, source, ": unsupported mm_projector_type '", c.projector_type,
           "' (expected linear or mlp<N>x_gelu)");
  c.projector_depth = depth;
  c.use_token_compression = Bool(j, "use_token_compression", source, false);
  if (const auto it = j.find("image_token_index"); it != j.end() && !it->is_null()) {
    HM_CHECK(it->is_number_integer() && it->get<int64_t>() >= 0, source,
             ": 'image_token_index' must be a non-negative integer");
    c.image_token_index = it->get<int64_t>();
  }
  c.fixture_note = String(j, "hulumed_fixture", source, "");
  c.scope_note = String(j, "hulumed_scope", source, "");
  return c;
}

ModelConfig LoadModelConfig(const std::string& checkpoint_dir) {
  const std::string path = (std::filesystem::path(checkpoint_dir) / "config.json").string();
  return ParseModelConfig(ReadJsonFile(path), path);
}

}  // namespace hm
