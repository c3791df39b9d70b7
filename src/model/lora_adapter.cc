#include "model/lora_adapter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string_view>
#include <set>

#include "core/error.h"
#include "io/json_file.h"
#include "io/safetensors.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kTensorFile = "adapter_model.safetensors";
constexpr const char* kPeftPrefix = "base_model.model.";
constexpr const char* kVision = "model.vision_encoder.";
constexpr const char* kNestedVision = "model.vision_encoder.vision_encoder.";
constexpr const char* kProjectorModule = "mm_projector";  // PEFT's modules_to_save name of the projector

const std::vector<std::string> kLlmKinds = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
const std::vector<std::string> kVisionKinds = {"q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"};

constexpr std::string_view kWeight = ".weight";

// "model.layers.0.self_attn.q_proj.weight" -> "model.layers.0.self_attn.q_proj"
std::string ModuleOf(const std::string& weight) { return weight.substr(0, weight.size() - kWeight.size()); }

// "model.layers.0.self_attn.q_proj.weight" -> "q_proj"
std::string Kind(const std::string& weight) {
  const std::string module = ModuleOf(weight);
  return module.substr(module.rfind('.') + 1);
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void WriteAtomically(const fs::path& path, const std::function<void(const std::string&)>& write) {
  const std::string temp = path.string() + ".tmp";
  write(temp);
  std::error_code ec;
  fs::rename(temp, path, ec);
  HM_CHECK(!ec, path.string(), ": cannot write: ", ec.message());
}

// A target_modules entry (PEFT's list form) matches a module whose name is it or ends in "." + it.
bool SuffixMatches(const std::string& module, const std::string& target) {
  return module == target || module.ends_with("." + target);
}

// "model.layers.3.mlp.up_proj.weight" -> R"(model\.layers\.\d+\.mlp\.up_proj)": every layer's
// module of that kind.
std::string ModulePattern(const std::string& weight) {
  std::string out;
  std::stringstream parts(ModuleOf(weight));
  for (std::string part; std::getline(parts, part, '.');) {
    const bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    out += (out.empty() ? "" : "\\.") + (index ? std::string("\\d+") : part);
  }
  return out;
}

// A stored tensor as f32 (PEFT saves f32, bf16 or f16).
void ReadF32(const SafetensorsFile& file, const SafetensorsEntry& entry, const std::string& path, float* out) {
  const TensorView v = file.View(entry);
  HM_CHECK(v.dtype == DType::kF32 || v.dtype == DType::kBF16 || v.dtype == DType::kF16, path, ": tensor '",
           entry.name, "' has dtype ", DTypeName(v.dtype), " (expected F32, BF16 or F16)");
  kernels::RowToF32(kernels::Matrix{v.dtype, 1, v.numel(), v.data}, 0, out);
}

}  // namespace

float LoraSettings::Scale() const {
  return static_cast<float>(rslora ? alpha / std::sqrt(static_cast<double>(rank)) : alpha / rank);
}

std::vector<AdaptableLinear> AdaptableLinears(const ModelConfig& config) {
  std::vector<AdaptableLinear> out;
  for (const TensorSpec& t : ExpectedTensors(config, /*qk_norm=*/false)) {
    if (t.shape.size() != 2 || !t.name.ends_with(".weight") || t.name.find(".layers.") == std::string::npos) continue;
    const bool vision = t.name.starts_with(kVision);
    const std::vector<std::string>& kinds = vision ? kVisionKinds : kLlmKinds;
    if (std::find(kinds.begin(), kinds.end(), Kind(t.name)) == kinds.end()) continue;
    out.push_back({t.name, t.shape[0], t.shape[1], vision});
  }
  return out;
}

std::vector<AdaptableLinear> SelectLinears(const ModelConfig& config, const std::vector<std::string>& llm,
                                           const std::vector<std::string>& vision) {
  auto check = [](const std::vector<std::string>& asked, const std::vector<std::string>& known, const char* tower) {
    for (const std::string& k : asked)
      HM_CHECK(std::find(known.begin(), known.end(), k) != known.end(), "LoRA target '", k, "' is not a linear layer of the ",
               tower, " (known: ", Join(known), ")");
  };
  check(llm, kLlmKinds, "decoder");
  check(vision, kVisionKinds, "vision tower");
  HM_CHECK(vision.empty() || config.vision, "LoRA targets name vision-tower layers, but the model has no vision tower");
  std::vector<AdaptableLinear> out;
  for (const AdaptableLinear& l : AdaptableLinears(config)) {
    const std::vector<std::string>& asked = l.vision ? vision : llm;
    if (std::find(asked.begin(), asked.end(), Kind(l.weight)) != asked.end()) out.push_back(l);
  }
  return out;
}

