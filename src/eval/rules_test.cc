// The fixed mode: each MedUniEval quirk that compat keeps, and the correction fixed makes.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/rules.h"

namespace hm::eval {
namespace {

Verdict Score(RuleKind kind, const std::string& answer, const std::string& response, Scoring scoring,
              std::vector<std::string> choices = {}) {
  return ScoreResponse({kind, std::move(choices), answer, response, std::nullopt}, scoring);
}

double ScoreOf(const Verdict& v, const std::string& name) {
  for (const auto& [n, value] : v.scores)
    if (n == name) return value;
  ADD_FAILURE() << "no score " << name;
  return -1;
}

const std::vector<std::string> kChoices = {"A. Pneumonia", "B. Tuberculosis", "C. Lung cancer"};

TEST(Rules, MultiChoiceFuzzyTieGoesToOptionAOnlyInCompat) {
  // Nothing resembles any option: every ratio is 0 and compat picks A.
  EXPECT_TRUE(*Score(RuleKind::kMultiChoice, "A", "zzz", Scoring::kCompat, kChoices).correct);
  EXPECT_FALSE(*Score(RuleKind::kMultiChoice, "A", "zzz", Scoring::kFixed, kChoices).correct);
  EXPECT_TRUE(*Score(RuleKind::kMultiChoice, "B", "The answer is B.", Scoring::kFixed, kChoices).correct);
  EXPECT_TRUE(*Score(RuleKind::kMultiChoice, "B", "\\boxed{B}", Scoring::kCompat, kChoices).correct);
}

TEST(Rules, MultiChoiceWithoutChoicesRaisesInCompat) {
  EXPECT_EQ(Score(RuleKind::kMultiChoice, "A", "zzz", Scoring::kCompat).error, "IndexError: list index out of range");
  EXPECT_EQ(Score(RuleKind::kMultiChoice, "A", "zzz", Scoring::kFixed).error, "");
}

TEST(Rules, JudgementSubstringRule) {
  // "no" inside "nodule": both yes and no are found, so compat says wrong.
  EXPECT_FALSE(*Score(RuleKind::kJudgement, "yes", "Yes, a nodule is present", Scoring::kCompat).correct);
  EXPECT_TRUE(*Score(RuleKind::kJudgement, "yes", "Yes, a nodule is present", Scoring::kFixed).correct);
  // "no" inside "not": compat counts it as a no.
  EXPECT_TRUE(*Score(RuleKind::kJudgement, "no", "I am not sure", Scoring::kCompat).correct);
  EXPECT_FALSE(*Score(RuleKind::kJudgement, "no", "I am not sure", Scoring::kFixed).correct);
}

TEST(Rules, BareBoxedMentionBecomesNoneOnlyInCompat) {
  EXPECT_FALSE(*Score(RuleKind::kCloseEnded, "ct", "boxed answer: ct", Scoring::kCompat).correct);
  EXPECT_TRUE(*Score(RuleKind::kCloseEnded, "ct", "boxed answer: ct", Scoring::kFixed).correct);
}

TEST(Rules, CloseEndedIgnoresSpacesOnlyInFixed) {
  EXPECT_FALSE(*Score(RuleKind::kCloseEnded, "left lung", "Answer: left lung", Scoring::kCompat).correct);
  EXPECT_TRUE(*Score(RuleKind::kCloseEnded, "left lung", "Answer: left lung", Scoring::kFixed).correct);
}

TEST(Rules, OpenEndedKeysSwappedInCompat) {
  // response {right, lower, lobe, pneumonia} vs answer {right, lower, lobe}: P = 3/4, R = 1.
  Verdict compat = Score(RuleKind::kOpenEnded, "right lower lobe", "right lower lobe pneumonia", Scoring::kCompat);
  Verdict fixed = Score(RuleKind::kOpenEnded, "right lower lobe", "right lower lobe pneumonia", Scoring::kFixed);
  double f1 = 2 * 0.75 / 1.75;
  EXPECT_DOUBLE_EQ(ScoreOf(compat, "precision"), f1);
  EXPECT_DOUBLE_EQ(ScoreOf(compat, "recall"), 0.75);
  EXPECT_DOUBLE_EQ(ScoreOf(compat, "f1"), 1.0);
  EXPECT_DOUBLE_EQ(ScoreOf(fixed, "precision"), 0.75);
  EXPECT_DOUBLE_EQ(ScoreOf(fixed, "recall"), 1.0);
  EXPECT_DOUBLE_EQ(ScoreOf(fixed, "f1"), f1);
}

TEST(Rules, EmptyOpenAnswerRaisesInCompatScoresZeroInFixed) {
  EXPECT_EQ(Score(RuleKind::kOpenEnded, "liver", "", Scoring::kCompat).error, "ValueError: Hypothesis is empty.");
  Verdict fixed = Score(RuleKind::kOpenEnded, "liver", "", Scoring::kFixed);
  EXPECT_EQ(fixed.error, "");
  EXPECT_EQ(ScoreOf(fixed, "rouge1"), 0.0);
  EXPECT_EQ(ScoreOf(fixed, "f1"), 0.0);
}

TEST(Rules, Closed3dLetterOfAnyWordOnlyInCompat) {
  EXPECT_TRUE(*Score(RuleKind::kClosed3d, "B", "bilateral", Scoring::kCompat).correct);
  EXPECT_FALSE(*Score(RuleKind::kClosed3d, "B", "bilateral", Scoring::kFixed).correct);
  EXPECT_TRUE(*Score(RuleKind::kClosed3d, "B. Sagittal", "b) sagittal", Scoring::kFixed).correct);
}

TEST(Rules, Open3dBleu3WeightsAndPeriodCap) {
  // p1 = 3/4, p2 = 2/3, p3 = 1/2: compat weighs each by 0.33, fixed by 1/3.
  Verdict compat = Score(RuleKind::kOpen3d, "a b c d", "a b c x", Scoring::kCompat);
  Verdict fixed = Score(RuleKind::kOpen3d, "a b c d", "a b c x", Scoring::kFixed);
  double log_sum = std::log(0.75) + std::log(2.0 / 3) + std::log(0.5);
  EXPECT_NEAR(ScoreOf(compat, "bleu3"), std::exp(0.33 * log_sum), 1e-12);
  EXPECT_NEAR(ScoreOf(fixed, "bleu3"), std::exp(log_sum / 3), 1e-12);
  // 40 "x." words: compat's normalize_word removes only the first 32 periods, so 8 words
  // stay "x." and miss the reference "x".
  std::string dots;
  for (int i = 0; i < 40; ++i) dots += "x. ";
  EXPECT_DOUBLE_EQ(ScoreOf(Score(RuleKind::kOpen3d, "x", dots, Scoring::kCompat), "precision"), 0.8);
  EXPECT_DOUBLE_EQ(ScoreOf(Score(RuleKind::kOpen3d, "x", dots, Scoring::kFixed), "precision"), 1.0);
}

TEST(Rules, LongSentenceHitsPythonsRecursionLimitOnlyInCompat) {
  std::string words;
  for (int i = 0; i < 988; ++i) words += "w ";  // 13 + 988 frames > 1000
  EXPECT_EQ(Score(RuleKind::kOpenEnded, "liver", words, Scoring::kCompat).error,
            "RecursionError: maximum recursion depth exceeded in comparison");
  EXPECT_EQ(Score(RuleKind::kOpenEnded, "liver", words.substr(2), Scoring::kCompat).error, "");
  EXPECT_EQ(Score(RuleKind::kOpenEnded, "liver", words, Scoring::kFixed).error, "");
}

TEST(Rules, SlakeCutKeepsWhitespaceAndGuardsEmptyResponses) {
  ScoreInput in{RuleKind::kOpenEnded, {}, "Liver", "Liver\n", std::string("boxed_or_answer_tag")};
  EXPECT_FALSE(*ScoreResponse(in, Scoring::kCompat).correct);
  EXPECT_TRUE(*ScoreResponse(in, Scoring::kFixed).correct);
  in.prep = std::nullopt;  // VQA-RAD's cut strips
  EXPECT_TRUE(*ScoreResponse(in, Scoring::kCompat).correct);
  in = {RuleKind::kOpenEnded, {}, "Liver", " ", std::string("boxed_or_answer_tag")};
  EXPECT_EQ(ScoreResponse(in, Scoring::kCompat).error, "");  // SLAKE scores 0 where VQA-RAD raises
  in.prep = std::nullopt;
  EXPECT_EQ(ScoreResponse(in, Scoring::kCompat).error, "ValueError: Hypothesis is empty.");
}

TEST(Rules, ReportRougeOnDotsRaisesInCompat) {
  EXPECT_EQ(Score(RuleKind::kReport, "The heart is normal.", "...", Scoring::kCompat).error,
            "ValueError: Hypothesis is empty.");
  EXPECT_EQ(Score(RuleKind::kReport, "The heart is normal.", "...", Scoring::kFixed).error, "");
}

TEST(Rules, MmmuOpenAnswersNeverMatchInCompatButParseInFixed) {
  // MedUniEval hands eval_open the response string, whose characters cannot hold "12".
  EXPECT_FALSE(*Score(RuleKind::kMmmuOpen, "12", "The answer is 12.", Scoring::kCompat).correct);
  EXPECT_TRUE(*Score(RuleKind::kMmmuOpen, "12", "The answer is 12.", Scoring::kFixed).correct);
  EXPECT_TRUE(*Score(RuleKind::kMmmuOpen, "1,000", "so the result is 1000.00", Scoring::kFixed).correct);
  EXPECT_TRUE(*Score(RuleKind::kMmmuOpen, "", "anything", Scoring::kCompat).correct);  // "" is in every character
}

TEST(Rules, MmmuUnparsedChoiceIsAReproducibleGuessInCompatAndWrongInFixed) {
  const std::vector<std::string> choices = {"A. Aorta", "B. Vena cava", "C. Apex"};
  int right = 0;
  for (const char* answer : {"A", "B", "C"}) {
    const Verdict first = Score(RuleKind::kMmmuChoice, answer, "no idea", Scoring::kCompat, choices);
    EXPECT_EQ(*first.correct, *Score(RuleKind::kMmmuChoice, answer, "no idea", Scoring::kCompat, choices).correct);
    right += *first.correct;
    EXPECT_FALSE(*Score(RuleKind::kMmmuChoice, answer, "no idea", Scoring::kFixed, choices).correct);
  }
  EXPECT_EQ(right, 1);  // one letter drawn
  EXPECT_TRUE(*Score(RuleKind::kMmmuChoice, "B", "(A) is tempting but (B)", Scoring::kFixed, choices).correct);
}

TEST(Rules, MmmuNumbersInAVeryLongResponse) {
  const std::string digits(50000, '7');
  EXPECT_FALSE(*Score(RuleKind::kMmmuOpen, "12", "the answer is " + digits, Scoring::kFixed).correct);
  EXPECT_TRUE(*Score(RuleKind::kMmmuOpen, "12", digits + "\nso 12", Scoring::kFixed).correct);
}

}  // namespace
}  // namespace hm::eval
