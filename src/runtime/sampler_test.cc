#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "core/error.h"

namespace hm {
namespace {

TEST(Sampler, GreedyTiesGoToLowestId) {
  Sampler s({});
  std::vector<float> logits = {0.5f, 2.0f, 2.0f, -1.0f};
  EXPECT_EQ(s.Next(logits, {}), 1);
}

TEST(Sampler, RepetitionPenaltyLikeHf) {
  SamplerOptions o;
  o.repetition_penalty = 2.0f;
  Sampler s(o);
  std::vector<float> logits = {3.0f, 2.0f, -1.0f};
  const std::vector<int32_t> history = {0, 0, 2};
  EXPECT_EQ(s.Next(logits, history), 1);  // 3/2 = 1.5 < 2
  EXPECT_FLOAT_EQ(logits[0], 1.5f);
  EXPECT_FLOAT_EQ(logits[2], -2.0f);  // negative logits are multiplied
}

TEST(Sampler, SeededSamplingIsReproducibleAndFollowsProbabilities) {
  SamplerOptions o;
  o.temperature = 1.0f;
  o.seed = 42;
  const std::vector<float> base = {0.0f, std::log(3.0f)};  // p = 1/4, 3/4
  Sampler a(o), b(o);
  std::map<int32_t, int> counts;
  for (int i = 0; i < 4000; ++i) {
    std::vector<float> la = base, lb = base;
    const int32_t x = a.Next(la, {});
    EXPECT_EQ(x, b.Next(lb, {}));
    counts[x]++;
  }
  EXPECT_NEAR(counts[1] / 4000.0, 0.75, 0.03);
}

TEST(Sampler, TopKAndTopPRestrictTheCandidates) {
  SamplerOptions o;
  o.temperature = 1.0f;
  o.top_k = 2;
  Sampler k(o);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> l = {1.0f, 5.0f, 4.9f, 0.0f};
    const int32_t x = k.Next(l, {});
    EXPECT_TRUE(x == 1 || x == 2);
  }
  o.top_k = 0;
  o.top_p = 0.5f;  // the top token alone has p > 0.5
  Sampler p(o);
  for (int i = 0; i < 200; ++i) {
    std::vector<float> l = {0.0f, 3.0f, 1.0f};
    EXPECT_EQ(p.Next(l, {}), 1);
  }
}

// What the sampler must draw: the whole vocabulary stable-sorted by logit, then top-k with
// ties, top-p and a draw over the kept prefix, all with the same seeded generator.
std::vector<int32_t> FullSortDraws(const SamplerOptions& o, const std::vector<float>& logits, int draws) {
  std::mt19937_64 rng(o.seed);
  std::vector<int32_t> ids;
  for (int t = 0; t < draws; ++t) {
    std::vector<float> l = logits;
    for (float& x : l) x /= o.temperature;
    std::vector<int32_t> order(l.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return l[a] > l[b]; });
    size_t keep = order.size();
    if (o.top_k > 0) {
      keep = static_cast<size_t>(o.top_k);
      while (keep < order.size() && l[order[keep]] == l[order[o.top_k - 1]]) ++keep;
    }
    std::vector<double> p(keep);
    double total = 0;
    for (size_t i = 0; i < keep; ++i) total += p[i] = std::exp(double(l[order[i]]) - l[order[0]]);
    if (o.top_p < 1.0f) {
      double cumulative = 0, kept = 0;
      size_t n = 0;
      while (n < keep && (kept += p[n], cumulative += p[n++] / total) < o.top_p) {
      }
      keep = n;
      total = kept;
    }
    double draw = std::uniform_real_distribution<double>(0.0, total)(rng);
    size_t i = 0;
    while (i + 1 < keep && (draw -= p[i]) >= 0) ++i;
    ids.push_back(order[i]);
  }
  return ids;
}

// The sampler sorts only the head of the order it reads; the draws must be exactly those of
// a full sort, with ties (logits on a 1/4 grid) and deep walks (a flat distribution).
TEST(Sampler, LazySortingDrawsWhatAFullSortWould) {
  std::mt19937 gen(3);
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> logits(20000);
  for (float& x : logits) x = std::round(normal(gen) * 4) / 4;
  for (float temperature : {0.5f, 4.0f})
    for (int top_k : {0, 40, 3000})
      for (float top_p : {1.0f, 0.9f, 0.999f}) {
        SamplerOptions o;
        o.temperature = temperature;
        o.top_k = top_k;
        o.top_p = top_p;
        o.seed = 11;
        Sampler sampler(o);
        const std::vector<int32_t> want = FullSortDraws(o, logits, 30);
        for (int t = 0; t < 30; ++t) {
          std::vector<float> l = logits;
          ASSERT_EQ(sampler.Next(l, {}), want[static_cast<size_t>(t)])
              << "draw " << t << " temperature " << temperature << " top_k " << top_k << " top_p " << top_p;
        }
      }
}

TEST(Sampler, RejectsBadOptions) {
  SamplerOptions o;
  o.top_p = 0.0f;
  EXPECT_THROW(Sampler{o}, Error);
  o = {};
  o.temperature = -1.0f;
  EXPECT_THROW(Sampler{o}, Error);
}

}  // namespace
}  // namespace hm
