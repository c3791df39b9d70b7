#include "io/checkpoint_files.h"

#include <filesystem>
#include <set>

#include "core/error.h"
#include "io/json_file.h"

namespace hm {

namespace fs = std::filesystem;

CheckpointFiles::CheckpointFiles(const std::string& dir) : dir_(dir) {
  HM_CHECK(fs::is_directory(dir), dir, ": not a checkpoint directory");
  const fs::path single = fs::path(dir) / "model.safetensors";
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(index)) {
    const nlohmann::json j = ReadJsonFile(index.string());
    const auto map = j.find("weight_map");
    HM_CHECK(map != j.end() && map->is_object(), index.string(), ": missing weight_map");
    std::set<std::string> shard_names;
    for (const auto& [name, shard] : map->items()) {
      HM_CHECK(shard.is_string(), index.string(), ": weight_map entry '", name, "' is not a file name");
      const std::string file = shard.get<std::string>();
      HM_CHECK(file.find('/') == std::string::npos && file != "..", index.string(),
               ": shard name '", file, "' must be a plain file name");
      shard_names.insert(file);
    }
    for (const std::string& file : shard_names) AddShard((fs::path(dir) / file).string());
    for (const auto& [name, shard] : map->items()) {
      const auto it = tensors_.find(name);
      HM_CHECK(it != tensors_.end(), index.string(), ": tensor '", name, "' is listed in ",
               shard.get<std::string>(), " but not stored there");
      HM_CHECK(fs::path(*it->second.file).filename() == shard.get<std::string>(), index.string(),
               ": tensor '", name, "' is listed in ", shard.get<std::string>(), " but stored in ",
               *it->second.file);
    }
  } else {
    HM_CHECK(fs::exists(single), dir, ": no model.safetensors or model.safetensors.index.json");
    AddShard(single.string());
  }
}

void CheckpointFiles::AddShard(const std::string& path) {
  shards_.push_back(std::make_unique<SafetensorsFile>(path));
  const SafetensorsFile& shard = *shards_.back();
  for (const SafetensorsEntry& e : shard.header().tensors) {
    const auto [it, inserted] = tensors_.emplace(e.name, Entry{shard.View(e), &shard.path()});
    HM_CHECK(inserted, path, ": tensor '", e.name, "' is also stored in ", *it->second.file);
  }
}

const TensorView* CheckpointFiles::Find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second.view;
}

const std::string& CheckpointFiles::FileOf(const std::string& name) const {
  return *tensors_.at(name).file;
}

std::vector<std::string> CheckpointFiles::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : tensors_) names.push_back(name);
  return names;
}

size_t CheckpointFiles::total_bytes() const {
  size_t n = 0;
  for (const auto& [name, entry] : tensors_) n += entry.view.nbytes();
  return n;
}

}  // namespace hm
