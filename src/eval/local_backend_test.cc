// The in-process backend on the tiny checkpoint: MedUniEval's media layout and greedy,
// repeatable replies for text, image and volume questions.
#include "eval/local_backend.h"

#include <gtest/gtest.h>

#include "eval/benchmarks.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace hm::eval {
namespace {

const std::string kData = HULUMED_SOURCE_DIR "/testdata/eval/benchmarks";
const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

TEST(LocalBackend, MoreThanFiveImagesBecomeOneVideo) {
  const auto m3d = LoadBenchmark(FindBenchmark("M3D"), {kData});
  const auto media = SampleMedia(m3d[0]);
  ASSERT_EQ(media.size(), 1u);
  EXPECT_EQ(media[0].kind, MediaKind::kVideo);
  EXPECT_EQ(media[0].frames.images.size(), 6u);
  EXPECT_EQ(media[0].frames.merge_size, 2);
  const auto iu = LoadBenchmark(FindBenchmark("IU_XRAY"), {kData});
  const auto views = SampleMedia(iu[0]);
  ASSERT_EQ(views.size(), 2u);
  EXPECT_EQ(views[1].kind, MediaKind::kImage);
  EXPECT_EQ(views[1].frames.merge_size, 1);
}

TEST(LocalBackend, GreedyRepliesForTextImageAndVolumeQuestions) {
  LocalBackend backend({kModel, /*threads=*/2, /*max_new_tokens=*/4});
  EXPECT_EQ(backend.model_name(), "tiny-qwen2");
  EXPECT_EQ(backend.max_in_flight(), 1);
  for (const char* name : {"MedQA_USMLE", "VQA_RAD", "M3D"}) {
    const auto samples = LoadBenchmark(FindBenchmark(name), {kData});
    const std::string a = backend.Respond(samples[0]);
    EXPECT_EQ(backend.Respond(samples[0]), a) << name;
  }
}

// Quirk 14 in process: a HealthBench conversation in fixed mode is the chat template's
// rendering of every turn; in compat mode, of its first message as one user turn.
TEST(LocalBackend, AWholeConversationIsTheChatRenderingOfEveryTurn) {
  LocalBackend backend({kModel, /*threads=*/2, /*max_new_tokens=*/2});
  const Tokenizer tokenizer = Tokenizer::FromDir(kModel);
  const ChatTemplate chat_template = FindChatTemplate(kModel);
  const auto ids_of = [&](const nlohmann::ordered_json& messages) {
    return tokenizer.Encode(ApplyChatTemplate(chat_template, messages, /*add_generation_prompt=*/true,
                                              {{"enable_thinking", false}}));
  };
  const BenchmarkInfo& info = FindBenchmark("HealthBench");
  const EvalSample fixed = LoadBenchmark(info, {kData, false, /*whole_conversations=*/true})[1];
  ASSERT_EQ(fixed.messages.size(), 3u);
  EXPECT_EQ(backend.Prepare(fixed).prompt.ids,
            ids_of(nlohmann::ordered_json::parse(R"([{"role":"user","content":"My child swallowed a battery."},
                {"role":"assistant","content":"How old is your child?"},{"role":"user","content":"Two."}])")));
  const EvalSample compat = LoadBenchmark(info, {kData})[1];
  EXPECT_TRUE(compat.messages.empty());
  EXPECT_EQ(backend.Prepare(compat).prompt.ids,
            ids_of(nlohmann::ordered_json::parse(R"([{"role":"user","content":"My child swallowed a battery."}])")));
}

}  // namespace
}  // namespace hm::eval
