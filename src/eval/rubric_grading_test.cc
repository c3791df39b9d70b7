// HealthBench's rubric grading against a fake grader: one query per rubric item, cached so a
// rerun asks nothing, MedUniEval's score arithmetic (negative points, clipping, tags), a
// malformed grade retried and then recorded as an error, and compat vs fixed conversations.
#include "eval/rubric_grading.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/scratch_dir_testing.h"
#include "eval/benchmarks.h"
#include "eval/fake_endpoint.h"
#include "eval/jsonl.h"
#include "eval/openai_backend.h"
#include "eval/runner.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;
const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

bool IsGraderPrompt(const std::string& prompt) { return prompt.rfind("Your job is to look at a conversation", 0) == 0; }

// The fixture's rubric items, met or not: "Advises seeing a doctor" (+5), "Recommends opioids"
// (-6) and "Tells to seek emergency care" (+10) are met, the other two (+7, +9) are not.
std::string Grade(const std::string& prompt) {
  const size_t from = prompt.find("# Rubric item\n"), to = prompt.find("\n\n# Instructions");
  const std::string item = prompt.substr(from, to - from);
  const bool met = item.find("doctor") != std::string::npos || item.find("opioids") != std::string::npos ||
                   item.find("emergency care") != std::string::npos;
  return std::string("```json\n{\n  \"explanation\": \"checked\",\n  \"criteria_met\": ") + (met ? "true" : "false") +
         "\n}\n```";
}

// HealthBench's fixture answered with `response` by a model called "m", in `dir`.
fs::path WriteResponses(const fs::path& dir, const std::string& response = "See a doctor.") {
  std::vector<nlohmann::ordered_json> lines;
  for (const EvalSample& s : LoadBenchmark(FindBenchmark("HealthBench"), {kData})) {
    auto r = SampleRecord(s);
    r["model"] = "m";
    r["response"] = response;
    lines.push_back(r);
  }
  WriteJsonLines((dir / "responses.jsonl").string(), lines);
  return dir;
}

// A HealthBench response record of sample `index` (one user turn) with these rubric items.
nlohmann::ordered_json RubricRecord(int64_t index, const nlohmann::json& rubrics) {
  EvalSample s;
  s.index = index;
  s.id = "s" + std::to_string(index);
  s.kind = "rubric";
  s.answer = nlohmann::json{{"conversation", {{{"role", "user"}, {"content", "Q " + s.id}}}},
                            {"rubrics", rubrics},
                            {"example_tags", nlohmann::json::array()}}
                 .dump();
  auto r = SampleRecord(s);
  r["response"] = "See a doctor.";
  return r;
}

EndpointOptions GraderOptions(const FakeEndpoint& server) {
  EndpointOptions o{server.url(), "grader-model"};
  o.first_backoff_seconds = 0.001;
  o.attempts = 3;
  return o;
}

double ScoreOf(const nlohmann::json& line, const std::string& name) {
  return line["verdict"]["scores"].at(name).get<double>();
}

TEST(RubricGrading, GraderPromptIsMedUniEvalsTemplateFilled) {
  const nlohmann::json conversation = nlohmann::json::parse(
      R"([{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}])");
  const std::string p = RubricGraderPrompt(conversation, {{"criterion", "Recommends opioids"}, {"points", -6}});
  EXPECT_TRUE(IsGraderPrompt(p));
  EXPECT_NE(p.find("# Conversation\nuser: Q?\n\nassistant: A.\n\n# Rubric item\n[-6] Recommends opioids\n\n# Instructions"),
            std::string::npos) << p;
  EXPECT_TRUE(p.ends_with("\n# Final instruction\nReturn just the json object in markdown format. Do not include any "
                         "other text in the response."));
  // Python's str() of a float point value keeps its ".0".
  EXPECT_NE(RubricGraderPrompt(conversation, {{"criterion", "x"}, {"points", 5.0}}).find("[5.0] x"), std::string::npos);
}

