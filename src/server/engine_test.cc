// Continuous batching: streams decoded together answer exactly as they do alone, late joiners
// and chunked prompts included, and a cancelled stream frees its slot at once.
#include "server/engine.h"

#include <gtest/gtest.h>

namespace hm {
namespace {

const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

std::shared_ptr<Job> Ask(const std::string& question, int max_tokens) {
  CompletionRequest r;
  r.chat.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", question}}});
  r.max_tokens = max_tokens;
  r.sampling.temperature = 0.0f;
  return std::make_shared<Job>("test", std::move(r), Clock::now() + std::chrono::minutes(5));
}

struct Answer {
  std::string text;
  JobOutcome outcome;
};

Answer Collect(Job& job) {
  Answer a;
  for (;;) {
    const Job::State s = job.Wait(std::chrono::milliseconds(100), &a.text);
    if (s == Job::State::kDone || s == Job::State::kFailed) break;
  }
  a.outcome = job.outcome();
  return a;
}

const std::vector<std::string> kQuestions = {
    "Hello there", "Describe the chest radiograph in detail, please, with findings and impression.",
    "What is a CT scan?", "Is there a nodule in the left lower lobe of this patient, and how big is it?"};

std::vector<Answer> OneAtATime(int max_tokens) {
  Metrics metrics;
  EngineOptions o;
  o.parallel = 1;
  Engine engine(kModel, o, metrics);
  std::vector<Answer> answers;
  for (const auto& q : kQuestions) {
    auto job = Ask(q, max_tokens);
    EXPECT_TRUE(engine.Submit(job));
    answers.push_back(Collect(*job));
  }
  return answers;
}

TEST(Engine, BatchedGreedyEqualsOneAtATime) {
  const std::vector<Answer> alone = OneAtATime(12);
  Metrics metrics;
  EngineOptions o;
  o.parallel = 4;
  o.prefill_chunk = 5;  // prompts join over several steps, beside streams already decoding
  Engine engine(kModel, o, metrics);
  std::vector<std::shared_ptr<Job>> jobs;
  for (const auto& q : kQuestions) {
    jobs.push_back(Ask(q, 12));
    ASSERT_TRUE(engine.Submit(jobs.back()));
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Answer a = Collect(*jobs[i]);
    ASSERT_EQ(a.outcome.error_status, 0) << a.outcome.error_message;
    EXPECT_EQ(a.text, alone[i].text) << kQuestions[i];
    EXPECT_EQ(a.outcome.usage.completion_tokens, alone[i].outcome.usage.completion_tokens);
    EXPECT_EQ(a.outcome.finish_reason, alone[i].outcome.finish_reason);
  }
}

TEST(Engine, LateJoinerEqualsOneAtATime) {
  const std::vector<Answer> alone = OneAtATime(20);
  Metrics metrics;
  EngineOptions o;
  o.parallel = 2;
  o.prefill_chunk = 3;
  Engine engine(kModel, o, metrics);
  auto first = Ask(kQuestions[1], 20);
  ASSERT_TRUE(engine.Submit(first));
  std::string early;
  while (early.empty()) ASSERT_NE(first->Wait(std::chrono::milliseconds(100), &early), Job::State::kFailed);
  auto late = Ask(kQuestions[3], 20);
  ASSERT_TRUE(engine.Submit(late));
  Answer a = Collect(*first);
  a.text = early + a.text;
  EXPECT_EQ(a.text, alone[1].text);
  EXPECT_EQ(Collect(*late).text, alone[3].text);
}

TEST(Engine, CancelFreesTheSlotAtOnce) {
  Metrics metrics;
  EngineOptions o;
  o.parallel = 1;
  o.max_queue = 1;
  Engine engine(kModel, o, metrics);
  auto endless = Ask(kQuestions[0], 1000);
  ASSERT_TRUE(engine.Submit(endless));
  std::string text;
  while (text.empty()) ASSERT_NE(endless->Wait(std::chrono::milliseconds(100), &text), Job::State::kFailed);
  auto next = Ask(kQuestions[2], 4);
  ASSERT_TRUE(engine.Submit(next));
  endless->Cancel();
  const Answer a = Collect(*next);
  EXPECT_EQ(a.outcome.error_status, 0) << a.outcome.error_message;
  EXPECT_EQ(Collect(*endless).outcome.finish_reason, "cancelled");
  EXPECT_EQ(engine.active(), 0);
}

}  // namespace
}  // namespace hm
