// The metric building blocks against values computed by CPython / NLTK / rouge by hand.
#include <cmath>

#include <gtest/gtest.h>

#include "eval/bleu.h"
#include "eval/porter_stemmer.h"
#include "eval/py_str.h"
#include "eval/sequence_matcher.h"

namespace hm::eval {
namespace {

TEST(PyStr, LowerStripSplitLikePython) {
  EXPECT_EQ(PyLower("ÀB\u0130Σ"), "àbi\u0307ς");  // U+0130 -> i + dot; final sigma
  EXPECT_EQ(PyStrip("\u3000 x y\u00a0\n"), "x y");
  EXPECT_EQ(PySplit("a\u2003b  c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(PySplit("a..b", "."), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(PyAfterLast("**answer**answer**", "**answer**"), "answer**");
  EXPECT_EQ(PyPrefix("héllo", 2), "hé");
}

TEST(SequenceMatcher, RatioAndAutojunk) {
  EXPECT_DOUBLE_EQ(SequenceMatcherRatio(U"abcd", U"bcde"), 0.75);
  EXPECT_DOUBLE_EQ(SequenceMatcherRatio(U"", U""), 1.0);
  // difflib.SequenceMatcher(None, "a. lung", "lung " * 60).ratio(): ' ', 'l', 'u', 'n', 'g'
  // are popular in b (60 > 300 // 100 + 1), so no match can start: 0.
  std::u32string b;
  for (int i = 0; i < 60; ++i) b += U"lung ";
  EXPECT_DOUBLE_EQ(SequenceMatcherRatio(U"a. lung", b), 0.0);
}

TEST(Bleu, FsumIsCorrectlyRounded) {
  EXPECT_EQ(PyFsum({0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}), 1.0);
  EXPECT_EQ(PyFsum({1e100, 1.0, -1e100, 1e-100}), 1.0);
}

TEST(Bleu, NoUnigramMatchIsZeroAndMethod0KeepsTinyScores) {
  std::vector<std::string> ref = {"the", "cat", "sat"}, hyp = {"a", "dog"};
  EXPECT_EQ(SentenceBleu(ref, hyp, {0.25, 0.25, 0.25, 0.25}, BleuSmoothing::kMethod0), 0.0);
  std::vector<std::string> hyp2 = {"the", "dog", "sat"};
  double method0 = SentenceBleu(ref, hyp2, {0.5, 0.5}, BleuSmoothing::kMethod0);
  EXPECT_GT(method0, 0.0);
  EXPECT_LT(method0, 1e-150);
  // method1: bigram precision 0.1 / 2; sqrt(2/3 * 0.05)
  EXPECT_NEAR(SentenceBleu(ref, hyp2, {0.5, 0.5}, BleuSmoothing::kMethod1), std::sqrt(2.0 / 3 * 0.05), 1e-15);
}

TEST(PorterStemmer, NltkExtensions) {
  EXPECT_EQ(PorterStem("running"), "run");
  EXPECT_EQ(PorterStem("skies"), "sky");
  EXPECT_EQ(PorterStem("dies"), "die");
  EXPECT_EQ(PorterStem("generalization"), "gener");
  EXPECT_EQ(PorterStem("is"), "is");
  EXPECT_EQ(PorterStem("abnormalities"), "abnorm");
}

}  // namespace
}  // namespace hm::eval
