// `hulumed data synth` against a fake OpenAI-compatible endpoint: records in the training
// format with provenance, rejections by rule and by the verifier, resume after a kill, the
// cache, retries on 429, and bad seeds reported by file:line.
#include "data/synth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/data_file.h"
#include "data/data_record.h"
#include "data/record_check.h"
#include "eval/fake_endpoint.h"
#include "eval/jsonl.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using eval::FakeEndpoint;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A generator that captions by the seed's question, and a verifier that rejects the sample
// whose source mentions "fracture".
std::string Reply(const std::string& prompt) {
  if (prompt.find("Generated sample:") != std::string::npos)
    return prompt.find("fracture") != std::string::npos ? R"({"verdict": "reject", "reason": "not supported"})"
                                                         : R"({"verdict": "accept", "reason": "ok"})";
  const size_t user = prompt.find("User: ");
  const std::string question = prompt.substr(user + 6, prompt.find('\n', user) - user - 6);
  if (question.find("refuse") != std::string::npos) return "I'm sorry, I cannot help with medical images.";
  if (question.find("prose") != std::string::npos) return "A nice picture.";
  return R"({"short_caption": "Caption of )" + question + R"(.", "long_caption": "A longer caption of )" + question + R"(."})";
}

class Synth : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::copy_file(fs::path(HULUMED_SOURCE_DIR) / "testdata/media/images/rgb.png", dir_ / "scan.png");
    server_.SetReply(Reply);
  }

  // One image seed per question, one record per line.
  std::string Seeds(const std::vector<std::string>& questions) {
    const std::string path = (dir_ / "seeds.jsonl").string();
    std::ofstream out(path);
    for (const std::string& q : questions)
      out << nlohmann::json{{"image", "scan.png"}, {"modality", "CT"}, {"source", "phantoms"}, {"family", "x"},
                            {"conversations", {{{"from", "human"}, {"value", "<image>\n" + q}}, {{"from", "gpt"}, {"value", "Something."}}}}}
                 .dump()
          << "\n";
    return path;
  }

  SynthOptions Options(const std::string& seeds, const std::string& out) {
    SynthOptions o;
    o.endpoint.url = server_.url();
    o.endpoint.model = "fake-model";
    o.endpoint.first_backoff_seconds = 0.01;
    o.task = "recaption";
    o.seeds = seeds;
    o.out = out;
    o.concurrency = 3;
    o.progress = false;
    return o;
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
  FakeEndpoint server_;
  std::ostringstream log_;
};

TEST_F(Synth, WritesTrainingRecordsWithProvenanceInSeedOrder) {
  // The first seed's reply comes last, so seed order must be restored when writing.
  server_.SetReply([](const std::string& prompt) {
    if (prompt.find("User: q one\n") != std::string::npos) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return Reply(prompt);
  });
  const std::string seeds = Seeds({"q one", "q two", "q three", "q four", "q five"});
  const std::string out = (dir_ / "out/synth.jsonl").string();
  const SynthSummary s = RunSynth(Options(seeds, out), log_);
  EXPECT_EQ(s.seeds, 5);
  EXPECT_EQ(s.generated, 5);
  EXPECT_EQ(s.requests, 5);
  ASSERT_EQ(server_.requests().size(), 5u);
  EXPECT_EQ(server_.requests()[0].images, 1);  // the seed's image went along, inline
  EXPECT_NE(server_.requests()[0].body["messages"][0]["content"][0]["image_url"]["url"].get<std::string>().rfind(
                "data:image/png;base64,", 0),
            std::string::npos);

  const auto records = eval::ReadJsonLines(out);
  ASSERT_EQ(records.size(), 5u);
  const nlohmann::json& r = records[1];
  EXPECT_EQ(r["id"], "recaption:seeds.jsonl:2");
  EXPECT_EQ(r["image"], "../scan.png");  // relative to the output's folder
  EXPECT_EQ(r["modality"], "CT");
  EXPECT_EQ(r["source"], "phantoms");
  EXPECT_FALSE(r.contains("family"));  // the seed's question family is not this record's
  EXPECT_EQ(r["task"], "synth_recaption");
  EXPECT_EQ(r["conversations"][0]["value"], "<image>\nWrite a one-sentence caption.");
  EXPECT_EQ(r["conversations"][1]["value"], "Caption of q two.");
  EXPECT_EQ(r["conversations"][3]["value"], "A longer caption of q two.");
  EXPECT_EQ(r["synth"]["source"], seeds + ":2");
  EXPECT_EQ(r["synth"]["template"]["name"], "recaption");
  EXPECT_EQ(r["synth"]["template"]["hash"].get<std::string>().size(), 16u);
  EXPECT_EQ(r["synth"]["model"], "fake-model");
  EXPECT_EQ(r["synth"]["verifier"]["verdict"], "not asked");
  EXPECT_EQ(r["synth"]["rules"], "passed");
  // The data tools read it as a training record with its media where it says.
  const DataRecord parsed = ParseDataRecord(r, MediaRootOf(out));
  ASSERT_EQ(parsed.media.size(), 1u);
  EXPECT_TRUE(fs::exists(parsed.media[0].path));
  RecordChecker checker(CheckOptions{});
  for (const auto& record : records) EXPECT_EQ(checker.Check(record, MediaRootOf(out)).problems, std::vector<std::string>{});
  for (size_t i = 0; i < records.size(); ++i)
    EXPECT_EQ(records[i]["synth"]["source"], seeds + ":" + std::to_string(i + 1));
}

