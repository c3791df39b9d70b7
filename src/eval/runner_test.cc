// The runner end to end against a fake OpenAI-compatible server started by the test: every
// fixture benchmark in its published format, resume after a simulated kill, shard + merge
// equal to one run, bounded concurrency and retries. Scoring goes through a stub ScoreFn.
#include "eval/runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "eval/benchmarks.h"
#include "eval/fake_endpoint.h"
#include "eval/jsonl.h"
#include "eval/openai_backend.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;
const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Right when the reply names the answer; open answers get a fixed text score.
Verdict StubScore(const EvalSample& s, const std::string& response) {
  Verdict v;
  if (s.kind == "report" || s.kind == "open_3d") {
    v.scores = {{"rougel", 0.25}, {"bleu1", 0.5}};
    return v;
  }
  v.correct = response.find("<answer>" + s.answer + "</answer>") != std::string::npos;
  if (s.kind == "open_ended") v.scores = {{"em", *v.correct ? 1.0 : 0.0}, {"rougel", 0.5}};
  return v;
}

RunOptions Quiet(const std::string& dir, Shard shard = {}) { return {dir, shard, 0, /*progress=*/false}; }

TEST(Runner, EveryFixtureBenchmarkEndToEndAgainstAnOpenAiEndpoint) {
  FakeEndpoint server;
  OpenAiBackend backend({server.url(), "fake-model"});
  ScratchDir scratch;
  const std::string out = scratch.Folder("all").string();
  for (const BenchmarkInfo& info : KnownBenchmarks()) {
    if (std::filesystem::path(info.folder).is_absolute()) continue;  // real-scans: installed files (own_sets_test)
    const auto samples = LoadBenchmark(info, {kData});
    const std::string dir = out + "/" + info.name;
    const RunSummary run = RunSamples(info.name, samples, backend, Quiet(dir));
    EXPECT_TRUE(run.complete()) << info.name << ": " << run.first_error;
    EXPECT_EQ(run.answered, static_cast<int64_t>(samples.size())) << info.name;
    const auto metrics = ScoreResponses(dir, info.layout, StubScore);
    EXPECT_TRUE(fs::exists(dir + "/metrics.json")) << info.name;
    const auto records = ReadJsonLines(dir + "/responses.jsonl");
    ASSERT_EQ(records.size(), samples.size()) << info.name;
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_EQ(records[i]["index"], static_cast<int64_t>(i));
      EXPECT_EQ(records[i]["model"], "fake-model");
      EXPECT_EQ(records[i]["response"], FakeEndpoint::Reply(samples[i].prompt));
    }
    EXPECT_EQ(ReadJsonLines(dir + "/scored.jsonl").size(), samples.size());
    if (info.layout == MetricsLayout::kAccuracy) EXPECT_TRUE(metrics["total metrics"].contains("acc")) << info.name;
    if (info.layout == MetricsLayout::kOpenClose) EXPECT_TRUE(metrics.contains("open") && metrics.contains("close"));
    if (info.layout == MetricsLayout::kByCategory3d)  // M3D's fixture has 4 question types, 3D-RAD's 3
      EXPECT_EQ(metrics["overall"]["num_categories"], info.name == "M3D" ? 4 : 3) << info.name;
    if (info.layout == MetricsLayout::kReport) EXPECT_DOUBLE_EQ(metrics["rougeL"].get<double>(), 0.25);
  }
  // Media went as data: URIs before the text: one image per VQA question, six slices for
  // M3D, two views for the first IU-Xray and MIMIC-CXR studies and one for the second,
  // CheXpert Plus's first image.
  int vqa_images = -1, m3d_images = -1;
  std::multiset<int> iu_images;
  for (const auto& r : server.requests()) {
    if (r.text == "Is there a fracture?\nAnswer the question using a single word or phrase.") vqa_images = r.images;
    if (r.text.rfind("Which plane", 0) == 0) m3d_images = r.images;
    if (r.text.rfind("You are a helpful assistant", 0) == 0) iu_images.insert(r.images);
  }
  EXPECT_EQ(vqa_images, 1);
  EXPECT_EQ(m3d_images, 6);
  EXPECT_EQ(iu_images, (std::multiset<int>{1, 1, 1, 2, 2}));
  const auto requests = server.requests();
  const auto& first = requests.front().body;
  EXPECT_EQ(first["model"], "fake-model");
  EXPECT_EQ(first["temperature"], 0);
}