std::string PeftLoraAName(const std::string& weight) {
  return kPeftPrefix + ModuleOf(weight) + ".lora_A.weight";
}
std::string PeftLoraBName(const std::string& weight) {
  return kPeftPrefix + ModuleOf(weight) + ".lora_B.weight";
}

LoraAdapter ReadLoraAdapter(const std::string& dir, const ModelConfig& config) {
  const std::string config_path = (fs::path(dir) / kConfigFile).string();
  const std::string tensor_path = (fs::path(dir) / kTensorFile).string();
  HM_CHECK(fs::is_regular_file(config_path), dir, ": not a LoRA adapter (no ", kConfigFile, ")");
  HM_CHECK(fs::is_regular_file(tensor_path), dir, ": no ", kTensorFile,
           " (adapter_model.bin, PyTorch pickles, is not read: save with safe_serialization=True)");
  const json j = ReadJsonFile(config_path);
  HM_CHECK(j.is_object(), config_path, ": must be a JSON object");
  HM_CHECK(j.value("peft_type", "LORA") == "LORA", config_path, ": peft_type '", j.value("peft_type", ""),
           "' is not LORA");
  LoraAdapter adapter;
  LoraSettings& s = adapter.settings;
  try {
    s.rank = j.at("r").get<int>();
    s.alpha = j.value("lora_alpha", static_cast<double>(s.rank));
    s.dropout = j.value("lora_dropout", 0.0);
    s.rslora = j.value("use_rslora", false);
  } catch (const json::exception& e) {
    Fail(config_path, ": ", e.what());
  }
  HM_CHECK(s.rank > 0, config_path, ": r must be positive");
  auto unsupported = [&](const char* key, bool set, const char* why) {
    HM_CHECK(!set, config_path, ": '", key, "' is not supported (", why, ")");
  };
  unsupported("fan_in_fan_out", j.value("fan_in_fan_out", false), "GPT-2 style Conv1D layers");
  unsupported("use_dora", j.value("use_dora", false), "DoRA is not plain LoRA");
  unsupported("bias", j.value("bias", "none") != "none", "only bias \"none\"");
  const json saved = j.value("modules_to_save", json());
  const bool saves_projector = saved == json::array({kProjectorModule});
  unsupported("modules_to_save", !saved.is_null() && !saved.empty() && !saves_projector,
              "fully trained extra modules other than [\"mm_projector\"]");
  unsupported("rank_pattern", j.contains("rank_pattern") && !j["rank_pattern"].empty(), "one rank for all layers");
  unsupported("alpha_pattern", j.contains("alpha_pattern") && !j["alpha_pattern"].empty(), "one alpha for all layers");

  std::map<std::string, AdaptableLinear> linears;
  for (const AdaptableLinear& l : AdaptableLinears(config)) linears[l.weight] = l;
  if (const auto t = j.find("target_modules"); t != j.end() && t->is_array())
    for (const json& target : *t) {
      HM_CHECK(target.is_string(), config_path, ": target_modules must hold strings");
      bool any = false;
      for (const auto& [weight, l] : linears) any = any || SuffixMatches(ModuleOf(weight), target);
      HM_CHECK(any, config_path, ": target module '", target.get<std::string>(),
               "' is not a linear layer of this model (decoder: ", Join(kLlmKinds), "; vision: ", Join(kVisionKinds), ")");
    }

  const SafetensorsFile file(tensor_path);
  std::map<std::string, std::pair<const SafetensorsEntry*, const SafetensorsEntry*>> pairs;  // by weight
  std::map<std::string, const SafetensorsEntry*> projector;  // by checkpoint name
  for (const SafetensorsEntry& e : file.header().tensors) {
    std::string name = e.name;
    const bool is_a = name.ends_with(".lora_A.weight"), is_b = name.ends_with(".lora_B.weight");
    const std::string projector_prefix = std::string(kPeftPrefix) + "model." + kProjectorModule + ".";
    if (saves_projector && !is_a && !is_b && name.starts_with(projector_prefix)) {
      projector[name.substr(std::strlen(kPeftPrefix))] = &e;
      continue;
    }
    HM_CHECK(name.starts_with(kPeftPrefix) && (is_a || is_b), tensor_path, ": tensor '", name,
             "' is not a LoRA tensor (expected base_model.model.<module>.lora_A.weight / lora_B.weight)");
    const std::string suffix = is_a ? ".lora_A.weight" : ".lora_B.weight";
    std::string weight = name.substr(std::strlen(kPeftPrefix), name.size() - std::strlen(kPeftPrefix) - suffix.size()) +
                         std::string(kWeight);
    if (weight.starts_with(kNestedVision)) weight = kVision + weight.substr(std::strlen(kNestedVision));
    HM_CHECK(linears.count(weight), tensor_path, ": tensor '", name, "' adapts '", weight,
             "', which is not a linear layer of this model that LoRA can adapt");
    (is_a ? pairs[weight].first : pairs[weight].second) = &e;
  }
  HM_CHECK(!pairs.empty(), tensor_path, ": holds no LoRA tensors");
  for (const AdaptableLinear& l : AdaptableLinears(config)) {  // checkpoint order
    const auto it = pairs.find(l.weight);
    if (it == pairs.end()) continue;
    const auto [a, b] = it->second;
    HM_CHECK(a && b, tensor_path, ": '", l.weight, "' has ", a ? "lora_A but no lora_B" : "lora_B but no lora_A");
    const std::vector<int64_t> want_a = {s.rank, l.in}, want_b = {l.out, s.rank};
    HM_CHECK(a->shape == want_a, tensor_path, ": tensor '", a->name, "' has shape ", ShapeString(a->shape),
             ", expected ", ShapeString(want_a), " (r = ", s.rank, ")");
    HM_CHECK(b->shape == want_b, tensor_path, ": tensor '", b->name, "' has shape ", ShapeString(b->shape),
             ", expected ", ShapeString(want_b), " (r = ", s.rank, ")");
    LoraModule m{l.weight, l.out, l.in, std::vector<float>(s.rank * l.in), std::vector<float>(l.out * s.rank)};
    ReadF32(file, *a, tensor_path, m.a.data());
    ReadF32(file, *b, tensor_path, m.b.data());
    adapter.modules.push_back(std::move(m));
  }
  if (!saves_projector) return adapter;
  HM_CHECK(config.vision, config_path, ": modules_to_save names the projector, but the model has no vision tower");
  for (const ProjectorLayer& l : ProjectorLayers(config))
    for (auto [suffix, shape] : {std::pair{".weight", std::vector<int64_t>{l.out, l.in}},
                                 std::pair{".bias", std::vector<int64_t>{l.out}}}) {
      const std::string name = l.module + suffix;
      const auto it = projector.find(name);
      HM_CHECK(it != projector.end(), tensor_path, ": modules_to_save names the projector, but '", kPeftPrefix, name,
               "' is missing");
      HM_CHECK(it->second->shape == shape, tensor_path, ": tensor '", it->second->name, "' has shape ",
               ShapeString(it->second->shape), ", expected ", ShapeString(shape));
      const int64_t size = shape[0] * (shape.size() == 2 ? shape[1] : 1);
      SavedTensor& t = adapter.projector.emplace_back(SavedTensor{name, shape, std::vector<float>(size)});
      ReadF32(file, *it->second, tensor_path, t.values.data());
      projector.erase(it);
    }
  HM_CHECK(projector.empty(), tensor_path, ": tensor '", kPeftPrefix, projector.empty() ? "" : projector.begin()->first,
           "' is not a tensor of this model's projector");
  return adapter;
}

