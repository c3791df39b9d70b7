#include "runtime/sampler.h"

#include <gtest/gtest.h>

#include <map>
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
