#include "train/adamw.h"

#include <cmath>

#include "core/error.h"

namespace hm {

AdamW::AdamW(std::span<const TrainParam> params, AdamWOptions options) : options_(options) {
  states_.resize(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    states_[i].exp_avg.assign(params[i].value.size(), 0.0f);
    states_[i].exp_avg_sq.assign(params[i].value.size(), 0.0f);
  }
}

void AdamW::Step(std::span<TrainParam> params, const GroupLrs& lrs) {
  HM_CHECK(params.size() == states_.size(), "AdamW: ", params.size(), " parameters, state for ", states_.size());
  const double beta1 = options_.beta1, beta2 = options_.beta2;
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float one_minus_b1 = static_cast<float>(1 - beta1), one_minus_b2 = static_cast<float>(1 - beta2);
  const float eps = static_cast<float>(options_.eps);
  for (size_t i = 0; i < params.size(); ++i) {
    TrainParam& p = params[i];
    if (!lrs.Trains(p.group)) continue;
    State& s = states_[i];
    HM_CHECK(p.value.size() == s.exp_avg.size() && p.grad.size() == p.value.size(), "AdamW: parameter ", p.name,
             " changed size");
    const double lr = *lrs.Of(p.group);
    s.step += 1;
    const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(s.step));
    const float decay = static_cast<float>(1 - lr * (p.decay ? options_.weight_decay : 0.0));
    const float step_size = static_cast<float>(lr / bias_correction1);
    const float bias_correction2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    float* value = p.value.data();
    const float* grad = p.grad.data();
    float* m = s.exp_avg.data();
    float* v = s.exp_avg_sq.data();
    for (size_t j = 0; j < p.value.size(); ++j) {
      // p <- p (1 - lr wd);  m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2
      // p <- p - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
      value[j] *= decay;
      m[j] = m[j] * b1 + grad[j] * one_minus_b1;
      v[j] = v[j] * b2 + grad[j] * grad[j] * one_minus_b2;
      float denom = std::sqrt(v[j]) / bias_correction2_sqrt + eps;
      value[j] += -step_size * (m[j] / denom);
    }
  }
}

}  // namespace hm