TEST(Runner, ImagesAreSentAsDataUrisAheadOfTheText) {
  const auto samples = LoadBenchmark(FindBenchmark("VQA_RAD"), {kData});
  const nlohmann::json body = nlohmann::json::parse(OpenAiBackend::RequestBody(samples[0], {"http://x", "m"}));
  const auto& content = body["messages"][0]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["image_url"]["url"].get<std::string>().rfind("data:image/png;base64,iVBORw0KGgo", 0), 0u);
  EXPECT_EQ(content[1]["text"], samples[0].prompt);
}

TEST(Runner, ResumesAfterAKillAndAsksOnlyForWhatIsMissing) {
  FakeEndpoint server;
  OpenAiBackend backend({server.url(), "fake-model"});
  const auto samples = LoadBenchmark(FindBenchmark("MMLU-medical"), {kData});
  ScratchDir scratch;
  const std::string clean = scratch.Folder("clean").string(), resumed = scratch.Folder("resumed").string();
  RunSamples("MMLU-medical", samples, backend, Quiet(clean));

  // The "killed" run: one question got no reply, and its line was being written when the
  // process died.
  server.FailPromptsContaining("Question 3 about", 400);
  const RunSummary first = RunSamples("MMLU-medical", samples, backend, Quiet(resumed));
  EXPECT_EQ(first.failed, 1);
  EXPECT_FALSE(first.complete());
  EXPECT_NE(first.first_error.find("HTTP 400"), std::string::npos) << first.first_error;
  {
    std::ofstream torn(resumed + "/responses.jsonl", std::ios::app);
    torn << R"({"index": 3, "id": "college_biology/0", "respo)";
  }
  server.FailPromptsContaining("", 400);
  const size_t asked_before = server.requests().size();
  const RunSummary second = RunSamples("MMLU-medical", samples, backend, Quiet(resumed));
  EXPECT_TRUE(second.complete());
  EXPECT_EQ(second.skipped, static_cast<int64_t>(samples.size()) - 1);
  EXPECT_EQ(second.answered, 1);
  EXPECT_EQ(server.requests().size() - asked_before, 1u);
  EXPECT_EQ(Slurp(resumed + "/responses.jsonl"), Slurp(clean + "/responses.jsonl"));

  // A third run has nothing left to ask.
  const RunSummary third = RunSamples("MMLU-medical", samples, backend, Quiet(resumed));
  EXPECT_EQ(third.answered, 0);
  EXPECT_EQ(third.skipped, static_cast<int64_t>(samples.size()));
}

TEST(Runner, ShardsMergedEqualOneRun) {
  FakeEndpoint server;
  OpenAiBackend backend({server.url(), "fake-model"});
  const BenchmarkInfo& info = FindBenchmark("SLAKE");
  const auto samples = LoadBenchmark(info, {kData});
  ScratchDir scratch;
  const std::string whole = scratch.Folder("whole").string(), sharded = scratch.Folder("sharded").string();
  RunSamples(info.name, samples, backend, Quiet(whole));
  ScoreResponses(whole, info.layout, StubScore);
  for (int i = 2; i >= 0; --i) {  // in any order, as separate processes would finish
    const RunSummary s = RunSamples(info.name, samples, backend, Quiet(sharded, ParseShard(std::to_string(i) + "/3")));
    EXPECT_TRUE(s.complete());
  }
  EXPECT_TRUE(fs::exists(sharded + "/responses.shard-1-of-3.jsonl"));
  EXPECT_EQ(MergeShards(sharded, 3), static_cast<int64_t>(samples.size()));
  ScoreResponses(sharded, info.layout, StubScore);
  for (const char* file : {"responses.jsonl", "scored.jsonl", "metrics.json"})
    EXPECT_EQ(Slurp(sharded + "/" + file), Slurp(whole + "/" + file)) << file;
  fs::remove(sharded + "/responses.shard-2-of-3.jsonl");
  EXPECT_THROW(MergeShards(sharded, 3), Error);
}

