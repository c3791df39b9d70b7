// The in-process backend on the tiny checkpoint: MedUniEval's media layout and greedy,
// repeatable replies for text, image and volume questions.
#include "eval/local_backend.h"

#include <gtest/gtest.h>

#include "eval/benchmarks.h"

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

}  // namespace
}  // namespace hm::eval
