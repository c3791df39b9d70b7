#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "core/error.h"

namespace hm {

namespace {
// Candidates sorted when the sorted head of the order first grows: enough for typical
// top-k / top-p settings in one pass.
constexpr size_t kFirstSorted = 256;
}  // namespace

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

  // Candidates by logit, descending, ties by id (a stable sort's order). Only a head of that
  // order is ever read, so it is sorted lazily: sorting all 152k ids per token cost more than
  // the rest of sampling together.
  order_.resize(static_cast<size_t>(vocab));
  for (int32_t i = 0; i < vocab; ++i) order_[static_cast<size_t>(i)] = i;
  size_t sorted = 0;
  auto at = [&](size_t i) {
    if (i >= sorted) {
      const size_t upto = std::min(order_.size(), std::max<size_t>({i + 1, 2 * sorted, kFirstSorted}));
      std::partial_sort(order_.begin() + static_cast<std::ptrdiff_t>(sorted),
                        order_.begin() + static_cast<std::ptrdiff_t>(upto), order_.end(), [&](int32_t a, int32_t b) {
                          const float la = logits[static_cast<size_t>(a)], lb = logits[static_cast<size_t>(b)];
                          return la > lb || (la == lb && a < b);
                        });
      sorted = upto;
    }
    return order_[i];
  };
  auto logit = [&](size_t i) { return logits[static_cast<size_t>(at(i))]; };
  size_t keep = order_.size();
  if (options_.top_k > 0 && static_cast<size_t>(options_.top_k) < keep) {
    // HF keeps every token tied with the k-th logit.
    const float kth = logit(static_cast<size_t>(options_.top_k) - 1);
    keep = static_cast<size_t>(options_.top_k);
    while (keep < order_.size() && logit(keep) == kth) ++keep;
  }
  const double max_logit = logit(0);
  auto prob = [&](size_t i) { return std::exp(double(logit(i)) - max_logit); };
  double total = 0;
  if (keep == order_.size()) {
    for (float l : logits) total += std::exp(double(l) - max_logit);
  } else {
    for (size_t i = 0; i < keep; ++i) total += prob(i);
  }
  if (options_.top_p < 1.0f) {
    // Smallest prefix whose probability mass reaches top_p (at least one token).
    double cumulative = 0, kept_total = 0;
    size_t n = 0;
    while (n < keep) {
      const double p = prob(n++);
      kept_total += p;
      cumulative += p / total;
      if (cumulative >= options_.top_p) break;
    }
    keep = n;
    total = kept_total;
  }
  double draw = std::uniform_real_distribution<double>(0.0, total)(rng_);
  for (size_t i = 0; i < keep; ++i) {
    draw -= prob(i);
    if (draw < 0) return at(i);
  }
  return at(keep - 1);
}

}  // namespace hm
