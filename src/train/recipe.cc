#include "train/recipe.h"

#include <filesystem>
#include <set>

#include "core/error.h"
#include "io/json_file.h"
#include "train/packed_source.h"

namespace hm {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// Reads the fields of one JSON object by name, each with its type checked, and then rejects
// any field nobody asked for. `where` is "file: stages[1]" style, for messages.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    HM_CHECK(object.is_object(), where_, ": expected a JSON object");
  }

  // "file: stages[0]" + key -> "file: stages[0].key"; "file:" + key -> "file: key"
  std::string Where(const std::string& key) const {
    return where_.ends_with(':') ? where_ + " " + key : where_ + "." + key;
  }
  bool Has(const std::string& key) const { return object_.contains(key); }
  const json& Raw(const std::string& key) {
    seen_.insert(key);
    return object_.at(key);
  }

  void String(const std::string& key, std::string& out) {
    if (!Has(key)) return;
    const json& v = Raw(key);
    HM_CHECK(v.is_string(), Where(key), ": expected a string");
    out = v.get<std::string>();
  }
  void Number(const std::string& key, double& out, double min, double max) {
    if (!Has(key)) return;
    const json& v = Raw(key);
    HM_CHECK(v.is_number(), Where(key), ": expected a number");
    out = v.get<double>();
    HM_CHECK(out >= min && out <= max, Where(key), ": ", out, " is outside [", min, ", ", max, "]");
  }
  template <typename Int>
  void Integer(const std::string& key, Int& out, int64_t min) {
    if (!Has(key)) return;
    const json& v = Raw(key);
    HM_CHECK(v.is_number_integer(), Where(key), ": expected an integer");
    int64_t n = v.get<int64_t>();
    HM_CHECK(n >= min, Where(key), ": ", n, " is below ", min);
    out = static_cast<Int>(n);
  }
  void Bool(const std::string& key, bool& out) {
    if (!Has(key)) return;
    const json& v = Raw(key);
    HM_CHECK(v.is_boolean(), Where(key), ": expected true or false");
    out = v.get<bool>();
  }
  void Skip(const std::string& key) { seen_.insert(key); }

  void RejectUnknown() const {
    for (const auto& [key, value] : object_.items())
      HM_CHECK(seen_.count(key), Where(key), ": unknown field");
  }

 private:
  const json& object_;
  std::string where_;
  std::set<std::string> seen_;
};

