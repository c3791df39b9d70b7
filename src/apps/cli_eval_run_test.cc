// `hulumed eval run` and `eval merge` as a user runs them: the tiny checkpoint in process on
// fixture benchmarks, a rerun that asks for nothing, shards merged equal to one run, and the
// message for a benchmark that is not on disk; HealthBench graded through a fake endpoint.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/cli_testing.h"
#include "apps/serve_process_testing.h"
#include "core/scratch_dir_testing.h"
#include "eval/fake_endpoint.h"
#include "io/json_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";
const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string RunArgs(const fs::path& out, const std::string& benches) {
  return "eval run -b " + benches + " --data " + kData + " -m " + kModel + " -o " + out.string() +
         " -n 3 --threads 2 --no-progress";
}

TEST(CliEvalRun, InProcessRunScoresReportsAndResumes) {
  ScratchDir scratch;
  const fs::path out = scratch / "run";
  const Result r = Hulumed(RunArgs(out, "MedQA_USMLE,VQA_RAD,M3D,IU_XRAY"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(ReadJsonFile((out / "MedQA_USMLE" / "metrics.json").string())["total metrics"].contains("acc"));
  EXPECT_TRUE(ReadJsonFile((out / "VQA_RAD" / "metrics.json").string()).contains("open"));
  EXPECT_TRUE(ReadJsonFile((out / "M3D" / "metrics.json").string()).contains("by_category"));
  EXPECT_TRUE(ReadJsonFile((out / "IU_XRAY" / "metrics.json").string()).contains("rougeL"));
  const std::string md = Slurp(out / "report.md");
  EXPECT_NE(md.find("| MedQA_USMLE | tiny-qwen2 | accuracy |"), std::string::npos) << md;
  EXPECT_NE(Slurp(out / "report.html").find("<svg"), std::string::npos);

  const Result again = Hulumed(RunArgs(out, "MedQA_USMLE"));
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("MedQA_USMLE: 0 answered, 3 already done"), std::string::npos) << again.out;
}

TEST(CliEvalRun, ABenchmarkThatCannotBeScoredDoesNotStopTheOthers) {
  ScratchDir scratch;
  const fs::path out = scratch / "unscorable";
  const Result r = Hulumed(RunArgs(out, "HealthBench,PATH_VQA"));
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("HealthBench is graded rubric by rubric"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not finished: HealthBench"), std::string::npos) << r.out;
  const std::string kept = Slurp(out / "HealthBench" / "responses.jsonl");  // kept for a grader
  EXPECT_EQ(std::count(kept.begin(), kept.end(), '\n'), 4);
  EXPECT_TRUE(ReadJsonFile((out / "PATH_VQA" / "metrics.json").string()).contains("close"));
  EXPECT_NE(Slurp(out / "report.md").find("| PATH_VQA | tiny-qwen2 |"), std::string::npos);
}

TEST(CliEvalRun, AllLeavesOutWhatCannotBeScoredAndSaysSo) {
  ScratchDir scratch;
  const fs::path out = scratch / "all";
  const Result r = Hulumed(RunArgs(out, "all") + " --limit 1");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("note: 'all' leaves out HealthBench: its rubric items are graded by an LLM: give --judge-url "
                       "and --judge-model"),
            std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(out / "HealthBench"));
  EXPECT_TRUE(fs::exists(out / "CheXpert_Plus" / "metrics.json"));
}

// The fake endpoint answers grader prompts with "criteria met" and anything else as the model.
void ActAsModelAndGrader(eval::FakeEndpoint& server) {
  server.SetReply([](const std::string& prompt) {
    if (prompt.rfind("Your job is to look at a conversation", 0) == 0)
      return std::string(R"({"explanation": "e", "criteria_met": true})");
    return eval::FakeEndpoint::Reply(prompt);
  });
}

// With a judge, `all` takes HealthBench in and grades its rubric items; a fake endpoint stands
// in for the model and the grader, and a rerun asks the grader nothing.
TEST(CliEvalRun, AllWithAJudgeGradesHealthBench) {
  eval::FakeEndpoint server;
  ActAsModelAndGrader(server);
  ScratchDir scratch;
  const fs::path out = scratch / "all_judged";
  const std::string args = "eval run -b all --limit 2 --data " + kData + " -o " + out.string() + " --endpoint " +
                           server.url() + " --model fake -n 3 --no-progress --judge-url " + server.url() +
                           " --judge-model fake-grader";
  const Result r = Hulumed(args);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find("leaves out HealthBench"), std::string::npos) << r.out;
  // p-1 meets +5 and -6 (-0.2), p-2 its +10 (1): their mean 0.4, from 3 items.
  EXPECT_NE(r.out.find("HealthBench: rubric score 40.00% (judge fake-grader, 3 asked)"), std::string::npos) << r.out;
  const auto metrics = ReadJsonFile((out / "HealthBench" / "metrics.json").string());
  EXPECT_DOUBLE_EQ(metrics["score"].get<double>(), 0.4);
  EXPECT_EQ(metrics["judge_model"], "fake-grader");
  EXPECT_NE(Slurp(out / "report.md").find("| HealthBench |"), std::string::npos);
  const Result again = Hulumed(args);
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("HealthBench: rubric score 40.00% (judge fake-grader, 0 asked)"), std::string::npos)
      << again.out;
}

