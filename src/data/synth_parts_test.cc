// The pieces of `hulumed data synth`: templates, the rate limiter (on a fake clock), the rule
// checks and the verifier's verdict, and how each task reads the endpoint's reply.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/rate_limiter.h"
#include "data/response_cache.h"
#include "data/synth_task.h"
#include "data/synth_template.h"
#include "data/synth_verifier.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// Time moves only when someone sleeps.
class FakeClock : public Clock {
 public:
  double Seconds() override { return now; }
  void Sleep(double seconds) override { now += seconds; }
  double now = 100;
};

TEST(SynthTemplate, FillsSlotsAndNamesWhatIsMissing) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  std::ofstream(dir / "t.txt") << "Q: {{question}} A: {{answer}}";
  std::ofstream(dir / "open.txt") << "Q: {{question";
  const SynthTemplate t = LoadSynthTemplate(dir.string(), "t");
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.hash.size(), 16u);
  EXPECT_EQ(RenderTemplate(t, {{"question", "why"}, {"answer", "because"}}), "Q: why A: because");
  try {
    RenderTemplate(t, {{"question", "why"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("template 't': no value for {{answer}}"), std::string::npos) << e.what();
  }
  EXPECT_THROW(RenderTemplate(LoadSynthTemplate(dir.string(), "open"), {{"question", "x"}}), Error);
  EXPECT_THROW(LoadSynthTemplate(dir.string(), "absent"), Error);
  std::ofstream(dir / "t.txt") << "Q: {{question}} A: {{answer}}!";
  EXPECT_NE(LoadSynthTemplate(dir.string(), "t").hash, t.hash);
}

TEST(SynthTemplate, ShippedTemplatesRenderWithTheSeedSlots) {
  SeedText seed{"<image>\n", "What is shown?", "A chest radiograph.", "User: What is shown?\n", "xray"};
  for (const char* name : {"recaption", "qa", "cot"}) {
    const std::string text = RenderTemplate(LoadSynthTemplate(DefaultSynthTemplateDir(), name), SeedSlots(seed));
    EXPECT_NE(text.find("JSON"), std::string::npos) << name;
  }
  const std::string verify = RenderTemplate(LoadSynthTemplate(DefaultSynthTemplateDir(), "verify"),
                                            {{"task", "qa"}, {"conversation", "c"}, {"output", "o"}});
  EXPECT_NE(verify.find("verdict"), std::string::npos);
}

TEST(RateLimiter, SpacesRequestsAtTheRateAfterTheBurst) {
  FakeClock clock;
  RateLimiter limiter(30, 2, clock);  // one every 2 s, two at once
  std::vector<double> granted;
  for (int i = 0; i < 5; ++i) {
    limiter.Acquire();
    granted.push_back(clock.now - 100);
  }
  EXPECT_EQ(granted, (std::vector<double>{0, 0, 2, 4, 6}));
  clock.now += 60;  // a long pause refills the bucket only up to the burst
  const double before = clock.now;
  for (int i = 0; i < 3; ++i) limiter.Acquire();
  EXPECT_DOUBLE_EQ(clock.now - before, 2);
}

TEST(RateLimiter, ZeroMeansNoLimit) {
  FakeClock clock;
  RateLimiter limiter(0, 1, clock);
  for (int i = 0; i < 100; ++i) limiter.Acquire();
  EXPECT_EQ(clock.now, 100);
}

TEST(ResponseCache, KeepsRepliesByRequestAndSurvivesConcurrentWriters) {
  ScratchDir scratch;
  const fs::path dir = scratch / "cache";
  const ResponseCache cache(dir.string());
  EXPECT_FALSE(cache.Lookup("{\"a\":1}"));
  cache.Store("{\"a\":1}", "one");
  EXPECT_EQ(cache.Lookup("{\"a\":1}"), "one");
  EXPECT_FALSE(cache.Lookup("{\"a\":2}"));
  EXPECT_NE(cache.PathFor("{\"a\":1}"), cache.PathFor("{\"a\":2}"));
  // Duplicate seeds in flight together store the same request at once.
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) writers.emplace_back([&] { cache.Store("same", "reply"); });
  for (std::thread& t : writers) t.join();
  EXPECT_EQ(cache.Lookup("same"), "reply");
  const ResponseCache off("");
  off.Store("{\"a\":1}", "one");
  EXPECT_FALSE(off.Lookup("{\"a\":1}"));
}

TEST(SynthVerifier, RuleChecks) {
  EXPECT_EQ(CheckGeneratedText("  \n", 100)->reason, "empty");
  EXPECT_EQ(CheckGeneratedText(std::string(101, 'a'), 100)->reason, "too_long");
  EXPECT_EQ(CheckGeneratedText("I'm sorry, but I cannot help.", 100)->reason, "refusal");
  EXPECT_EQ(CheckGeneratedText("Well, as an AI I cannot see it.", 100)->reason, "refusal");
  EXPECT_FALSE(CheckGeneratedText("The patient was unable to hold their breath; motion blur.", 100));
  EXPECT_EQ((*ParseJsonReply("Sure:\n```json\n{\"a\": 1}\n```"))["a"], 1);
  EXPECT_FALSE(ParseJsonReply("no json here"));
  EXPECT_FALSE(ParseJsonReply("{broken"));
}

