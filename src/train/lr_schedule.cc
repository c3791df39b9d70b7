#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace hm {

CosineSchedule::CosineSchedule(int64_t warmup_steps, int64_t total_steps)
    : warmup_steps_(warmup_steps), total_steps_(total_steps) {
  HM_CHECK(total_steps > 0, "schedule: total steps must be positive, got ", total_steps);
  HM_CHECK(warmup_steps >= 0 && warmup_steps <= total_steps, "schedule: warmup steps ", warmup_steps,
           " outside [0, ", total_steps, "]");
}

CosineSchedule CosineSchedule::FromRatio(int64_t total_steps, double warmup_ratio) {
  HM_CHECK(warmup_ratio >= 0 && warmup_ratio <= 1, "schedule: warmup ratio ", warmup_ratio, " outside [0, 1]");
  return CosineSchedule(static_cast<int64_t>(std::ceil(static_cast<double>(total_steps) * warmup_ratio)),
                        total_steps);
}

double CosineSchedule::Factor(int64_t step) const {
  if (step < warmup_steps_) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_steps_));
  double progress = static_cast<double>(step - warmup_steps_) /
                    static_cast<double>(std::max<int64_t>(1, total_steps_ - warmup_steps_));
  return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
}

}  // namespace hm
