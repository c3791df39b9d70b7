#include "train/grad_clip.h"

#include <algorithm>
#include <cmath>

namespace hm {

double GlobalGradNorm(std::span<const TrainParam> params, const GroupLrs& lrs) {
  double sum_sq = 0;
  for (const TrainParam& p : params) {
    if (!lrs.Trains(p.group)) continue;
    for (float g : p.grad) sum_sq += static_cast<double>(g) * g;
  }
  return std::sqrt(sum_sq);
}

double ClipGradNorm(std::span<TrainParam> params, const GroupLrs& lrs, double max_norm) {
  double norm = GlobalGradNorm(params, lrs);
  if (max_norm <= 0 || !std::isfinite(norm)) return norm;
  float coef = static_cast<float>(std::min(1.0, max_norm / (norm + 1e-6)));
  if (coef == 1.0f) return norm;
  for (TrainParam& p : params) {
    if (!lrs.Trains(p.group)) continue;
    for (float& g : p.grad) g *= coef;
  }
  return norm;
}

}  // namespace hm
