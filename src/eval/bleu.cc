#include "eval/bleu.h"

#include <cfloat>
#include <cmath>
#include <map>

namespace hm::eval {

double PyFsum(const std::vector<double>& values) {
  std::vector<double> partials;
  for (double x : values) {
    size_t i = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      double hi = x + y;
      double lo = y - (hi - x);
      if (lo != 0.0) partials[i++] = lo;
      x = hi;
    }
    partials.resize(i);
    partials.push_back(x);
  }
  size_t n = partials.size();
  if (n == 0) return 0.0;
  double hi = partials[--n], lo = 0.0;
  while (n > 0) {
    double x = hi, y = partials[--n];
    hi = x + y;
    double yr = hi - x;
    lo = y - yr;
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))) {
    double y = lo * 2.0;
    double x = hi + y;
    double yr = x - hi;
    if (y == yr) hi = x;
  }
  return hi;
}

namespace {

using Counts = std::map<std::vector<std::string>, long>;

Counts NgramCounts(const std::vector<std::string>& tokens, size_t n) {
  Counts counts;
  if (tokens.size() < n) return counts;
  for (size_t i = 0; i + n <= tokens.size(); ++i)
    ++counts[std::vector<std::string>(tokens.begin() + i, tokens.begin() + i + n)];
  return counts;
}

}  // namespace

double SentenceBleu(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis,
                    const std::vector<double>& weights, BleuSmoothing smoothing) {
  std::vector<long> numerators, denominators;
  for (size_t n = 1; n <= weights.size(); ++n) {
    Counts hyp = NgramCounts(hypothesis, n), ref = NgramCounts(reference, n);
    long clipped = 0, total = 0;
    for (const auto& [gram, count] : hyp) {
      auto r = ref.find(gram);
      clipped += std::min(count, r == ref.end() ? 0L : r->second);
      total += count;
    }
    numerators.push_back(clipped);
    denominators.push_back(std::max(1L, total));
  }
  long hyp_len = static_cast<long>(hypothesis.size()), ref_len = static_cast<long>(reference.size());
  double bp = hyp_len > ref_len ? 1.0
              : hyp_len == 0    ? 0.0
                                : std::exp(1.0 - static_cast<double>(ref_len) / static_cast<double>(hyp_len));
  if (numerators[0] == 0) return 0.0;
  std::vector<double> terms;
  for (size_t i = 0; i < weights.size(); ++i) {
    double p;
    if (numerators[i] != 0) p = static_cast<double>(numerators[i]) / static_cast<double>(denominators[i]);
    else if (smoothing == BleuSmoothing::kMethod0) p = DBL_MIN;
    else p = (0.0 + 0.1) / static_cast<double>(denominators[i]);
    if (p > 0) terms.push_back(weights[i] * std::log(p));
  }
  return bp * std::exp(PyFsum(terms));
}

}  // namespace hm::eval
