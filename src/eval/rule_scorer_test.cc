// The benchmark's cut of the response before its rule, and the rules reached through ScoreFn.
#include "eval/rule_scorer.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm::eval {
namespace {

TEST(RuleScorer, CutsTheResponseAsEachBenchmarkDoes) {
  EXPECT_EQ(PrepareResponse("", " <answer>B</answer> "), " <answer>B</answer> ");
  EXPECT_EQ(PrepareResponse("answer_tag", "think... <answer>B</answer>"), "B");
  EXPECT_EQ(PrepareResponse("answer_tag", "B."), "B.");
  EXPECT_EQ(PrepareResponse("boxed_or_answer_tag", "so \\boxed{Left Lung} <answer>x</answer>"), "Left Lung");
  EXPECT_EQ(PrepareResponse("boxed_or_answer_tag", "<answer> Liver </answer>"), "Liver");
  EXPECT_EQ(PrepareResponse("boxed_or_answer_tag_lower", "  Liver \n"), "liver");
  EXPECT_EQ(PrepareResponse("report_headings", "Findings: clear. Impression: normal."), " clear.  normal.");
  EXPECT_THROW(PrepareResponse("nope", "x"), Error);
}

TEST(RuleScorer, ReachesTheRulesInBothModes) {
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
  s.kind = "bogus";
  EXPECT_THROW(RuleScorer(Scoring::kCompat)(s, "x"), Error);
}

}  // namespace
}  // namespace hm::eval
