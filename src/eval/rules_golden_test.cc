// Compat scoring against testdata/eval: verdicts MedUniEval's own functions gave on
// adversarial responses (tools/reference/make_eval_goldens.py). Every case must match:
// correctness and errors exactly, scores within 1e-9.
#include <cmath>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/rules.h"
#include "eval/score_file.h"

namespace hm::eval {
namespace {

// `key` names the verdict to compare: "expected" (compat) or "expected_fixed" (MMMU's rules run
// as MMMU intends them, which our fixed mode follows).
void ExpectFamilyMatches(const std::string& family, Scoring scoring = Scoring::kCompat,
                         const std::string& key = "expected") {
  const std::string path = std::string(HULUMED_SOURCE_DIR) + "/testdata/eval/" + family + ".jsonl";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  size_t cases = 0, matched = 0;
  size_t line_number = 0;
  for (std::string text; std::getline(in, text);) {
    ++line_number;
    nlohmann::json line = nlohmann::json::parse(text);
    const nlohmann::json& expected = line[key];
    Verdict v = ScoreResponse(ParseScoreInput(line, StrCat(path, ":", line_number)), scoring);
    ++cases;
    std::string context = line["id"].get<std::string>() + " response=" + line["response"].dump();
    bool ok = true;
    if (expected.contains("error")) {
      ok = v.error == expected["error"].get<std::string>();
      EXPECT_EQ(v.error, expected["error"].get<std::string>()) << context;
    } else {
      EXPECT_EQ(v.error, "") << context;
      ok = v.error.empty();
      if (expected["correct"].is_null()) {
        ok = ok && !v.correct;
        EXPECT_FALSE(v.correct.has_value()) << context;
      } else {
        ok = ok && v.correct && *v.correct == expected["correct"].get<bool>();
        EXPECT_EQ(v.correct.value_or(!expected["correct"].get<bool>()), expected["correct"].get<bool>()) << context;
      }
      std::map<std::string, double> got(v.scores.begin(), v.scores.end());
      EXPECT_EQ(got.size(), expected["scores"].size()) << context;
      ok = ok && got.size() == expected["scores"].size();
      for (const auto& [name, value] : expected["scores"].items()) {
        auto it = got.find(name);
        bool close = it != got.end() && std::fabs(it->second - value.get<double>()) <= 1e-9;
        EXPECT_TRUE(close) << context << " score " << name << ": got "
                           << (it == got.end() ? std::string("nothing") : std::to_string(it->second))
                           << ", MedUniEval " << value.get<double>();
        ok = ok && close;
      }
    }
    matched += ok ? 1 : 0;
  }
  std::printf("%s (%s): %zu/%zu verdicts match MedUniEval\n", family.c_str(), key.c_str(), matched, cases);
  EXPECT_GT(cases, 200u);
}

TEST(RulesGolden, MultiChoice) { ExpectFamilyMatches("multi_choice"); }
TEST(RulesGolden, Vqa) { ExpectFamilyMatches("vqa"); }
TEST(RulesGolden, ThreeD) { ExpectFamilyMatches("3d"); }
TEST(RulesGolden, Report) { ExpectFamilyMatches("report"); }
TEST(RulesGolden, Mmmu) { ExpectFamilyMatches("mmmu"); }
TEST(RulesGolden, MmmuFixedIsMmmusIntendedParse) { ExpectFamilyMatches("mmmu", Scoring::kFixed, "expected_fixed"); }

}  // namespace
}  // namespace hm::eval
