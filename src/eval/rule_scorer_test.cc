// The runner reaches the rules with the benchmark's own cut of the response.
#include "eval/rule_scorer.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm::eval {
namespace {

TEST(RuleScorer, ReachesTheRulesWithTheBenchmarksCut) {
  EvalSample s;
  s.kind = "multi_choice";
  s.prep = "answer_tag";
  s.choices = {"A. Ampicillin", "B. Ceftriaxone", "C. Doxycycline", "D. Nitrofurantoin"};
  s.answer = "D";
  EXPECT_EQ(RuleScorer(Scoring::kCompat)(s, "<answer>D</answer>").correct, true);
  EXPECT_EQ(RuleScorer(Scoring::kFixed)(s, "The answer is A.").correct, false);
  s.kind = "judgement";
  s.prep = "boxed_or_answer_tag_lower";
  s.answer = "yes";
  EXPECT_EQ(RuleScorer(Scoring::kCompat)(s, "\\boxed{Yes}").correct, true);
  // SLAKE's cut: an empty open answer scores 0 instead of raising.
  s.kind = "open_ended";
  s.prep = "boxed_or_answer_tag";
  s.answer = "Lung";
  const Verdict empty = RuleScorer(Scoring::kCompat)(s, "");
  EXPECT_TRUE(empty.error.empty()) << empty.error;
  s.kind = "bogus";
  EXPECT_THROW(RuleScorer(Scoring::kCompat)(s, "x"), Error);
}

}  // namespace
}  // namespace hm::eval