// Every task's records pass `hulumed data validate`'s checks (placeholders match the media,
// roles alternate, the last turn is the model's).
TEST_F(Synth, QaAndChainOfThoughtRecordsAreValidTrainingRecords) {
  server_.SetReply([](const std::string& prompt) -> std::string {
    if (prompt.find("\"pairs\"") != std::string::npos)
      return R"({"pairs": [{"type": "open", "question": "What modality?", "answer": "CT"},
                           {"type": "choice", "question": "Which side?", "options": ["left", "right"], "answer": "left"}]})";
    return R"({"reasoning": "The image shows something.", "answer": "something"})";
  });
  const std::string seeds = Seeds({"What is it?", "And this?"});
  RecordChecker checker(CheckOptions{});
  for (const char* task : {"qa", "cot"}) {
    const std::string out = (dir_ / (std::string(task) + "/out.jsonl")).string();
    SynthOptions o = Options(seeds, out);
    o.task = task;
    EXPECT_EQ(RunSynth(o, log_).generated, 2) << task;
    const auto records = eval::ReadJsonLines(out);
    ASSERT_EQ(records.size(), 2u);
    for (const auto& record : records)
      EXPECT_EQ(checker.Check(record, MediaRootOf(out)).problems, std::vector<std::string>{}) << record.dump();
    EXPECT_EQ(records[0]["synth"]["template"]["name"], task);
  }
  EXPECT_EQ(eval::ReadJsonLines((dir_ / "qa/out.jsonl").string())[0]["conversations"].size(), 4u);
  EXPECT_EQ(eval::ReadJsonLines((dir_ / "cot/out.jsonl").string())[1]["conversations"][1]["value"],
            "<think>\nThe image shows something.\n</think>\n\nSomething.");
}

// Time moves only when someone sleeps.
class FakeClock : public Clock {
 public:
  double Seconds() override { return now; }
  void Sleep(double seconds) override { now += seconds; }
  double now = 0;
};

TEST_F(Synth, TheRateLimitSpacesEveryTryRetriesIncluded) {
  const std::string seeds = Seeds({"a", "b", "c"});
  server_.FailNextRequests(1, 429);
  FakeClock clock;
  SynthOptions o = Options(seeds, (dir_ / "out.jsonl").string());
  o.concurrency = 1;  // the fake clock is not thread-safe
  o.rate_per_minute = 30;
  o.clock = &clock;
  const SynthSummary s = RunSynth(o, log_);
  EXPECT_EQ(s.generated, 3);
  EXPECT_EQ(s.requests, 4);
  EXPECT_DOUBLE_EQ(clock.now, 3 * 2.0);  // 4 tries, the first free, then one every 2 s
}