TEST(SynthVerifier, Verdicts) {
  EXPECT_FALSE(VerifierRejection(R"({"verdict": "accept", "reason": "fine"})"));
  const auto rejected = VerifierRejection(R"({"verdict": "Reject", "reason": "invents a nodule"})");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(rejected->reason, "verifier");
  EXPECT_EQ(rejected->detail, "invents a nodule");
  EXPECT_EQ(VerifierRejection("looks good to me")->reason, "verifier_unclear");
}

TEST(SynthTask, ReadsEachTaskAndRejectsBadReplies) {
  const SeedText seed{"<image>\n", "Is there a lesion?", "Yes.", "User: Is there a lesion?\nAssistant: Yes.\n", "CT"};
  const TaskResult caption =
      TurnsFromReply(SynthTask::kRecaption, R"({"short_caption": "Axial CT.", "long_caption": "An axial CT slice."})", seed, 500);
  ASSERT_FALSE(caption.rejection);
  ASSERT_EQ(caption.turns.size(), 4u);
  EXPECT_EQ(caption.turns[0].value.rfind("<image>\n", 0), 0u);
  EXPECT_EQ(caption.turns[1].value, "Axial CT.");

  const TaskResult qa = TurnsFromReply(
      SynthTask::kQa,
      R"({"pairs": [{"type": "choice", "question": "Which side?", "options": ["left", "right"], "answer": "right"},
                    {"type": "closed", "question": "Is it round?", "answer": "YES"}]})",
      seed, 500);
  ASSERT_FALSE(qa.rejection) << qa.rejection->detail;
  ASSERT_EQ(qa.turns.size(), 4u);
  EXPECT_EQ(qa.turns[0].value, "<image>\nWhich side?\nA. left\nB. right");
  EXPECT_EQ(qa.turns[1].value, "B. right");
  EXPECT_EQ(qa.turns[2].value, "Is it round?");
  EXPECT_EQ(qa.turns[3].value, "Yes");

  auto reason = [&](SynthTask task, const std::string& reply) {
    const TaskResult r = TurnsFromReply(task, reply, seed, 500);
    return r.rejection ? r.rejection->reason : "accepted";
  };
  EXPECT_EQ(reason(SynthTask::kQa, R"({"pairs": [{"type": "choice", "question": "Q?", "options": ["a", "b"], "answer": "c"}]})"),
            "answer_not_in_options");
  EXPECT_EQ(reason(SynthTask::kQa, R"({"pairs": [{"type": "closed", "question": "Q?", "answer": "maybe"}]})"),
            "answer_not_in_options");
  EXPECT_EQ(reason(SynthTask::kQa, R"({"pairs": []})"), "bad_shape");
  EXPECT_EQ(reason(SynthTask::kRecaption, "A chest radiograph."), "not_json");
  EXPECT_EQ(reason(SynthTask::kRecaption, "I'm sorry, I can't describe medical images."), "refusal");
  EXPECT_EQ(reason(SynthTask::kRecaption, R"({"short_caption": "", "long_caption": "x"})"), "empty");
  EXPECT_EQ(reason(SynthTask::kRecaption, R"({"short_caption": "x", "long_caption": ")" + std::string(600, 'y') + "\"}"),
            "too_long");
  EXPECT_EQ(reason(SynthTask::kCot, R"({"reasoning": "There is a dark spot.", "answer": "No"})"), "answer_mismatch");
  const TaskResult cot = TurnsFromReply(SynthTask::kCot, R"({"reasoning": "A dense focus is seen.", "answer": "yes"})", seed, 500);
  ASSERT_FALSE(cot.rejection);
  EXPECT_EQ(cot.turns[1].value, "<think>\nA dense focus is seen.\n</think>\n\nYes.");
}

TEST(SynthTask, SeedsThatCannotServeATaskSayWhy) {
  DataRecord text_only;
  text_only.turns = {{"human", "What is CT?"}, {"gpt", "Computed tomography."}};
  const nlohmann::json record = {{"conversations", nlohmann::json::array()}};
  EXPECT_THROW(ReadSeed(SynthTask::kRecaption, record, text_only), Error);
  EXPECT_EQ(ReadSeed(SynthTask::kQa, record, text_only).answer, "Computed tomography.");
  DataRecord question_only;
  question_only.turns = {{"human", "What is CT?"}};
  EXPECT_THROW(ReadSeed(SynthTask::kCot, record, question_only), Error);
  EXPECT_THROW(ParseSynthTask("summarise"), Error);
}

}  // namespace
}  // namespace hm
