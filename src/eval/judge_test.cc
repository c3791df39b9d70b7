// The LLM judge: MedUniEval's prompt verbatim, verdicts override the rule for the samples the
// benchmark has judged, are cached so a rerun asks nothing, and a judge that cannot be
// reached counts wrong without being cached.
#include "eval/judge.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/scratch_dir_testing.h"
#include "eval/benchmarks.h"
#include "eval/fake_endpoint.h"
#include "eval/jsonl.h"
#include "eval/runner.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;
const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

TEST(Judge, PromptIsMedUniEvalsCharacterForCharacter) {
  // From utils.get_compare_messages("Q?", "resp", "ans") in Python.
  EXPECT_EQ(JudgePrompt("Q?", "resp", "ans"),
            "\nYour task is to determine whether the user's answer is correct based on the provided questions and "
            "standard answers (for example, if the user expresses a similar meaning to the standard answer, or another "
            "interpretation of the standard answer, it is considered correct.)\n\nThe question is: Q?\n\nThe standard "
            "answer: ans\n\nThe user's answer: resp\n\nPlease strictly follow the following format for output(0 "
            "represents correct, 1 represents incorrect):\n<think>{your concise think step}</think>\n<judge>{0/1}</judge>"
            "\n\nfor example:\n<think>The standard answer is right, and the user's answer is right frontal lobe, they "
            "express the same meaning, so it is correct.</think>\n<judge>0</judge>\n    ");
  EXPECT_TRUE(JudgeSaysCorrect("<think>x</think>\n<judge> 0 </judge>"));
  EXPECT_FALSE(JudgeSaysCorrect("<judge>1</judge>"));
  EXPECT_FALSE(JudgeSaysCorrect("no tag"));
  EXPECT_TRUE(JudgeSaysCorrect("0"));  // extract() falls back to the whole reply
}

// VQA-RAD responses written as a model would have: right on one open question, wrong on the other.
std::string WriteResponses(const ScratchDir& scratch) {
  const std::string dir = scratch.path().string();
  std::vector<nlohmann::ordered_json> lines;
  for (const EvalSample& s : LoadBenchmark(FindBenchmark("VQA_RAD"), {kData})) {
    auto r = SampleRecord(s);
    r["model"] = "m";
    r["response"] = s.answer == "liver" ? "\\boxed{liver}" : "kidney";
    lines.push_back(r);
  }
  WriteJsonLines(dir + "/responses.jsonl", lines);
  return dir;
}

Verdict RuleSaysWrong(const EvalSample&, const std::string&) { return {false, {}, ""}; }
std::string Unbox(const EvalSample&, const std::string& r) { return r == "\\boxed{liver}" ? "liver" : r; }

TEST(Judge, DecidesOpenQuestionsOnceAndRecordsItsModel) {
  FakeEndpoint server;
  ScratchDir scratch;
  const std::string dir = WriteResponses(scratch);
  Judge judge({server.url(), "judge-model"}, dir + "/judge.jsonl");
  const JudgeStep step{&judge, JudgeScope::kOpenQuestions, Unbox};
  const auto metrics = ScoreResponses(dir, MetricsLayout::kOpenClose, RuleSaysWrong, step);
  EXPECT_EQ(judge.asked(), 2);
  EXPECT_EQ(metrics["open"]["right"], 1);   // the judge overrides the rule on open questions
  EXPECT_EQ(metrics["close"]["right"], 0);  // and leaves closed ones alone
  EXPECT_EQ(metrics["judge_model"], "judge-model");
  const auto scored = ReadJsonLines(dir + "/scored.jsonl");
  EXPECT_EQ(scored[2]["judge"]["model"], "judge-model");
  EXPECT_EQ(scored[2]["verdict"]["correct"], true);
  EXPECT_FALSE(scored[0].contains("judge"));
  EXPECT_EQ(server.requests().back().body["max_tokens"], 4000);

  Judge again({server.url(), "judge-model"}, dir + "/judge.jsonl");
  const auto cached = ScoreResponses(dir, MetricsLayout::kOpenClose, RuleSaysWrong, {&again, JudgeScope::kOpenQuestions, Unbox});
  EXPECT_EQ(again.asked(), 0);
  EXPECT_EQ(cached.dump(), metrics.dump());
}

TEST(Judge, AnUnreachableJudgeCountsWrongAndIsAskedAgainNextTime) {
  FakeEndpoint server;
  server.FailPromptsContaining("The question is", 400);
  ScratchDir scratch;
  const std::string dir = WriteResponses(scratch);
  Judge judge({server.url(), "judge-model"}, dir + "/judge.jsonl");
  const auto metrics = ScoreResponses(dir, MetricsLayout::kOpenClose, RuleSaysWrong, {&judge, JudgeScope::kAllQuestions, Unbox});
  EXPECT_EQ(metrics["total metrics"]["right"], 0);
  const auto scored = ReadJsonLines(dir + "/scored.jsonl");
  EXPECT_NE(scored[0]["judge"]["error"].get<std::string>().find("HTTP 400"), std::string::npos);
  server.FailPromptsContaining("", 400);
  Judge retry({server.url(), "judge-model"}, dir + "/judge.jsonl");
  const auto later = ScoreResponses(dir, MetricsLayout::kOpenClose, RuleSaysWrong, {&retry, JudgeScope::kAllQuestions, Unbox});
  EXPECT_EQ(retry.asked(), 4);
  EXPECT_EQ(later["total metrics"]["right"], 1);
}

}  // namespace
}  // namespace hm::eval