TEST_F(Synth, RulesAndTheVerifierReject) {
  const std::string seeds = Seeds({"q one", "please refuse", "prose please", "a fracture?", "q five"});
  const std::string out = (dir_ / "synth.jsonl").string();
  SynthOptions o = Options(seeds, out);
  o.verify = true;
  const SynthSummary s = RunSynth(o, log_);
  EXPECT_EQ(s.generated, 2);
  EXPECT_EQ(s.rejected.at("refusal"), 1);
  EXPECT_EQ(s.rejected.at("not_json"), 1);
  EXPECT_EQ(s.rejected.at("verifier"), 1);
  EXPECT_EQ(s.requests, 5 + 3);  // the verifier is asked only about what passed the rules
  const auto kept = eval::ReadJsonLines(out);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0]["synth"]["verifier"]["verdict"], "accept");
  EXPECT_EQ(kept[0]["synth"]["verifier"]["template"]["name"], "verify");
  const auto rejected = eval::ReadJsonLines(RejectedPath(out));
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0]["synth"]["reason"], "refusal");
  EXPECT_EQ(rejected[0]["synth"]["rules"], "failed");
  EXPECT_EQ(rejected[2]["synth"]["reason"], "verifier");
  EXPECT_EQ(rejected[2]["synth"]["detail"], "not supported");
  EXPECT_EQ(rejected[2]["synth"]["rules"], "passed");
  const std::string table = SynthSummaryTable(s);
  EXPECT_NE(table.find("  refusal"), std::string::npos) << table;
  EXPECT_NE(table.find("generated"), std::string::npos) << table;

  // A re-run finds every seed done, accepted or rejected.
  const SynthSummary again = RunSynth(o, log_);
  EXPECT_EQ(again.done_before, 5);
  EXPECT_EQ(again.requests, 0);
}

TEST_F(Synth, ResumingAfterAKillGivesTheSameFileAsOneRun) {
  const std::string seeds = Seeds({"a", "b", "c", "d", "e", "f", "g"});
  const std::string whole = (dir_ / "whole.jsonl").string(), resumed = (dir_ / "resumed.jsonl").string();
  RunSynth(Options(seeds, whole), log_);
  const std::string expected = ReadAll(whole);
  // A run killed after two records, in the middle of writing the third.
  std::istringstream lines(expected);
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  std::ofstream(resumed, std::ios::binary) << first << "\n" << second << "\n" << third.substr(0, third.size() / 2);
  const size_t before = server_.requests().size();
  const SynthSummary s = RunSynth(Options(seeds, resumed), log_);
  EXPECT_EQ(s.done_before, 2);
  EXPECT_EQ(s.generated, 5);
  EXPECT_EQ(server_.requests().size() - before, 5u);
  EXPECT_EQ(ReadAll(resumed), expected);
}

TEST_F(Synth, TheCacheAnswersARerunWithoutRequests) {
  const std::string seeds = Seeds({"a", "b", "c"});
  SynthOptions o = Options(seeds, (dir_ / "first.jsonl").string());
  o.cache_dir = (dir_ / "cache").string();
  o.verify = true;
  const SynthSummary first = RunSynth(o, log_);
  EXPECT_EQ(first.requests, 6);
  EXPECT_EQ(first.cached, 0);
  const size_t sent = server_.requests().size();
  o.out = (dir_ / "second.jsonl").string();
  const SynthSummary second = RunSynth(o, log_);
  EXPECT_EQ(second.requests, 0);
  EXPECT_EQ(second.cached, 6);
  EXPECT_EQ(server_.requests().size(), sent);
  EXPECT_EQ(second.generated, 3);
  // A changed prompt (another model name) misses the cache.
  o.endpoint.model = "other-model";
  o.out = (dir_ / "third.jsonl").string();
  EXPECT_EQ(RunSynth(o, log_).requests, 6);
}