// HealthBench in fixed mode (whole conversations) keeps its own files, sharded and merged too.
TEST(Runner, WholeConversationShardsMergeIntoTheirOwnFile) {
  FakeEndpoint server;
  OpenAiBackend backend({server.url(), "fake-model"});
  const BenchmarkInfo& info = FindBenchmark("HealthBench");
  const auto samples = LoadBenchmark(info, {kData, false, /*whole_conversations=*/true});
  const std::string stem = ResponsesStem(info, true);
  EXPECT_EQ(stem, "responses.fixed");
  EXPECT_EQ(ResponsesStem(FindBenchmark("SLAKE"), true), "responses");  // one-turn sets: one file
  ScratchDir scratch;
  const std::string whole = scratch.Folder("fixed_whole").string(), sharded = scratch.Folder("fixed_sharded").string();
  RunSamples(info.name, samples, backend, {whole, {}, 0, false, stem});
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(RunSamples(info.name, samples, backend, {sharded, ParseShard(std::to_string(i) + "/2"), 0, false, stem})
                    .complete());
  EXPECT_TRUE(fs::exists(sharded + "/responses.fixed.shard-1-of-2.jsonl"));
  EXPECT_EQ(MergeShards(sharded, 2, stem), static_cast<int64_t>(samples.size()));
  EXPECT_EQ(Slurp(sharded + "/responses.fixed.jsonl"), Slurp(whole + "/responses.fixed.jsonl"));
  EXPECT_FALSE(fs::exists(whole + "/responses.jsonl"));
}

TEST(Runner, ShardsComeFromTheFlagOrTheMpiRank) {
  EXPECT_EQ(ParseShard("2/4").index, 2);
  EXPECT_TRUE(ParseShard("1/3").Contains(4));
  EXPECT_FALSE(ParseShard("1/3").Contains(5));
  EXPECT_THROW(ParseShard("3/3"), Error);
  EXPECT_THROW(ParseShard("x"), Error);
  setenv("OMPI_COMM_WORLD_RANK", "1", 1);
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  const Shard mpi = ParseShard("");
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("OMPI_COMM_WORLD_SIZE");
  EXPECT_EQ(mpi.index, 1);
  EXPECT_EQ(mpi.count, 2);
  EXPECT_EQ(ParseShard("").count, 1);
}

TEST(Runner, KeepsWithinTheInFlightLimitAndRetriesTransientErrors) {
  FakeEndpoint server;
  EndpointOptions o{server.url(), "fake-model"};
  o.max_in_flight = 3;
  o.first_backoff_seconds = 0.01;
  OpenAiBackend backend(o);
  server.FailNextRequests(2);  // 503 twice: retried, not lost
  const auto samples = LoadBenchmark(FindBenchmark("MMLU-medical"), {kData});
  ScratchDir scratch;
  const std::string dir = scratch.Folder("jobs").string();
  const RunSummary run = RunSamples("MMLU-medical", samples, backend, Quiet(dir));
  EXPECT_TRUE(run.complete()) << run.first_error;
  EXPECT_LE(server.max_in_flight(), 3);
  EXPECT_EQ(server.requests().size(), samples.size() + 2);
}

TEST(Runner, SendsTheKeyFromTheEnvironment) {
  FakeEndpoint server;
  setenv("HM_TEST_EVAL_KEY", "sekrit", 1);
  EndpointOptions o{server.url() + "/v1/", "fake-model"};
  o.api_key_env = "HM_TEST_EVAL_KEY";
  OpenAiBackend backend(o);
  unsetenv("HM_TEST_EVAL_KEY");
  EvalSample s;
  s.prompt = "hi";
  EXPECT_EQ(backend.Respond(s), FakeEndpoint::Reply("hi"));
  EXPECT_EQ(server.requests().back().authorization, "Bearer sekrit");
}

TEST(Runner, AnUnreachableEndpointFailsTheSampleWithAClearMessage) {
  EndpointOptions o{"http://127.0.0.1:1", "m"};
  o.attempts = 2;
  o.first_backoff_seconds = 0.01;
  OpenAiBackend backend(o);
  EvalSample s;
  s.id = "q1";
  s.prompt = "hi";
  try {
    backend.Respond(s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sample q1: connection failed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(OpenAiBackend({"ftp://x", "m"}), Error);
}

}  // namespace
}  // namespace hm::eval
