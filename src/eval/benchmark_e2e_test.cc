// One benchmark per modality, loaded from its published-format fixture, run against a fake
// OpenAI-compatible endpoint started here and scored with the real compat rules: a model
// that answers every gold answer scores full marks, and media arrive as sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "eval/benchmarks.h"
#include "eval/fake_endpoint.h"
#include "eval/openai_backend.h"
#include "eval/rule_scorer.h"
#include "eval/runner.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;
const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

// Runs `name` with the endpoint replying `reply(sample)` and returns its metrics.json.
nlohmann::ordered_json RunPerfectly(FakeEndpoint& server, const std::string& name,
                                    const std::function<std::string(const EvalSample&)>& reply) {
  const BenchmarkInfo& info = FindBenchmark(name);
  const auto samples = LoadBenchmark(info, {kData});
  std::map<std::string, std::string> replies;
  for (const EvalSample& s : samples) replies[s.prompt] = reply(s);
  server.SetReply([replies](const std::string& prompt) { return replies.at(prompt); });
  OpenAiBackend backend({server.url(), "fake-model"});
  const ScratchDir scratch;
  const fs::path dir = scratch / name;
  const RunSummary run = RunSamples(name, samples, backend, {dir.string(), {}, 0, /*progress=*/false});
  EXPECT_TRUE(run.complete()) << name << ": " << run.first_error;
  return ScoreResponses(dir.string(), info.layout, RuleScorer(Scoring::kCompat));
}

std::string AnswerTag(const EvalSample& s) { return "<answer>" + s.answer + "</answer>"; }

TEST(BenchmarkEndToEnd, TextMultipleChoiceMmluPro) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "MMLU_Pro", AnswerTag);
  EXPECT_EQ(metrics["total metrics"]["total"], 2);
  EXPECT_EQ(metrics["total metrics"]["right"], 2);
  for (const auto& r : server.requests()) EXPECT_EQ(r.images, 0);
}

TEST(BenchmarkEndToEnd, ImagesMultipleChoiceMedFrameQaScoresTheBareLetter) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "MedFrameQA", [](const EvalSample& s) { return s.answer; });
  EXPECT_EQ(metrics["total metrics"]["right"], 2);
  std::multiset<int> images;
  for (const auto& r : server.requests()) images.insert(r.images);
  EXPECT_EQ(images, (std::multiset<int>{2, 3}));
}

TEST(BenchmarkEndToEnd, ImageVqaPathVqaSplitsOpenAndClosed) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "PATH_VQA", [](const EvalSample& s) { return "\\boxed{" + s.answer + "}"; });
  EXPECT_EQ(metrics["total metrics"]["right"], 3);
  EXPECT_EQ(metrics["close"]["total"], 2);
  EXPECT_EQ(metrics["open"]["total"], 1);
}

TEST(BenchmarkEndToEnd, VolumeQuestions3dRad) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "3DRad", [](const EvalSample& s) {
    return s.kind == "closed_3d" ? s.answer.substr(0, 1) : s.answer;
  });
  EXPECT_DOUBLE_EQ(metrics["by_category"]["Anomaly Detection"]["closed"]["accuracy"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(metrics["by_category"]["Existence Detection"]["closed"]["accuracy"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(metrics["by_category"]["Medical Computation"]["open"]["exact_match"].get<double>(), 100.0);
  // Both volumes (the .npy and the NIfTI) as their six slices, sent frame by frame.
  ASSERT_EQ(server.requests().size(), 4u);
  for (const auto& r : server.requests()) EXPECT_EQ(r.images, 6);
}

// One dataset's questions share a prompt (its class list), so a fixed letter is replied:
// right for pathmnist's label 2 (C) only.
TEST(BenchmarkEndToEnd, ImagesFromArraysMedMnist) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "Medmnist", [](const EvalSample&) { return "C"; });
  EXPECT_EQ(metrics["total_metrics"]["total"], 3);
  EXPECT_EQ(metrics["total_metrics"]["correct"], 1);
  EXPECT_DOUBLE_EQ(metrics["total_metrics"]["accuracy"].get<double>(), 33.33);
  EXPECT_EQ(metrics["split_metrics"]["pathmnist"]["correct"], 1);
  EXPECT_EQ(metrics["split_metrics"]["pneumoniamnist"]["total"], 1);
  ASSERT_EQ(server.requests().size(), 3u);
  for (const auto& r : server.requests()) EXPECT_EQ(r.images, 1);
}

TEST(BenchmarkEndToEnd, ReportGenerationChexpertPlus) {
  FakeEndpoint server;
  const auto metrics = RunPerfectly(server, "CheXpert_Plus", [](const EvalSample& s) { return s.answer; });
  EXPECT_GT(metrics["bleu1"].get<double>(), 0.8);
  EXPECT_GT(metrics["rougeL"].get<double>(), 0.8);
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].images, 1);
}

TEST(BenchmarkEndToEnd, HealthBenchKeepsItsResponsesAndSaysRubricGradingIsMissing) {
  FakeEndpoint server;
  try {
    RunPerfectly(server, "HealthBench", [](const EvalSample&) { return "See a doctor."; });
    ADD_FAILURE() << "scored without a rubric grader";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("rubric by rubric by an LLM grader"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.requests().size(), 4u);
}

}  // namespace
}  // namespace hm::eval