void WriteLoraAdapter(const std::string& dir, const LoraAdapter& adapter, const std::string& base_model) {
  fs::create_directories(dir);
  const LoraSettings& s = adapter.settings;
  // target_modules as one regex (PEFT's full-match form) naming exactly the adapted layers:
  // its list form matches by suffix, which would also catch the other tower's q_proj.
  std::set<std::string> patterns;
  for (const LoraModule& m : adapter.modules) patterns.insert(ModulePattern(m.weight));
  std::string regex;
  for (const std::string& p : patterns) regex += (regex.empty() ? "" : "|") + p;
  const json config = {{"peft_type", "LORA"},          {"task_type", "CAUSAL_LM"},
                       {"base_model_name_or_path", base_model},
                       {"r", s.rank},                  {"lora_alpha", s.alpha},
                       {"lora_dropout", s.dropout},    {"use_rslora", s.rslora},
                       {"target_modules", regex},      {"bias", "none"},
                       {"fan_in_fan_out", false},      {"inference_mode", true},
                       {"modules_to_save", adapter.projector.empty() ? json() : json::array({kProjectorModule})}};
  std::vector<TensorToWrite> tensors;
  for (const LoraModule& m : adapter.modules)
    for (auto [name, values, shape] : {std::tuple{PeftLoraAName(m.weight), &m.a, std::vector<int64_t>{s.rank, m.in}},
                                       std::tuple{PeftLoraBName(m.weight), &m.b, std::vector<int64_t>{m.out, s.rank}}})
      // An init-capture: clang 14 cannot capture a structured binding.
      tensors.push_back({name, DType::kF32, shape, [v = values](std::span<uint8_t> out) {
                           std::memcpy(out.data(), v->data(), out.size());
                         }});
  for (const SavedTensor& t : adapter.projector)
    tensors.push_back({kPeftPrefix + t.name, DType::kF32, t.shape, [&t](std::span<uint8_t> out) {
                         std::memcpy(out.data(), t.values.data(), out.size());
                       }});
  WriteAtomically(fs::path(dir) / kTensorFile,
                  [&](const std::string& path) { WriteSafetensors(path, tensors, {{"format", "pt"}}); });
  WriteAtomically(fs::path(dir) / kConfigFile, [&](const std::string& path) {
    std::ofstream f(path);
    f << config.dump(2) << "\n";
    HM_CHECK(f.flush(), path, ": cannot write");
  });
}

