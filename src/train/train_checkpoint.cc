#include "train/train_checkpoint.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "core/error.h"
#include "io/checkpoint_files.h"
#include "io/json_file.h"
#include "io/safetensors.h"
#include "train/durable_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPrefix = "checkpoint-";
constexpr const char* kOptimizerFile = "optimizer.safetensors";
constexpr const char* kStateFile = "trainer_state.json";


TensorToWrite F32Tensor(std::string name, std::vector<int64_t> shape, std::span<const float> values) {
  return {std::move(name), DType::kF32, std::move(shape), [values](std::span<uint8_t> out) {
            std::memcpy(out.data(), values.data(), values.size_bytes());
          }};
}

void WriteModel(const std::string& path, const CheckpointContents& c, const CheckpointFiles* source) {
  std::vector<TensorToWrite> tensors;
  std::map<std::string, bool> is_param;
  for (const TrainParam& p : c.params) {
    std::vector<int64_t> shape = {static_cast<int64_t>(p.value.size())};
    if (source)
      if (const TensorView* t = source->Find(p.name); t && static_cast<size_t>(t->numel()) == p.value.size())
        shape = t->shape;
    tensors.push_back(F32Tensor(p.name, shape, p.value));
    is_param[p.name] = true;
  }
  if (source)
    for (const std::string& name : source->Names()) {
      if (is_param.count(name)) continue;
      const TensorView* t = source->Find(name);
      tensors.push_back({name, t->dtype, t->shape, [t](std::span<uint8_t> out) {
                           std::memcpy(out.data(), t->data, out.size());
                         }});
    }
  WriteSafetensors(path, tensors, {{"format", "pt"}});
  SyncPath(path);
}

void WriteOptimizer(const std::string& path, const CheckpointContents& c) {
  const AdamW& opt = *c.optimizer;
  HM_CHECK(opt.size() == c.params.size(), "checkpoint: optimizer has ", opt.size(), " states for ", c.params.size(),
           " parameters");
  std::vector<TensorToWrite> tensors;
  json steps = json::object();
  for (size_t i = 0; i < c.params.size(); ++i) {
    const AdamW::State& s = opt.state(i);
    int64_t n = static_cast<int64_t>(s.exp_avg.size());
    tensors.push_back(F32Tensor(c.params[i].name + ".exp_avg", {n}, s.exp_avg));
    tensors.push_back(F32Tensor(c.params[i].name + ".exp_avg_sq", {n}, s.exp_avg_sq));
    steps[c.params[i].name] = s.step;
  }
  const AdamWOptions& o = opt.options();
  json options = {{"beta1", o.beta1}, {"beta2", o.beta2}, {"eps", o.eps}, {"weight_decay", o.weight_decay}};
  WriteSafetensors(path, tensors, {{"steps", steps.dump()}, {"adamw", options.dump()}});
  SyncPath(path);
}

}  // namespace

bool IsModelDescription(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  return name != "model.safetensors.index.json" && file.extension() != ".safetensors" && name != kStateFile &&
         file.extension() != ".svg" && name[0] != '.';
}

std::string WriteTrainCheckpoint(const std::string& output_dir, int64_t step, const CheckpointContents& c) {
  const fs::path out(output_dir);
  const fs::path final_dir = out / (kPrefix + std::to_string(step));
  const fs::path temp = out / (".tmp-" + final_dir.filename().string());
  std::error_code ec;
  fs::create_directories(out, ec);
  HM_CHECK(!ec, output_dir, ": cannot create: ", ec.message());
  try {
    fs::remove_all(temp);
    fs::create_directory(temp);
    std::unique_ptr<CheckpointFiles> source;
    if (!c.model_dir.empty()) source = std::make_unique<CheckpointFiles>(c.model_dir);
    WriteModel((temp / "model.safetensors").string(), c, source.get());
    if (c.optimizer) WriteOptimizer((temp / kOptimizerFile).string(), c);
    if (!c.model_dir.empty())
      for (const fs::directory_entry& e : fs::directory_iterator(c.model_dir)) {
        if (!e.is_regular_file() || !IsModelDescription(e.path())) continue;
        fs::path to = temp / e.path().filename();
        if (e.path().filename() == "config.json") {
          // Trained weights are no longer create-model's random ones: drop its "untrained" mark.
          json config = ReadJsonFile(e.path().string());
          config.erase("hulumed_fixture");
          WriteFileSynced(to.string(), config.dump(2) + "\n");
          continue;
        }
        fs::copy_file(e.path(), to);
        SyncPath(to.string());
      }
    for (const auto& [name, content] : c.extra_files) WriteFileSynced((temp / name).string(), content);
    if (c.write_files) {
      c.write_files(temp.string());
      for (const fs::directory_entry& e : fs::directory_iterator(temp)) SyncPath(e.path().string());
    }
    WriteFileSynced((temp / kStateFile).string(), c.trainer_state.dump(1));
    SyncPath(temp.string());
    if (fs::exists(final_dir)) fs::remove_all(final_dir);  // the same step saved again (a resumed run)
    fs::rename(temp, final_dir);
    SyncPath(out.string());
  } catch (const std::exception& e) {
    fs::remove_all(temp, ec);
    std::optional<std::string> last = LatestTrainCheckpoint(output_dir);
    Fail("checkpoint ", final_dir.string(), " not written: ", e.what(), "; ",
         last ? "the last complete checkpoint " + *last + " is intact" : std::string("no earlier checkpoint"));
  }
  return final_dir.string();
}