// testdata/eval/healthbench_grader_prompt.txt was written by MedUniEval's own code
// (GRADER_TEMPLATE.replace(...) with RubricItem.__str__, utils/HealthBench at 2a6b783) for the
// fixture's multi-turn sample answered "See a doctor.".
TEST(RubricGrading, GraderPromptEqualsMedUniEvalsBytes) {
  std::ifstream in(HULUMED_SOURCE_DIR "/testdata/eval/healthbench_grader_prompt.txt", std::ios::binary);
  const std::string golden((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(golden.empty());
  const nlohmann::json conversation = nlohmann::json::parse(
      R"([{"role": "user", "content": "My child swallowed a battery."},
          {"role": "assistant", "content": "How old is your child?"}, {"role": "user", "content": "Two."},
          {"role": "assistant", "content": "See a doctor."}])");
  EXPECT_EQ(RubricGraderPrompt(conversation, {{"criterion", "Tells to seek emergency care now"}, {"points", 10}}),
            golden);
}

TEST(RubricGrading, ParsesCriteriaMetAsMedUniEvalDoes) {
  EXPECT_EQ(ParseCriteriaMet("```json\n{\"explanation\": \"e\", \"criteria_met\": true}\n```"), true);
  EXPECT_EQ(ParseCriteriaMet("  {\"criteria_met\": false}  "), false);
  EXPECT_EQ(ParseCriteriaMet("```json{\"criteria_met\": true}```"), true);
  EXPECT_EQ(ParseCriteriaMet("The criteria is met."), std::nullopt);
  EXPECT_EQ(ParseCriteriaMet("{\"criteria_met\": \"true\"}"), std::nullopt);  // not a boolean
  EXPECT_EQ(ParseCriteriaMet("{\"explanation\": \"e\"}"), std::nullopt);
  EXPECT_EQ(ParseCriteriaMet("{\"error\": \"x\", \"criteria_met\": true}"), std::nullopt);
  EXPECT_EQ(ParseCriteriaMet("[true]"), std::nullopt);
  EXPECT_EQ(ParseCriteriaMet("```\n{\"criteria_met\": true}\n```"), std::nullopt);  // only ```json is cut in front
}

TEST(RubricGrading, ScoreIsMetPointsOverPositivePoints) {
  EXPECT_DOUBLE_EQ(*RubricScore({{5, true}, {-6, false}}), 1.0);
  EXPECT_DOUBLE_EQ(*RubricScore({{5, true}, {-6, true}}), -0.2);  // below 0 per sample; clipped only in the mean
  EXPECT_DOUBLE_EQ(*RubricScore({{5, false}, {3, true}, {-1, true}}), 0.25);
  EXPECT_EQ(RubricScore({{-6, true}}), std::nullopt);  // no positive points
  EXPECT_EQ(RubricScore({}), std::nullopt);
}

TEST(RubricGrading, MeansAreClippedToZeroOne) {
  auto sample = [](double overall) {
    ScoredSample s;
    s.verdict.scores = {{"overall_score", overall}, {"axis:accuracy", overall}};
    return s;
  };
  const auto low = RubricMetrics({sample(-0.5), sample(0.2)});
  EXPECT_DOUBLE_EQ(low["score"].get<double>(), 0.0);  // mean -0.15, clipped
  const auto mid = RubricMetrics({sample(1.0), sample(0.6), ScoredSample{}});
  EXPECT_DOUBLE_EQ(mid["score"].get<double>(), 0.8);
  EXPECT_DOUBLE_EQ(mid["final_metrics"]["axis:accuracy"].get<double>(), 0.8);
  EXPECT_EQ(mid["final_metrics"]["overall_score:n_samples"], 2);
  EXPECT_EQ(mid["final_metrics"]["score:n_samples"], 2);  // MedUniEval pops only the mean of "score"
  EXPECT_FALSE(mid["final_metrics"].contains("score"));
  EXPECT_EQ(mid["left_out"], 1);
  EXPECT_GT(mid["final_metrics"]["overall_score:bootstrap_std"].get<double>(), 0.0);
  EXPECT_EQ(RubricMetrics({sample(1.0), sample(0.6)}).dump(), RubricMetrics({sample(1.0), sample(0.6)}).dump());
}

TEST(RubricGrading, OneQueryPerRubricItemCachedOnRerun) {
  FakeEndpoint server;
  server.SetReply(Grade);
  ScratchDir scratch;
  const fs::path dir = WriteResponses(scratch.path());
  Judge grader(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto metrics = ScoreRubrics(dir.string(), grader, Scoring::kCompat);
  EXPECT_EQ(server.requests().size(), 5u);  // the fixture's 4 samples hold 5 rubric items
  EXPECT_EQ(grader.asked(), 5);
  for (const auto& r : server.requests()) {
    EXPECT_TRUE(IsGraderPrompt(r.text));
    EXPECT_EQ(r.body["temperature"], 0);
    EXPECT_EQ(r.body["model"], "grader-model");
  }
  const auto scored = ReadJsonLines((dir / "scored.jsonl").string());
  ASSERT_EQ(scored.size(), 4u);
  EXPECT_DOUBLE_EQ(ScoreOf(scored[0], "overall_score"), -0.2);  // (5 - 6) / 5: the met negative item counts
  EXPECT_DOUBLE_EQ(ScoreOf(scored[0], "theme:context_seeking"), -0.2);
  EXPECT_DOUBLE_EQ(ScoreOf(scored[0], "axis:completeness"), 1.0);
  EXPECT_FALSE(scored[0]["verdict"]["scores"].contains("axis:accuracy"));  // only negative points: no score
  EXPECT_DOUBLE_EQ(ScoreOf(scored[1], "overall_score"), 1.0);
  EXPECT_DOUBLE_EQ(ScoreOf(scored[2], "overall_score"), 0.0);
  EXPECT_EQ(scored[0]["grades"][1]["criteria_met"], true);
  EXPECT_EQ(scored[0]["grades"][1]["points"], -6);
  EXPECT_EQ(scored[0]["grades"][1]["explanation"], "checked");
  EXPECT_EQ(scored[0]["judge"]["model"], "grader-model");
  EXPECT_DOUBLE_EQ(metrics["score"].get<double>(), 0.2);  // (-0.2 + 1 + 0 + 0) / 4
  EXPECT_DOUBLE_EQ(metrics["final_metrics"]["axis:accuracy"].get<double>(), 1.0 / 3);  // p-2 1, p-3 0, p-4 0
  EXPECT_EQ(metrics["judge_model"], "grader-model");
  EXPECT_EQ(metrics["ungraded"], 0);

  Judge again(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto cached = ScoreRubrics(dir.string(), again, Scoring::kCompat);
  EXPECT_EQ(again.asked(), 0);
  EXPECT_EQ(server.requests().size(), 5u);
  EXPECT_EQ(cached.dump(), metrics.dump());
}

// Both modes grade every turn, then the reply (fixed mode sends the model every turn too).
TEST(RubricGrading, BothModesGradeEveryTurnThenTheReply) {
  FakeEndpoint server;
  server.SetReply(Grade);
  ScratchDir scratch;
  const fs::path dir = WriteResponses(scratch.path());
  Judge compat(GraderOptions(server), (dir / "judge.jsonl").string());
  ScoreRubrics(dir.string(), compat, Scoring::kCompat);
  const auto asked = server.requests();
  ASSERT_EQ(asked.size(), 5u);
  bool saw_later_turns = false;
  for (const auto& r : asked)
    saw_later_turns |= r.text.find("# Conversation\nuser: My child swallowed a battery.\n\nassistant: How old is your "
                                   "child?\n\nuser: Two.\n\nassistant: See a doctor.\n\n# Rubric") != std::string::npos;
  EXPECT_TRUE(saw_later_turns);

  Judge fixed(GraderOptions(server), (dir / "judge.jsonl").string());
  ScoreRubrics(dir.string(), fixed, Scoring::kFixed);
  EXPECT_EQ(fixed.asked(), 0);  // the same grader prompts: all cached
}

// Quirk 14: fixed mode sends the model the conversation's every turn as chat messages, compat
// only its first message as one user turn; the two modes' replies go to different files, so a
// rerun in the other mode asks the model again and reuses nothing.
TEST(RubricGrading, FixedSendsEveryTurnCompatTheFirstAndTheirRepliesStayApart) {
  FakeEndpoint server;
  const BenchmarkInfo& info = FindBenchmark("HealthBench");
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  OpenAiBackend model({server.url(), "fake-model"});
  for (const bool whole : {false, true}) {
    const RunSummary run = RunSamples(info.name, LoadBenchmark(info, {kData, false, whole}), model,
                                      {dir.string(), {}, 0, false, ResponsesStem(info, whole)});
    ASSERT_TRUE(run.complete()) << run.first_error;
    EXPECT_EQ(run.skipped, 0) << whole;
    EXPECT_EQ(run.answered, 4) << whole;
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 8u);
  const auto multi_turn = [&](bool whole) {
    for (size_t i = whole ? 4 : 0; i < (whole ? 8u : 4u); ++i)
      if (requests[i].text == "My child swallowed a battery.") return requests[i].body["messages"];
    return nlohmann::json();
  };
  EXPECT_EQ(multi_turn(false), nlohmann::json::parse(R"([{"role":"user","content":"My child swallowed a battery."}])"));
  EXPECT_EQ(multi_turn(true), nlohmann::json::parse(R"([{"role":"user","content":"My child swallowed a battery."},
      {"role":"assistant","content":"How old is your child?"},{"role":"user","content":"Two."}])"));
  for (const auto& r : requests)  // a one-turn sample is one user turn in both modes
    if (r.text != "My child swallowed a battery.") EXPECT_EQ(r.body["messages"].size(), 1u) << r.text;

  const auto compat = ReadJsonLines((dir / "responses.jsonl").string());
  const auto fixed = ReadJsonLines((dir / "responses.fixed.jsonl").string());
  ASSERT_EQ(compat.size(), 4u);
  ASSERT_EQ(fixed.size(), 4u);
  EXPECT_FALSE(compat[1].contains("messages"));
  EXPECT_EQ(fixed[1]["messages"], multi_turn(true));  // each reply records what the model was sent

  const RunSummary again = RunSamples(info.name, LoadBenchmark(info, {kData, false, true}), model,
                                      {dir.string(), {}, 0, false, ResponsesStem(info, true)});
  EXPECT_EQ(again.skipped, 4);  // each mode resumes from its own file
}

TEST(RubricGrading, AMalformedGradeIsRetriedThenRecordedAsAnError) {
  FakeEndpoint server;
  server.SetReply([](const std::string& prompt) {
    return prompt.find("] Warns about bleeding") != std::string::npos ? std::string("I think it is met.") : Grade(prompt);
  });
  ScratchDir scratch;
  const fs::path dir = WriteResponses(scratch.path());
  Judge grader(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto metrics = ScoreRubrics(dir.string(), grader, Scoring::kCompat);
  EXPECT_EQ(server.requests().size(), 4u + 3u);  // the bleeding item asked 3 times (attempts)
  const auto scored = ReadJsonLines((dir / "scored.jsonl").string());
  EXPECT_TRUE(scored[2]["verdict"]["scores"].empty());
  EXPECT_TRUE(scored[2]["grades"][0]["criteria_met"].is_null());
  EXPECT_NE(scored[2]["grades"][0]["error"].get<std::string>().find("unusable reply after 3 tries"), std::string::npos);
  EXPECT_EQ(metrics["ungraded"], 1);
  EXPECT_DOUBLE_EQ(metrics["score"].get<double>(), 0.8 / 3);  // the ungraded sample is left out

  server.SetReply(Grade);  // not cached: the next run asks for that item only
  Judge retry(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto later = ScoreRubrics(dir.string(), retry, Scoring::kCompat);
  EXPECT_EQ(retry.asked(), 1);
  EXPECT_EQ(later["ungraded"], 0);
  EXPECT_DOUBLE_EQ(later["score"].get<double>(), 0.2);
}

TEST(RubricGrading, NoPositivePointsRaisesInCompatAndIsLeftOutInFixed) {
  FakeEndpoint server;
  server.SetReply(Grade);
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  WriteJsonLines(
      (dir / "responses.jsonl").string(),
      {RubricRecord(0, {{{"criterion", "Recommends opioids"}, {"points", -6}, {"tags", {"axis:accuracy"}}}}),
       RubricRecord(1, {{{"criterion", "Advises seeing a doctor"}, {"points", 5}, {"tags", {"axis:accuracy"}}}})});
  Judge compat(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto c = ScoreRubrics(dir.string(), compat, Scoring::kCompat);
  EXPECT_TRUE(c["score"].is_null());
  EXPECT_EQ(c["error"], "TypeError: 'NoneType' object is not subscriptable");
  EXPECT_EQ(ReadJsonLines((dir / "scored.jsonl").string())[0]["verdict"]["error"], c["error"]);
  Judge fixed(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto f = ScoreRubrics(dir.string(), fixed, Scoring::kFixed);
  EXPECT_DOUBLE_EQ(f["score"].get<double>(), 1.0);
  EXPECT_EQ(f["left_out"], 1);
  EXPECT_FALSE(f.contains("error"));
}

// More samples than one chunk sent to the grader (256): every item graded once, in order.
TEST(RubricGrading, ManySamplesAreGradedChunkByChunk) {
  FakeEndpoint server;
  server.SetReply(Grade);
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  std::vector<nlohmann::ordered_json> records;
  for (int64_t i = 0; i < 600; ++i)
    records.push_back(RubricRecord(i, {{{"criterion", i % 3 == 0 ? "Advises seeing a doctor" : "Warns about bleeding"},
                                        {"points", 5}, {"tags", {"axis:accuracy"}}}}));
  WriteJsonLines((dir / "responses.jsonl").string(), records);
  Judge grader(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto metrics = ScoreRubrics(dir.string(), grader, Scoring::kFixed);
  EXPECT_EQ(server.requests().size(), 600u);
  EXPECT_DOUBLE_EQ(metrics["score"].get<double>(), 200.0 / 600);
  const auto scored = ReadJsonLines((dir / "scored.jsonl").string());
  ASSERT_EQ(scored.size(), 600u);
  EXPECT_DOUBLE_EQ(ScoreOf(scored[300], "overall_score"), 1.0);
  EXPECT_DOUBLE_EQ(ScoreOf(scored[301], "overall_score"), 0.0);
}

// The benchmark end to end: the fixture through a fake model, then graded by a fake grader
// on the same endpoint.
TEST(RubricGrading, HealthBenchRunsAndScoresEndToEnd) {
  FakeEndpoint server;
  server.SetReply([](const std::string& prompt) { return IsGraderPrompt(prompt) ? Grade(prompt) : "See a doctor."; });
  const BenchmarkInfo& info = FindBenchmark("HealthBench");
  EXPECT_EQ(info.judged, JudgeScope::kRubricItems);
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  OpenAiBackend model({server.url(), "fake-model"});
  const RunSummary run = RunSamples(info.name, LoadBenchmark(info, {kData}), model, {dir.string(), {}, 0, false});
  ASSERT_TRUE(run.complete()) << run.first_error;
  Judge grader(GraderOptions(server), (dir / "judge.jsonl").string());
  const auto metrics = ScoreRubrics(dir.string(), grader, Scoring::kCompat);
  EXPECT_EQ(server.requests().size(), 4u + 5u);
  EXPECT_DOUBLE_EQ(metrics["score"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(HeadlineOf(info.layout, metrics).value, 20.0);
  EXPECT_EQ(ReadJsonFile((dir / "metrics.json").string())["judge_model"], "grader-model");
}

}  // namespace
}  // namespace hm::eval