std::vector<LowRank> AttachLora(const LoraAdapter& adapter, ModelWeights& weights) {
  std::map<std::string, const LowRank**> slots;
  for (size_t i = 0; i < weights.decoder.layers.size(); ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    DecoderLayerWeights::Adapters& a = weights.decoder.layers[i].lora;
    for (auto [name, slot] : {std::pair{"self_attn.q_proj", &a.q}, {"self_attn.k_proj", &a.k}, {"self_attn.v_proj", &a.v},
                              {"self_attn.o_proj", &a.o}, {"mlp.gate_proj", &a.gate}, {"mlp.up_proj", &a.up},
                              {"mlp.down_proj", &a.down}})
      slots[p + name + ".weight"] = slot;
  }
  if (weights.vision)
    for (size_t i = 0; i < weights.vision->layers.size(); ++i) {
      const std::string p = std::string(kVision) + "encoder.layers." + std::to_string(i) + ".";
      VisionLayerWeights& l = weights.vision->layers[i];
      for (auto [name, linear] : {std::pair{"self_attn.q_proj", &l.q}, {"self_attn.k_proj", &l.k},
                                  {"self_attn.v_proj", &l.v}, {"self_attn.out_proj", &l.out}, {"mlp.fc1", &l.fc1},
                                  {"mlp.fc2", &l.fc2}})
        slots[p + name + ".weight"] = &linear->lora;
    }
  std::vector<LowRank> views;
  views.reserve(adapter.modules.size());  // the weights point into it: no reallocation
  const int64_t r = adapter.settings.rank;
  for (const LoraModule& m : adapter.modules) {
    const auto it = slots.find(m.weight);
    HM_CHECK(it != slots.end(), "LoRA: no layer '", m.weight, "' to attach to");
    views.push_back({kernels::Matrix{DType::kF32, r, m.in, m.a.data()}, kernels::Matrix{DType::kF32, m.out, r, m.b.data()},
                     adapter.settings.Scale()});
    *it->second = &views.back();
  }
  if (!adapter.projector.empty()) {  // trained in full: the adapter's tensors replace the base's
    HM_CHECK(adapter.projector.size() == 2 * weights.projector.size(), "LoRA: ", adapter.projector.size(),
             " projector tensors for a projector of ", weights.projector.size(), " layers");
    for (size_t i = 0; i < weights.projector.size(); ++i) {
      const SavedTensor &w = adapter.projector[2 * i], &b = adapter.projector[2 * i + 1];
      weights.projector[i].weight = kernels::Matrix{DType::kF32, w.shape[0], w.shape[1], w.values.data()};
      weights.projector[i].bias = b.values;
    }
  }
  return views;
}

void MergeLoraInto(const LoraModule& m, float scale, float* w) {
  const int64_t r = static_cast<int64_t>(m.a.size()) / m.in;
  for (int64_t o = 0; o < m.out; ++o)
    for (int64_t k = 0; k < r; ++k) {
      const float s = scale * m.b[o * r + k];
      const float* a = m.a.data() + k * m.in;
      for (int64_t i = 0; i < m.in; ++i) w[o * m.in + i] += s * a[i];
    }
}

}  // namespace hm