namespace {

// Complete checkpoints by step.
std::map<int64_t, fs::path> CompleteCheckpoints(const std::string& output_dir) {
  std::map<int64_t, fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(output_dir, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(output_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_directory() || !name.starts_with(kPrefix)) continue;
    std::string digits = name.substr(std::strlen(kPrefix));
    if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    if (fs::exists(e.path() / kStateFile)) out[std::stoll(digits)] = e.path();
  }
  return out;
}

}  // namespace

std::optional<std::string> LatestTrainCheckpoint(const std::string& output_dir) {
  std::map<int64_t, fs::path> all = CompleteCheckpoints(output_dir);
  if (all.empty()) return std::nullopt;
  return all.rbegin()->second.string();
}

void PruneTrainCheckpoints(const std::string& output_dir, int64_t keep) {
  std::map<int64_t, fs::path> all = CompleteCheckpoints(output_dir);
  int64_t excess = static_cast<int64_t>(all.size()) - std::max<int64_t>(1, keep);
  for (auto it = all.begin(); excess > 0; ++it, --excess) fs::remove_all(it->second);
}

json ReadTrainCheckpoint(const std::string& dir, std::span<TrainParam> params, AdamW* optimizer) {
  CheckpointFiles model(dir);
  for (TrainParam& p : params) {
    const TensorView* t = model.Find(p.name);
    HM_CHECK(t, dir, ": checkpoint has no tensor ", p.name);
    HM_CHECK(t->dtype == DType::kF32 && static_cast<size_t>(t->numel()) == p.value.size(), dir, ": tensor ", p.name,
             " is not f32 with ", p.value.size(), " values");
    std::memcpy(p.value.data(), t->data, p.value.size_bytes());
  }
  if (optimizer) {
    std::string path = (fs::path(dir) / kOptimizerFile).string();
    SafetensorsFile file(path);
    std::map<std::string, const SafetensorsEntry*> entries;
    for (const SafetensorsEntry& e : file.header().tensors) entries[e.name] = &e;
    auto meta = file.header().metadata.find("steps");
    HM_CHECK(meta != file.header().metadata.end(), path, ": no per-parameter step counts");
    json steps = json::parse(meta->second);
    HM_CHECK(optimizer->size() == params.size(), path, ": optimizer sized for ", optimizer->size(), " parameters");
    for (size_t i = 0; i < params.size(); ++i) {
      AdamW::State& s = optimizer->state(i);
      for (auto [suffix, dst] : {std::pair{".exp_avg", &s.exp_avg}, std::pair{".exp_avg_sq", &s.exp_avg_sq}}) {
        auto it = entries.find(params[i].name + suffix);
        HM_CHECK(it != entries.end(), path, ": no tensor ", params[i].name, suffix);
        TensorView v = file.View(*it->second);
        HM_CHECK(v.dtype == DType::kF32 && static_cast<size_t>(v.numel()) == dst->size(), path, ": tensor ",
                 params[i].name, suffix, " has the wrong size");
        std::memcpy(dst->data(), v.data, v.nbytes());
      }
      HM_CHECK(steps.contains(params[i].name), path, ": no step count for ", params[i].name);
      s.step = steps[params[i].name].get<int64_t>();
    }
  }
  return ReadJsonFile((fs::path(dir) / kStateFile).string());
}

}  // namespace hm
