#include "model/model.h"

#include <filesystem>

#include "core/error.h"
#include "io/json_file.h"

namespace hm {
namespace {

GenerationDefaults LoadGenerationDefaults(const std::string& dir, const ModelConfig& config) {
  GenerationDefaults g;
  const std::string path = (std::filesystem::path(dir) / "generation_config.json").string();
  if (!std::filesystem::exists(path)) return g;
  const nlohmann::json j = ReadJsonFile(path);
  HM_CHECK(j.is_object(), path, ": must be a JSON object");
  if (const auto eos = j.find("eos_token_id"); eos != j.end() && !eos->is_null()) {
    const nlohmann::json ids = eos->is_array() ? *eos : nlohmann::json::array({*eos});
    for (const auto& id : ids) {
      HM_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < config.llm.vocab,
               path, ": eos_token_id ", id.dump(), " is not a token id of the vocabulary");
      g.eos_ids.push_back(id.get<int32_t>());
    }
  }
  auto number = [&](const char* key, auto& out) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return;
    HM_CHECK(it->is_number(), path, ": '", key, "' must be a number");
    out = it->get<std::remove_reference_t<decltype(out)>>();
  };
  number("temperature", g.temperature);
  number("top_k", g.top_k);
  number("top_p", g.top_p);
  number("repetition_penalty", g.repetition_penalty);
  if (const auto it = j.find("do_sample"); it != j.end() && it->is_boolean()) g.do_sample = it->get<bool>();
  return g;
}

}  // namespace

Model::Model(const std::string& dir, const std::string& lora_dir)
    : dir_(dir),
      config_(LoadModelConfig(dir)),
      files_(GgufCheckpoint::IsGgufDir(dir) ? nullptr : std::make_unique<CheckpointFiles>(dir)),
      gguf_(files_ ? nullptr : std::make_unique<GgufCheckpoint>(dir)),
      weights_(files_ ? BindWeights(*files_, config_) : BindWeights(gguf_->Tensors(), dir, config_)),
      generation_(LoadGenerationDefaults(dir, config_)),
      decoder_(std::make_unique<Decoder>(config_.llm, weights_.decoder)) {
  if (!lora_dir.empty()) {
    lora_ = std::make_unique<LoraAdapter>(ReadLoraAdapter(lora_dir, config_));
    lora_views_ = AttachLora(*lora_, weights_);
  }
  if (config_.vision)
    vision_ = std::make_unique<VisionEncoder>(*config_.vision, *weights_.vision, weights_.projector);
}

}  // namespace hm