TEST_F(Synth, RetriesA429ThenSucceeds) {
  const std::string seeds = Seeds({"a", "b"});
  server_.FailNextRequests(1, 429);
  SynthOptions o = Options(seeds, (dir_ / "out.jsonl").string());
  o.concurrency = 1;
  const SynthSummary s = RunSynth(o, log_);
  EXPECT_EQ(s.generated, 2);
  EXPECT_EQ(s.failed, 0);
  EXPECT_EQ(s.requests, 3);
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(Synth, ARequestThatKeepsFailingIsCountedAndTriedAgainNextRun) {
  const std::string seeds = Seeds({"a", "b", "c"});
  server_.FailPromptsContaining("User: b", 500);
  SynthOptions o = Options(seeds, (dir_ / "out.jsonl").string());
  o.endpoint.attempts = 2;
  const SynthSummary s = RunSynth(o, log_);
  EXPECT_EQ(s.generated, 2);
  EXPECT_EQ(s.failed, 1);
  EXPECT_NE(log_.str().find(seeds + ":2: "), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find("HTTP 500"), std::string::npos) << log_.str();
  server_.FailPromptsContaining("", 500);
  const SynthSummary again = RunSynth(o, log_);
  EXPECT_EQ(again.done_before, 2);
  EXPECT_EQ(again.generated, 1);
}

TEST_F(Synth, BadSeedsAreReportedByFileAndLine) {
  const std::string seeds = (dir_ / "seeds.jsonl").string();
  std::ofstream(seeds) << R"({"image": "scan.png", "conversations": [{"from": "human", "value": "<image>\nok"}, {"from": "gpt", "value": "x"}]})"
                       << "\n{not json\n"
                       << R"({"image": "gone.png", "conversations": [{"from": "human", "value": "<image>\nq"}, {"from": "gpt", "value": "x"}]})"
                       << "\n"
                       << R"({"conversations": [{"from": "human", "value": "text only"}, {"from": "gpt", "value": "x"}]})"
                       << "\n"
                       << R"({"image": 7, "conversations": []})" << "\n"
                       << R"({"volume": {"path": "."}, "conversations": [{"from": "human", "value": "<video>\nq"}, {"from": "gpt", "value": "x"}]})"
                       << "\n";
  const SynthSummary s = RunSynth(Options(seeds, (dir_ / "out.jsonl").string()), log_);
  EXPECT_EQ(s.seeds, 6);
  EXPECT_EQ(s.bad_seeds, 5);
  EXPECT_EQ(s.generated, 1);
  const std::string log = log_.str();
  EXPECT_NE(log.find(seeds + ":2: invalid JSON"), std::string::npos) << log;
  EXPECT_NE(log.find(seeds + ":3: image[0]: "), std::string::npos) << log;
  EXPECT_NE(log.find("gone.png: no such file"), std::string::npos) << log;
  EXPECT_NE(log.find(seeds + ":4: recaption needs a seed with media"), std::string::npos) << log;
  EXPECT_NE(log.find(seeds + ":5: "), std::string::npos) << log;
  EXPECT_NE(log.find(seeds + ":6: volume: "), std::string::npos) << log;
  EXPECT_NE(log.find("a DICOM series folder cannot be sent inline"), std::string::npos) << log;
}

TEST_F(Synth, BadOptionsFailBeforeAnyRequest) {
  const std::string seeds = Seeds({"a"});
  SynthOptions o = Options(seeds, (dir_ / "out.jsonl").string());
  o.task = "summarise";
  EXPECT_THROW(RunSynth(o, log_), Error);
  o = Options(seeds, seeds);
  EXPECT_THROW(RunSynth(o, log_), Error);
  o = Options(seeds, (dir_ / "out.jsonl").string());
  o.templates_dir = (dir_ / "nowhere").string();
  EXPECT_THROW(RunSynth(o, log_), Error);
  o = Options((dir_ / "absent.jsonl").string(), (dir_ / "out.jsonl").string());
  EXPECT_THROW(RunSynth(o, log_), Error);
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace hm
