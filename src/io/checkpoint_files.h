// The tensors of an HF checkpoint directory: model.safetensors, or the shards listed in
// model.safetensors.index.json, all memory-mapped. Names are exactly as stored; what they
// mean is the model layer's business.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/safetensors.h"

namespace hm {

class CheckpointFiles {
 public:
  // Throws hm::Error naming the file if no weights are found or any shard is invalid,
  // a tensor appears twice, or the index points at a missing shard or tensor.
  explicit CheckpointFiles(const std::string& dir);

  const std::string& dir() const { return dir_; }
  // Null if the checkpoint has no tensor of that name.
  const TensorView* Find(const std::string& name) const;
  // The shard file holding `name` (for error messages).
  const std::string& FileOf(const std::string& name) const;
  std::vector<std::string> Names() const;
  size_t total_bytes() const;

 private:
  struct Entry {
    TensorView view;
    const std::string* file;
  };
  void AddShard(const std::string& path);

  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> shards_;
  std::map<std::string, Entry> tensors_;
};

}  // namespace hm
