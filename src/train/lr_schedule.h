// Linear warmup then half-cosine decay to zero, exactly as transformers'
// get_cosine_schedule_with_warmup (num_cycles 0.5) driven by HF Trainer: optimizer step k
// (0-based) runs at base_lr * Factor(k), so the first warmup step has rate 0.
#pragma once

#include <cstdint>

namespace hm {

class CosineSchedule {
 public:
  CosineSchedule(int64_t warmup_steps, int64_t total_steps);
  // HF TrainingArguments.get_warmup_steps: ceil(total_steps * warmup_ratio).
  static CosineSchedule FromRatio(int64_t total_steps, double warmup_ratio);

  double Factor(int64_t step) const;
  int64_t warmup_steps() const { return warmup_steps_; }
  int64_t total_steps() const { return total_steps_; }

 private:
  int64_t warmup_steps_;
  int64_t total_steps_;
};

}  // namespace hm