// Quirk 14 through the command: fixed mode sends HealthBench's every turn and keeps its replies
// in a file of their own, so switching modes asks the model again instead of reusing compat's.
TEST(CliEvalRun, HealthBenchModesAskTheModelSeparately) {
  eval::FakeEndpoint server;
  ActAsModelAndGrader(server);
  ScratchDir scratch;
  const fs::path out = scratch / "healthbench_modes";
  const std::string args = "eval run -b HealthBench --limit 2 --data " + kData + " -o " + out.string() +
                           " --endpoint " + server.url() + " --model fake -n 3 --no-progress --judge-url " +
                           server.url() + " --judge-model fake-grader --scoring ";
  const Result compat = Hulumed(args + "compat");
  ASSERT_EQ(compat.status, 0) << compat.out;
  const Result fixed = Hulumed(args + "fixed");
  ASSERT_EQ(fixed.status, 0) << fixed.out;
  EXPECT_NE(fixed.out.find("HealthBench: 2 answered, 0 already done"), std::string::npos) << fixed.out;
  EXPECT_TRUE(fs::exists(out / "HealthBench" / "responses.jsonl"));
  EXPECT_TRUE(fs::exists(out / "HealthBench" / "responses.fixed.jsonl"));
  size_t whole_conversations = 0;
  for (const auto& r : server.requests()) whole_conversations += r.body["messages"].size() == 3;
  EXPECT_EQ(whole_conversations, 1u);  // p-2's three turns, in fixed mode only
  EXPECT_NE(Slurp(out / "report.md").find("| HealthBench | fake |"), std::string::npos) << Slurp(out / "report.md");
}

TEST(CliEvalRun, ShardsMergeIntoWhatOneRunWrites) {
  ScratchDir scratch;
  const fs::path whole = scratch / "whole", sharded = scratch / "sharded";
  ASSERT_EQ(Hulumed(RunArgs(whole, "MMLU-medical")).status, 0);
  for (const char* shard : {"0/2", "1/2"}) {
    const Result r = Hulumed(RunArgs(sharded, "MMLU-medical") + " --shard " + shard);
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("hulumed eval merge"), std::string::npos) << r.out;
  }
  const Result m = Hulumed("eval merge -o " + sharded.string() + " -b MMLU-medical --shards 2");
  ASSERT_EQ(m.status, 0) << m.out;
  for (const char* file : {"responses.jsonl", "scored.jsonl", "metrics.json"})
    EXPECT_EQ(Slurp(sharded / "MMLU-medical" / file), Slurp(whole / "MMLU-medical" / file)) << file;
}

TEST(CliEvalRun, AgainstOurOwnServerWithItAsTheJudgeToo) {
  const ServeProcess serve(kModel);
  ASSERT_GT(serve.port(), 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(serve.port());
  ScratchDir scratch;
  const fs::path out = scratch / "endpoint";
  const std::string args = "eval run -b VQA_RAD,MedQA_USMLE --data " + kData + " -o " + out.string() + " --endpoint " +
                           url + "/v1 --model tiny-qwen2 -j 2 -n 3 --no-progress --judge-url " + url +
                           " --judge-model tiny-judge --judge-jobs 2";
  const Result r = Hulumed(args);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("VQA_RAD: accuracy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(judge tiny-judge, 2 asked)"), std::string::npos) << r.out;  // the two open questions
  EXPECT_EQ(ReadJsonFile((out / "VQA_RAD" / "metrics.json").string())["judge_model"], "tiny-judge");
  EXPECT_FALSE(ReadJsonFile((out / "MedQA_USMLE" / "metrics.json").string()).contains("judge_model"));
  EXPECT_NE(Slurp(out / "VQA_RAD" / "responses.jsonl").find("\"model\":\"tiny-qwen2\""), std::string::npos);
  const Result again = Hulumed(args);
  ASSERT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("(judge tiny-judge, 0 asked)"), std::string::npos) << again.out;
}

// A fresh phantom world in process: volumes (NIfTI and DICOM series), cine loops and images
// reach the model with the record's options, and the report reads against chance.
TEST(CliEvalRun, PhantomsInProcessReportEachFamilyBesideChance) {
  ScratchDir scratch;
  const fs::path out = scratch / "phantoms";
  const Result made = Hulumed("data phantoms --seed 9001 --count 7 --out " + (out / "data" / "phantoms").string());
  ASSERT_EQ(made.status, 0) << made.out;
  const Result r = Hulumed("eval run --benchmark phantoms --data " + (out / "data").string() + " -m " + kModel +
                           " -o " + (out / "results").string() + " -n 2 --threads 2 --no-progress");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto metrics = ReadJsonFile((out / "results" / "phantoms" / "metrics.json").string());
  for (const char* family : {"modality", "lesion_presence", "slice", "frame", "change", "report"})
    EXPECT_TRUE(metrics["by_family"].contains(family)) << family;
  EXPECT_TRUE(metrics["by_family"]["modality"].contains("chance_majority"));
  EXPECT_NE(Slurp(out / "results" / "report.md").find("| Family | Samples | Accuracy (%) | Chance, majority (%) |"),
            std::string::npos);
}

TEST(CliEvalRun, AMissingBenchmarkSaysWhereToGetIt) {
  ScratchDir scratch;
  const fs::path out = scratch / "missing";
  const Result r = Hulumed("eval run -b SLAKE --data /nonexistent -m " + kModel + " -o " + out.string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("/nonexistent/SLAKE/test.json not found. Get it from https://huggingface.co/datasets/BoKelvin/SLAKE"),
            std::string::npos) << r.out;
  const Result typo = Hulumed("eval run -b SLAKEE --data /x -m " + kModel);
  EXPECT_EQ(typo.status, 1);
  EXPECT_NE(typo.out.find("unknown benchmark 'SLAKEE'"), std::string::npos) << typo.out;
}

}  // namespace
}  // namespace hm
