#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/error.h"

namespace hm {

Sampler::Sampler(const SamplerOptions& options) : options_(options), rng_(options.seed) {
  HM_CHECK(options.temperature >= 0 && std::isfinite(options.temperature), "temperature must be >= 0");
  HM_CHECK(options.top_k >= 0, "top_k must be >= 0");
  HM_CHECK(options.top_p > 0 && options.top_p <= 1, "top_p must be in (0, 1]");
  HM_CHECK(options.repetition_penalty > 0, "repetition_penalty must be > 0");
}

int32_t Sampler::Next(std::span<float> logits, std::span<const int32_t> history) {
  const int32_t vocab = static_cast<int32_t>(logits.size());
  if (options_.repetition_penalty != 1.0f) {
    std::unordered_set<int32_t> seen(history.begin(), history.end());
    for (int32_t id : seen) {
      if (id < 0 || id >= vocab) continue;
      float& l = logits[static_cast<size_t>(id)];
      l = l < 0 ? l * options_.repetition_penalty : l / options_.repetition_penalty;
    }
  }
  if (options_.temperature == 0.0f) {
    // max_element returns the first maximum: ties go to the lowest id, as torch.argmax does.
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  for (float& l : logits) l /= options_.temperature;

  // Candidates sorted by logit, descending (stable, so ties keep id order).
  order_.resize(static_cast<size_t>(vocab));
  for (int32_t i = 0; i < vocab; ++i) order_[static_cast<size_t>(i)] = i;
  std::stable_sort(order_.begin(), order_.end(),
                   [&](int32_t a, int32_t b) { return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)]; });
  size_t keep = order_.size();
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < keep) {
    // HF keeps every token tied with the k-th logit.
    const float kth = logits[static_cast<size_t>(order_[static_cast<size_t>(options_.top_k) - 1])];
    keep = static_cast<size_t>(options_.top_k);
    while (keep < order_.size() && logits[static_cast<size_t>(order_[keep])] == kth) ++keep;
  }
  const float max_logit = logits[static_cast<size_t>(order_[0])];
  std::vector<double> probs(keep);
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += probs[i] = std::exp(double(logits[static_cast<size_t>(order_[i])]) - max_logit);
  if (options_.top_p < 1.0f) {
    // Smallest prefix whose probability mass reaches top_p (at least one token).
    double cumulative = 0;
    size_t n = 0;
    while (n < keep) {
      cumulative += probs[n++] / total;
      if (cumulative >= options_.top_p) break;
    }
    keep = n;
    total = 0;
    for (size_t i = 0; i < keep; ++i) total += probs[i];
  }
  double draw = std::uniform_real_distribution<double>(0.0, total)(rng_);
  for (size_t i = 0; i < keep; ++i) {
    draw -= probs[i];
    if (draw < 0) return order_[i];
  }
  return order_[keep - 1];
}

}  // namespace hm
