#include "model/lora_merge.h"

#include <cstring>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "io/checkpoint_files.h"
#include "io/safetensors.h"
#include "model/gguf_checkpoint.h"
#include "model/lora_adapter.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// The base tensor an adapter module names: the original release nests the vision tower one
// level deeper than the name the adapter is read under.
std::string BaseName(const CheckpointFiles& files, const std::string& weight) {
  const std::string vision = "model.vision_encoder.";
  if (!files.Find(weight) && weight.starts_with(vision))
    return "model.vision_encoder.vision_encoder." + weight.substr(vision.size());
  return weight;
}

void StoreAs(DType dtype, const std::vector<float>& values, uint8_t* out) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::kF32) reinterpret_cast<float*>(out)[i] = values[i];
    if (dtype == DType::kBF16) reinterpret_cast<uint16_t*>(out)[i] = F32ToBF16(values[i]);
    if (dtype == DType::kF16) reinterpret_cast<uint16_t*>(out)[i] = F32ToF16(values[i]);
  }
}

}  // namespace

LoraMergeReport MergeLoraCheckpoint(const std::string& base_dir, const std::string& adapter_dir,
                                    const std::string& out_dir) {
  HM_CHECK(!GgufCheckpoint::IsGgufDir(base_dir), base_dir,
           ": a quantized (GGUF) base cannot be merged without losing precision; merge into the HF checkpoint it "
           "was quantized from, then run `hulumed quantize` on the result");
  std::error_code ec;
  HM_CHECK(!fs::exists(out_dir) || !fs::equivalent(base_dir, out_dir, ec), out_dir, ": is the base checkpoint itself");
  const ModelConfig config = LoadModelConfig(base_dir);
  const CheckpointFiles files(base_dir);
  BindWeights(files, config);  // the base is a valid checkpoint of its config
  const LoraAdapter adapter = ReadLoraAdapter(adapter_dir, config);
  const float scale = adapter.settings.Scale();
  std::map<std::string, const LoraModule*> updates;
  for (const LoraModule& m : adapter.modules) updates[BaseName(files, m.weight)] = &m;
  std::map<std::string, const SavedTensor*> replaced;  // a projector trained in full
  for (const SavedTensor& t : adapter.projector) replaced[t.name] = &t;

  LoraMergeReport report;
  std::vector<TensorToWrite> tensors;
  for (const std::string& name : files.Names()) {
    const TensorView* t = files.Find(name);
    if (const auto r = replaced.find(name); r != replaced.end()) {
      ++report.replaced;
      tensors.push_back({name, t->dtype, t->shape, [t, r](std::span<uint8_t> out) {
                           StoreAs(t->dtype, r->second->values, out.data());
                         }});
      continue;
    }
    const auto it = updates.find(name);
    if (it == updates.end()) {
      ++report.copied;
      tensors.push_back({name, t->dtype, t->shape, [t](std::span<uint8_t> out) {
                           std::memcpy(out.data(), t->data, out.size());
                         }});
      continue;
    }
    ++report.merged;
    const LoraModule* m = it->second;
    tensors.push_back({name, t->dtype, t->shape, [t, m, scale](std::span<uint8_t> out) {
                         std::vector<float> w(static_cast<size_t>(t->numel()));
                         kernels::RowToF32(kernels::Matrix{t->dtype, 1, t->numel(), t->data}, 0, w.data());
                         MergeLoraInto(*m, scale, w.data());
                         StoreAs(t->dtype, w, out.data());
                       }});
  }
  fs::create_directories(out_dir);
  const fs::path model = fs::path(out_dir) / "model.safetensors";
  WriteSafetensors(model.string() + ".tmp", tensors, {{"format", "pt"}});
  fs::rename(model.string() + ".tmp", model, ec);
  HM_CHECK(!ec, model.string(), ": cannot write: ", ec.message());
  for (const fs::directory_entry& e : fs::directory_iterator(base_dir)) {
    const std::string file = e.path().filename().string();
    if (!e.is_regular_file() || e.path().extension() == ".safetensors" || file == "model.safetensors.index.json")
      continue;
    fs::copy_file(e.path(), fs::path(out_dir) / file, fs::copy_options::overwrite_existing, ec);
    HM_CHECK(!ec, out_dir, ": cannot copy ", file, ": ", ec.message());
  }
  return report;
}

}  // namespace hm
