// bf16 compute with f32 master weights (a recipe's "compute_dtype": "bf16"): the bf16 copy of
// every master tensor that the linear layers read in bf16 (ops.h LinearForwardBf16), rounded
// once per optimizer step and shared by every worker, as torch.autocast casts a parameter once
// per step (its weight cast cache). The masters, the optimizer and the gradients stay f32.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/kernels.h"
#include "train/param_view.h"

namespace hm::train {

class Bf16Weights {
 public:
  // `params` (their value spans) must outlive this; nothing is rounded before Refresh.
  explicit Bf16Weights(std::span<const TrainParam> params);

  // Rounds the masters to bf16 (nearest even): all of them the first time, afterwards (after an
  // optimizer step) those of the groups `changed` names (all when it is empty): a frozen tower
  // keeps its copy.
  void Refresh(ThreadPool& pool, const std::function<bool(ModuleGroup)>& changed = {});

  // The bf16 copy of `master`, an f32 view of one of the params' values (same shape); an
  // hm::Error if it is none of them.
  kernels::Matrix Of(const kernels::Matrix& master) const;

 private:
  std::vector<std::span<const float>> masters_;
  std::vector<ModuleGroup> groups_;
  bool rounded_ = false;  // every copy made once
  std::vector<std::vector<uint16_t>> copies_;
  std::unordered_map<const void*, size_t> index_;  // master data -> its copy
};

}  // namespace hm::train
