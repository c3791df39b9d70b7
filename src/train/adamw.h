// AdamW with decoupled weight decay, step for step as torch.optim.AdamW (amsgrad off,
// single-tensor path): f32 moments and updates, bias corrections in double.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "train/group_lrs.h"
#include "train/param_view.h"

namespace hm {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // applied only to params with `decay` set
};

class AdamW {
 public:
  // One moment pair per parameter, zero-initialised, sized like `params`.
  AdamW(std::span<const TrainParam> params, AdamWOptions options);

  // Updates every parameter whose group trains under `lrs` (rates already scheduled) from its
  // gradient; frozen groups keep their values and state.
  void Step(std::span<TrainParam> params, const GroupLrs& lrs);

  const AdamWOptions& options() const { return options_; }
  size_t size() const { return states_.size(); }

  // The per-parameter state, for checkpoints.
  struct State {
    int64_t step = 0;              // updates this parameter has had
    std::vector<float> exp_avg;    // m
    std::vector<float> exp_avg_sq; // v
  };
  State& state(size_t i) { return states_[i]; }
  const State& state(size_t i) const { return states_[i]; }

 private:
  AdamWOptions options_;
  std::vector<State> states_;
};

}  // namespace hm
