#include "model/create_model.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/config.h"
#include "model/weights.h"
#include "text/tokenizer.h"
#include "text/tokenizer_json.h"

namespace hm {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr char kUntrained[] = "untrained random weights (made by hulumed create-model)";

struct SpecialTokens {
  int32_t endoftext, im_start, im_end, image, think, end_think;
};

struct Preset {
  const char* name;
  json config;
  SpecialTokens special;  // ids in the preset's own byte-level tokenizer
  bool needs_tokenizer = false;  // no tokenizer of its own: the vocabulary is the one given
  // The processor's visual token budget per request (preprocessor_config.json).
  int64_t min_visual_tokens = 16, max_visual_tokens = 16384;
};

json SigLipVision(int64_t hidden, int64_t intermediate, int layers, int heads) {
  return {{"model_type", "hulumed_vision_encoder"}, {"hidden_size", hidden},
          {"intermediate_size", intermediate},     {"num_hidden_layers", layers},
          {"num_attention_heads", heads},          {"num_channels", 3},
          {"patch_size", 14},                      {"layer_norm_eps", 1e-6},
          {"hidden_act", "gelu_pytorch_tanh"},     {"attention_dropout", 0.0}};
}

json LlmConfigJson(const char* type, int64_t hidden, int64_t inter, int layers, int heads, int kv,
                   int64_t vocab, bool tied, int64_t max_pos) {
  return {{"model_type", type},          {"hidden_size", hidden},
          {"intermediate_size", inter},  {"num_hidden_layers", layers},
          {"num_attention_heads", heads}, {"num_key_value_heads", kv},
          {"vocab_size", vocab},         {"tie_word_embeddings", tied},
          {"max_position_embeddings", max_pos}, {"rms_norm_eps", 1e-6},
          {"rope_theta", 1000000.0},     {"hidden_act", "silu"},
          {"mm_projector_type", "mlp2x_gelu"}, {"use_token_compression", true}};
}

std::vector<Preset> Presets() {
  // Tiny presets put the special tokens right after the 256 byte tokens; the real shapes
  // use Qwen's ids, with <image> appended after the base vocabulary as Hulu-Med does.
  const SpecialTokens tiny{256, 257, 258, 259, 260, 261};
  std::vector<Preset> p;
  p.push_back({"tiny", LlmConfigJson("hulumed_qwen2", 64, 128, 2, 4, 2, 320, false, 4096), tiny});
  p.back().config["vision_encoder_config"] = SigLipVision(32, 64, 2, 2);
  p.push_back({"tiny-qwen3", LlmConfigJson("hulumed_qwen3", 64, 128, 2, 4, 2, 320, true, 4096), tiny});
  p.back().config["head_dim"] = 32;
  p.back().config["vision_encoder_config"] = SigLipVision(32, 64, 2, 2);
  p.push_back({"7b", LlmConfigJson("hulumed_qwen2", 3584, 18944, 28, 28, 4, 152064, false, 32768),
               {151643, 151644, 151645, 151665, 151667, 151668}});
  p.back().config["vision_encoder_config"] = SigLipVision(1152, 4304, 27, 16);
  p.push_back({"4b", LlmConfigJson("hulumed_qwen3", 2560, 9728, 36, 32, 8, 151936, true, 40960),
               {151643, 151644, 151645, 151669, 151667, 151668}});
  p.back().config["head_dim"] = 128;
  p.back().config["vision_encoder_config"] = SigLipVision(1152, 4304, 27, 16);
  // Sized to train on a CPU in under an hour (~6M parameters with a 4096-token vocabulary):
  // images of at most 100 visual tokens, frames of a video or volume at least 4.
  p.push_back({"demo", LlmConfigJson("hulumed_qwen2", 256, 768, 4, 4, 2, 0, true, 4096), {}, true, 4, 100});
  p.back().config["vision_encoder_config"] = SigLipVision(192, 768, 4, 3);
  // Qwen2.5-0.5B's decoder with a small vision tower: the training benchmark's mid-size shape.
  p.push_back({"0.5b", LlmConfigJson("hulumed_qwen2", 896, 4864, 24, 14, 2, 151936, true, 32768),
               {151643, 151644, 151645, 151665, 151667, 151668}});
  p.back().config["vision_encoder_config"] = SigLipVision(384, 1536, 6, 6);
  for (Preset& preset : p) {
    preset.config["image_token_index"] = preset.special.image;
    preset.config["hulumed_fixture"] = kUntrained;
  }
  return p;
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  HM_CHECK(out.good(), path.string(), ": write failed");
}

void WriteJson(const fs::path& path, const json& j) { WriteText(path, j.dump(2) + "\n"); }

// Byte-level BPE with the 256 byte tokens and no merges: a real tokenizer, enough for the
// engine's whole text path, just with one token per byte.
std::vector<AddedToken> PresetAddedTokens(const SpecialTokens& s) {
  std::vector<AddedToken> added;
  for (const auto& [content, id] : std::vector<std::pair<const char*, int32_t>>{
           {"<|endoftext|>", s.endoftext}, {"<|im_start|>", s.im_start}, {"<|im_end|>", s.im_end},
           {"<image>", s.image}, {"<think>", s.think}, {"</think>", s.end_think}})
    added.push_back({.content = content, .id = id, .special = true});
  return added;
}

std::vector<std::string> ByteTokens() {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) tokens.emplace_back(1, static_cast<char>(b));
  return tokens;
}

// The ids the chat template, generation and image placement need, from a given tokenizer.
SpecialTokens SpecialTokensOf(const Tokenizer& tok, const std::string& dir) {
  auto id = [&](const char* token) {
    const auto found = tok.TokenId(token);
    HM_CHECK(found, dir, "/tokenizer.json: the tokenizer has no ", token, " token, which Hulu-Med's chat template needs");
    return *found;
  };
  return {id("<|endoftext|>"), id("<|im_start|>"), id("<|im_end|>"), id("<image>"), -1, -1};
}

