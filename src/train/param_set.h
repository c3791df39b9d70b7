// The trainable state of a checkpoint: an f32 master copy of every tensor and a gradient of
// the same size, named exactly as the checkpoint names them, in the checkpoint's layout order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/config.h"
#include "train/param_view.h"

namespace hm {

// Which learning-rate group a checkpoint tensor belongs to, by its HF name.
ModuleGroup GroupOfTensor(const std::string& name);

class ParamSet {
 public:
  // Reads config.json and the safetensors of an HF checkpoint directory (f32, bf16 or f16),
  // validating every name and shape as `run` does; throws hm::Error naming the problem.
  static ParamSet FromCheckpoint(const std::string& dir);

  ParamSet(ParamSet&&) = default;
  ParamSet& operator=(ParamSet&&) = default;

  const ModelConfig& config() const { return config_; }
  bool qk_norm() const { return qk_norm_; }

  // Views over the master values and grads; stable for the set's lifetime.
  std::vector<TrainParam>& params() { return params_; }
  const std::vector<TrainParam>& params() const { return params_; }
  const std::vector<int64_t>& shape(size_t i) const { return shapes_[i]; }

  // hm::Error if the checkpoint has no such tensor.
  TrainParam& Get(const std::string& name);
  bool Has(const std::string& name) const { return index_.count(name) != 0; }

  void ZeroGrads();

  // A set that shares this one's master values (this set must outlive it) and has gradients
  // of its own, zero: parallel workers each accumulate into one, then they are summed.
  ParamSet GradientReplica() const;

 private:
  ParamSet() = default;

  ModelConfig config_;
  bool qk_norm_ = false;
  std::vector<std::vector<float>> values_, grads_;  // own the storage the views point at
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<TrainParam> params_;
  std::map<std::string, size_t> index_;
};

}  // namespace hm
