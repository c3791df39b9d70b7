#include "train/bf16_weights.h"

#include "core/dtype.h"
#include "core/error.h"

namespace hm::train {

Bf16Weights::Bf16Weights(std::span<const TrainParam> params) {
  for (const TrainParam& p : params) {
    index_[p.value.data()] = masters_.size();
    masters_.push_back(p.value);
    groups_.push_back(p.group);
    copies_.emplace_back(p.value.size());
  }
}

void Bf16Weights::Refresh(ThreadPool& pool, const std::function<bool(ModuleGroup)>& changed) {
  const bool all = !rounded_ || !changed;
  rounded_ = true;
  pool.ParallelFor(static_cast<int64_t>(masters_.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (!all && !changed(groups_[i])) continue;
      const std::span<const float> master = masters_[i];
      uint16_t* copy = copies_[i].data();
      for (size_t j = 0; j < master.size(); ++j) copy[j] = F32ToBF16(master[j]);
    }
  });
}

kernels::Matrix Bf16Weights::Of(const kernels::Matrix& master) const {
  const auto it = index_.find(master.data);
  HM_CHECK(master.dtype == DType::kF32 && master.blocks == kernels::BlockType::kNone && it != index_.end(),
           "bf16 compute: a weight that is not an f32 master");
  HM_CHECK(static_cast<size_t>(master.rows * master.cols) <= copies_[it->second].size(),
           "bf16 compute: a weight view larger than its master");
  return kernels::Matrix{DType::kBF16, master.rows, master.cols, copies_[it->second].data()};
}

}  // namespace hm::train