// The given tokenizer's files travel with the checkpoint, as in a Hugging Face directory.
void CopyTokenizerFiles(const fs::path& from, const fs::path& to) {
  if (fs::equivalent(from, to)) return;
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                           "vocab.json", "merges.txt"})
    if (fs::exists(from / name)) {
      std::error_code ec;
      fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing, ec);
      HM_CHECK(!ec, (to / name).string(), ": cannot copy the tokenizer file: ", ec.message());
    }
}

// Counter-based generator: each tensor's values depend only on the seed and its name, so a
// checkpoint is reproducible whatever order tensors are written in.
uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void FillRandom(std::span<uint8_t> out, DType dtype, const TensorSpec& spec, uint64_t seed) {
  const bool norm = spec.name.find("norm") != std::string::npos && spec.shape.size() == 1;
  const bool bias = spec.name.ends_with(".bias");
  const int64_t fan_in = spec.shape.size() >= 2 ? TensorView{DType::kF32, spec.shape, nullptr}.numel() / spec.shape[0] : 1;
  // Uniform with std 1/sqrt(fan_in) keeps activations near unit scale through the stack.
  const float half_width = norm || bias ? 0.02f : std::sqrt(3.0f / static_cast<float>(fan_in));
  const uint64_t stream = SplitMix(seed ^ std::hash<std::string>{}(spec.name));
  const size_t n = out.size() / DTypeSize(dtype);
  for (size_t i = 0; i < n; ++i) {
    const float u = static_cast<float>(SplitMix(stream + i) >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    const float v = (norm ? 1.0f : 0.0f) + (2.0f * u - 1.0f) * half_width;
    if (dtype == DType::kF32) {
      std::memcpy(out.data() + 4 * i, &v, 4);
    } else {
      const uint16_t h = dtype == DType::kBF16 ? F32ToBF16(v) : F32ToF16(v);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
}

const char* TorchDtypeName(DType d) {
  return d == DType::kBF16 ? "bfloat16" : d == DType::kF16 ? "float16" : "float32";
}

}  // namespace

std::vector<std::string> ModelPresetNames() {
  std::vector<std::string> names;
  for (const Preset& p : Presets()) names.push_back(p.name);
  return names;
}

int64_t CreateModel(const CreateModelOptions& options) {
  const std::vector<Preset> presets = Presets();
  const auto preset = std::find_if(presets.begin(), presets.end(),
                                   [&](const Preset& p) { return options.preset == p.name; });
  HM_CHECK(preset != presets.end(), "unknown preset '", options.preset, "'");
  HM_CHECK(options.dtype == DType::kF32 || options.dtype == DType::kBF16 || options.dtype == DType::kF16,
           "create-model writes F32, BF16 or F16 weights, not ", DTypeName(options.dtype));
  HM_CHECK(!preset->needs_tokenizer || !options.tokenizer_dir.empty(), "the ", options.preset,
           " preset has no tokenizer of its own: give one with --tokenizer DIR (hulumed data tokenizer makes one)");
  const fs::path dir(options.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  HM_CHECK(!ec, options.out_dir, ": cannot create the folder: ", ec.message());

  json config = preset->config;
  SpecialTokens s = preset->special;
  if (!options.tokenizer_dir.empty()) {
    const Tokenizer tokenizer = Tokenizer::FromDir(options.tokenizer_dir);
    s = SpecialTokensOf(tokenizer, options.tokenizer_dir);
    config["vocab_size"] = tokenizer.VocabSize();
    config["image_token_index"] = s.image;
  }
  config["torch_dtype"] = TorchDtypeName(options.dtype);
  const ModelConfig parsed = ParseModelConfig(config, options.preset + " preset");
  WriteJson(dir / "config.json", config);

  WriteJson(dir / "generation_config.json",
            {{"eos_token_id", {s.im_end, s.endoftext}}, {"pad_token_id", s.endoftext}, {"do_sample", false}});
  WriteJson(dir / "preprocessor_config.json",
            {{"image_processor_type", "HulumedImageProcessor"}, {"patch_size", 14},
             {"min_tokens", preset->min_visual_tokens}, {"max_tokens", preset->max_visual_tokens},
             {"image_mean", {0.5, 0.5, 0.5}}, {"image_std", {0.5, 0.5, 0.5}},
             {"rescale_factor", 1.0 / 255}, {"do_resize", true}, {"do_rescale", true},
             {"do_normalize", true}, {"resample", 3}});
  if (options.tokenizer_dir.empty()) {
    const std::vector<AddedToken> added = PresetAddedTokens(s);
    WriteText(dir / "tokenizer.json", TokenizerJson(ByteTokens(), {}, added).dump(2) + "\n");
    WriteText(dir / "tokenizer_config.json", TokenizerConfigJson(added, parsed.llm.max_positions).dump(2) + "\n");
  } else {
    CopyTokenizerFiles(options.tokenizer_dir, dir);
  }

  std::vector<TensorToWrite> tensors;
  int64_t parameters = 0;
  for (const TensorSpec& spec : ExpectedTensors(parsed, parsed.model_type.ends_with("qwen3"))) {
    parameters += TensorView{DType::kF32, spec.shape, nullptr}.numel();
    tensors.push_back({spec.name, options.dtype, spec.shape, [spec, &options](std::span<uint8_t> out) {
                         FillRandom(out, options.dtype, spec, options.seed);
                       }});
  }
  WriteSafetensors((dir / "model.safetensors").string(), tensors, {{"format", "pt"}, {"note", kUntrained}});
  return parameters;
}

}  // namespace hm