std::string Resolve(const fs::path& base, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

GroupLrs ReadModules(const json& modules, const std::string& where) {
  HM_CHECK(modules.is_object(), where, ": expected an object of module groups");
  GroupLrs lrs;
  for (const auto& [key, value] : modules.items()) {
    std::string field = where + "." + key;
    int group = -1;
    for (int g = 0; g < kNumModuleGroups; ++g)
      if (key == ModuleGroupName(static_cast<ModuleGroup>(g))) group = g;
    HM_CHECK(group >= 0, field, ": unknown module group (expected vision, projector or llm)");
    if (value.is_string()) {
      HM_CHECK(value == "frozen", field, ": expected \"frozen\" or {\"lr\": ...}");
      continue;
    }
    Fields f(value, field);
    double lr = -1;
    HM_CHECK(f.Has("lr"), field, ".lr: missing (or write \"frozen\")");
    f.Number("lr", lr, 0, 1);
    f.RejectUnknown();
    lrs.lr[group] = lr;
  }
  for (int g = 0; g < kNumModuleGroups; ++g)
    HM_CHECK(modules.contains(ModuleGroupName(static_cast<ModuleGroup>(g))), where, ".",
             ModuleGroupName(static_cast<ModuleGroup>(g)), ": missing (give {\"lr\": ...} or \"frozen\")");
  return lrs;
}

std::vector<DataSource> ReadData(const json& data, const std::string& where, const fs::path& base) {
  HM_CHECK(data.is_array() && !data.empty(), where, ": expected a non-empty list of {\"path\", \"weight\"}");
  std::vector<DataSource> out;
  for (size_t i = 0; i < data.size(); ++i) {
    Fields f(data[i], StrCat(where, "[", i, "]"));
    DataSource d;
    HM_CHECK(f.Has("path"), f.Where("path"), ": missing");
    f.String("path", d.path);
    f.Number("weight", d.weight, 0, 1e12);
    HM_CHECK(d.weight > 0, f.Where("weight"), ": must be positive");
    f.String("media_root", d.media_root);
    f.RejectUnknown();
    d.path = Resolve(base, d.path);
    // A pack names its records' media folders itself.
    HM_CHECK(d.media_root.empty() || !IsPack(d.path), f.Where("media_root"), ": a pack (", d.path,
             ") keeps its records' media folders; leave media_root out");
    d.media_root = d.media_root.empty() ? fs::path(d.path).parent_path().string() : Resolve(base, d.media_root);
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> ReadNames(const json& names, const std::string& where) {
  HM_CHECK(names.is_array(), where, ": expected a list of module names");
  std::vector<std::string> out;
  for (const json& n : names) {
    HM_CHECK(n.is_string(), where, ": expected a list of module names");
    out.push_back(n.get<std::string>());
  }
  return out;
}

LoraStage ReadLora(const json& lora, const std::string& where) {
  Fields f(lora, where);
  LoraStage out;
  f.Integer("rank", out.settings.rank, 1);
  f.Number("alpha", out.settings.alpha, 1e-9, 1e9);
  f.Number("dropout", out.settings.dropout, 0, 0.99);
  f.Bool("rslora", out.settings.rslora);
  f.Bool("recompute_activations", out.recompute_activations);
  HM_CHECK(f.Has("targets"), f.Where("targets"), ": missing");
  const json& targets = f.Raw("targets");
  if (targets.is_object()) {
    Fields t(targets, f.Where("targets"));
    if (t.Has("llm")) out.llm_targets = ReadNames(t.Raw("llm"), t.Where("llm"));
    if (t.Has("vision")) out.vision_targets = ReadNames(t.Raw("vision"), t.Where("vision"));
    t.RejectUnknown();
  } else {
    out.llm_targets = ReadNames(targets, f.Where("targets"));
  }
  HM_CHECK(!out.llm_targets.empty() || !out.vision_targets.empty(), f.Where("targets"), ": names no module");
  f.RejectUnknown();
  return out;
}

StageRecipe ReadStage(const json& merged, const std::string& where, const fs::path& base) {
  StageRecipe s;
  Fields f(merged, where);
  f.String("name", s.name);
  f.String("start_checkpoint", s.start_checkpoint);
  f.String("output_dir", s.output_dir);
  HM_CHECK(f.Has("data"), f.Where("data"), ": missing");
  s.data = ReadData(f.Raw("data"), f.Where("data"), base);
  HM_CHECK(f.Has("modules"), f.Where("modules"), ": missing");
  s.lrs = ReadModules(f.Raw("modules"), f.Where("modules"));
  HM_CHECK(s.lrs.Trains(ModuleGroup::kVision) || s.lrs.Trains(ModuleGroup::kProjector) ||
               s.lrs.Trains(ModuleGroup::kLlm),
           f.Where("modules"), ": every group is frozen; nothing would train");

  f.Integer("image_merge_size", s.image_merge_size, 1);
  f.Integer("video_merge_size", s.video_merge_size, 1);
  f.Bool("token_reduction", s.token_reduction);
  f.Integer("max_length", s.max_length, 1);
  f.Integer("max_visual_tokens", s.max_visual_tokens, 0);
  f.Number("fps", s.fps, 1e-6, 1000);
  f.Integer("max_frames", s.max_frames, 1);

  f.Integer("steps", s.steps, 1);
  f.Number("epochs", s.epochs, 0, 1e6);
  HM_CHECK((s.steps > 0) != (s.epochs > 0), where, ": give exactly one of steps or epochs (positive)");
  f.Integer("global_batch_samples", s.global_batch_samples, 1);
  f.Integer("micro_batch_samples", s.micro_batch_samples, 1);
  f.Integer("micro_batch_tokens", s.micro_batch_tokens, 0);
  HM_CHECK(s.global_batch_samples % s.micro_batch_samples == 0, f.Where("global_batch_samples"), ": ",
           s.global_batch_samples, " is not a multiple of micro_batch_samples ", s.micro_batch_samples);

  f.Number("warmup_ratio", s.warmup_ratio, 0, 1);
  f.Number("max_grad_norm", s.max_grad_norm, -1, 1e12);
  f.Number("weight_decay", s.adamw.weight_decay, 0, 1);
  f.Number("adam_beta1", s.adamw.beta1, 0, 0.999999);
  f.Number("adam_beta2", s.adamw.beta2, 0, 0.999999999);
  f.Number("adam_eps", s.adamw.eps, 0, 1);
  f.String("compute_dtype", s.compute_dtype);
  HM_CHECK(s.compute_dtype == "f32" || s.compute_dtype == "bf16", f.Where("compute_dtype"), ": expected \"f32\" or \"bf16\"");

  f.Integer("seed", s.seed, 0);
  f.Integer("save_every_steps", s.save_every_steps, 0);
  f.Integer("keep_checkpoints", s.keep_checkpoints, 0);
  f.Skip("comment");
  if (f.Has("lora")) s.lora = ReadLora(f.Raw("lora"), f.Where("lora"));
  if (f.Has("sources")) {
    const json& sources = f.Raw("sources");
    HM_CHECK(sources.is_object(), f.Where("sources"), ": expected {field: note}");
    for (const auto& [key, note] : sources.items()) {
      HM_CHECK(merged.contains(key) && key != "sources", f.Where("sources"), ".", key, ": names no field of this stage");
      HM_CHECK(note.is_string(), f.Where("sources"), ".", key, ": expected a string");
      s.sources[key] = note.get<std::string>();
    }
  }
  f.RejectUnknown();
  s.start_checkpoint = Resolve(base, s.start_checkpoint);
  HM_CHECK(!s.output_dir.empty(), f.Where("output_dir"), ": missing");
  s.output_dir = Resolve(base, s.output_dir);
  return s;
}

// Stage fields over the defaults; a stage giving steps drops the defaults' epochs and vice
// versa; sources notes merge.
json Merge(const json& defaults, const json& stage) {
  json merged = defaults;
  if (stage.contains("steps")) merged.erase("epochs");
  if (stage.contains("epochs")) merged.erase("steps");
  for (const auto& [key, value] : stage.items()) {
    if (key == "sources" && merged.contains("sources") && value.is_object() && merged["sources"].is_object())
      merged["sources"].update(value);
    else
      merged[key] = value;
  }
  return merged;
}

}  // namespace

int64_t StageRecipe::AccumulationSteps(int ranks) const {
  int64_t per_step = micro_batch_samples * ranks;
  HM_CHECK(global_batch_samples % per_step == 0, "stage ", name, ": global_batch_samples ", global_batch_samples,
           " is not a multiple of micro_batch_samples x ranks = ", per_step);
  return global_batch_samples / per_step;
}

Recipe ReadRecipe(const std::string& path) {
  json root = ReadJsonFile(path);
  HM_CHECK(root.is_object(), path, ": expected a JSON object");
  fs::path base = fs::path(path).parent_path();
  Recipe recipe{path, {}};
  if (!root.contains("stages")) {
    recipe.stages.push_back(ReadStage(root, path + ": stage", base));
    HM_CHECK(!recipe.stages[0].start_checkpoint.empty(), path, ": start_checkpoint: missing");
    if (recipe.stages[0].name.empty()) recipe.stages[0].name = "stage1";
    return recipe;
  }
  Fields top(root, path + ":");
  top.Skip("comment");
  json defaults = json::object();
  if (top.Has("defaults")) defaults = top.Raw("defaults");
  HM_CHECK(defaults.is_object(), top.Where("defaults"), ": expected a JSON object");
  const json& stages = top.Raw("stages");
  top.RejectUnknown();
  HM_CHECK(stages.is_array() && !stages.empty(), top.Where("stages"), ": expected a non-empty list");
  for (size_t i = 0; i < stages.size(); ++i) {
    std::string where = StrCat(path, ": stages[", i, "]");
    HM_CHECK(stages[i].is_object(), where, ": expected a JSON object");
    recipe.stages.push_back(ReadStage(Merge(defaults, stages[i]), where, base));
    if (recipe.stages.back().name.empty()) recipe.stages.back().name = StrCat("stage", i + 1);
  }
  HM_CHECK(!recipe.stages[0].start_checkpoint.empty(), path, ": stages[0].start_checkpoint: missing (later stages may "
           "omit it to start from the previous stage's output)");
  return recipe;
}

}  // namespace hm
