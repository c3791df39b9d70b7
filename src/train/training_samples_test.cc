#include "train/training_samples.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "text/chat_template.h"
#include "train/batch_grad.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/";

nlohmann::json Turns(std::initializer_list<std::pair<const char*, const char*>> turns) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [from, value] : turns) j.push_back({{"from", from}, {"value", value}});
  return j;
}

TEST(MessagesFromConversations, FollowsTheReferenceDataLoader) {
  const std::vector<nlohmann::ordered_json> image = {{{"type", "image"}}};
  const nlohmann::ordered_json m = MessagesFromConversations(
      Turns({{"gpt", "dropped"}, {"system", "Be brief."}, {"human", " <image>\nWhat is it? "}, {"gpt", " A cat."}}),
      "<image>", image, "rec");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0], nlohmann::ordered_json({{"role", "system"}, {"content", "Be brief."}}));
  EXPECT_EQ(m[1]["role"], "user");
  EXPECT_EQ(m[1]["content"].dump(), R"([{"type":"image"},{"type":"text","text":"What is it?"}])");
  EXPECT_EQ(m[2], nlohmann::ordered_json({{"role", "assistant"}, {"content", " A cat."}}));  // not stripped

  // An image record without a placeholder gets one in front of its first turn.
  const nlohmann::ordered_json added = MessagesFromConversations(Turns({{"human", "Describe."}, {"gpt", "Ok."}}), "<image>", image, "r");
  EXPECT_EQ(added[0]["content"].dump(), R"([{"type":"image"},{"type":"text","text":"Describe."}])");

  EXPECT_THROW(MessagesFromConversations(Turns({{"human", "<image><image>"}, {"gpt", "x"}}), "<image>", image, "r"),
               Error);
  EXPECT_THROW(MessagesFromConversations(Turns({{"human", "hi"}, {"robot", "x"}}), "<image>", {}, "r"), Error);
  EXPECT_THROW(MessagesFromConversations(Turns({{"human", "hi"}}), "<image>", {}, "r"), Error);

  // Video records: each <video> is the video part the chat template renders frame by frame.
  const nlohmann::ordered_json video = MessagesFromConversations(
      Turns({{"human", "<video>\nWhat changes?"}, {"gpt", "Nothing."}}), "<video>",
      {{{"type", "video"}, {"num_frames", 3}}}, "r");
  EXPECT_EQ(video[0]["content"].dump(), R"([{"type":"video","num_frames":3},{"type":"text","text":"What changes?"}])");
}

// A record with an image: its visual tokens take image-token slots that are never labelled,
// and the gradient reaches the vision tower through them.
TEST(ReadTrainingSamples, ImageRecordsGetPreprocessedPixelsAndImageTokenSlots) {
  const std::string model = kRoot + "models/tiny-qwen2";
  ScratchDir scratch;
  const fs::path jsonl = scratch / "image.jsonl";
  std::ofstream(jsonl) << nlohmann::json({{"image", kRoot + "media/images/gray.png"},
                                          {"conversations", Turns({{"human", "What is this?"}, {"gpt", "Gray."}})}})
                              .dump()
                       << "\n";
  ParamSet params = ParamSet::FromCheckpoint(model);
  const std::vector<TrainingSample> samples =
      ReadTrainingSamples(jsonl.string(), Tokenizer::FromDir(model), FindChatTemplate(model), params.config(),
                          ReadPreprocessorConfig(model));
  ASSERT_EQ(samples.size(), 1u);
  ASSERT_EQ(samples[0].media.size(), 1u);
  const auto [t, gh, gw] = samples[0].media[0].grid;
  const int32_t image_token = static_cast<int32_t>(params.config().image_token_index);
  const LabelledTokens& tokens = samples[0].tokens;
  EXPECT_EQ(std::count(tokens.ids.begin(), tokens.ids.end(), image_token), t * gh * gw);
  for (size_t i = 0; i < tokens.ids.size(); ++i) {
    if (tokens.ids[i] == image_token) {
      EXPECT_EQ(tokens.labels[i], kIgnoreLabel);
    }
  }
  EXPECT_GT(tokens.label_count(), 0);

  ThreadPool pool(2);
  const train::DecoderTrainer decoder(params);
  const train::VisionTrainer vision(params);
  train::AccumulateBatchGradients(decoder, &vision, image_token, samples, pool);
  const TrainParam& patch = params.Get("model.vision_encoder.embeddings.patch_embedding.weight");
  EXPECT_TRUE(std::any_of(patch.grad.begin(), patch.grad.end(), [](float g) { return g != 0; }));
}

// A NIfTI volume record: slices as video frames (merge size 2), the reference's token
// reduction dropping unchanged tokens, which then have no image-token slot.
TEST(ReadTrainingSamples, VolumeRecordsAreSlicedAndReduced) {
  const std::string model = kRoot + "models/tiny-qwen2";
  ScratchDir scratch;
  const fs::path jsonl = scratch / "volume.jsonl";
  std::ofstream(jsonl) << nlohmann::json({{"volume", {{"path", kRoot + "media/nifti/f32.nii.gz"}, {"slices", 4}}},
                                          {"conversations", Turns({{"human", "<video>\nAny lesion?"}, {"gpt", "No."}})}})
                              .dump()
                       << "\n";
  ParamSet params = ParamSet::FromCheckpoint(model);
  ASSERT_TRUE(params.config().use_token_compression);
  const std::vector<TrainingSample> samples =
      ReadTrainingSamples(jsonl.string(), Tokenizer::FromDir(model), FindChatTemplate(model), params.config(),
                          ReadPreprocessorConfig(model));
  ASSERT_EQ(samples.size(), 1u);
  const TrainingSample& s = samples[0];
  ASSERT_EQ(s.media.size(), 1u);
  EXPECT_EQ(s.media[0].merge_size, 2);
  EXPECT_EQ(s.media[0].grid[0], 4);
  const auto [t, gh, gw] = s.media[0].grid;
  ASSERT_EQ(s.kept[0].size(), static_cast<size_t>(t * (gh / 2) * (gw / 2)));
  const int64_t kept = std::count(s.kept[0].begin(), s.kept[0].end(), 1);
  EXPECT_LT(kept, static_cast<int64_t>(s.kept[0].size()));  // slice 0 keeps only its first token
  const int32_t image_token = static_cast<int32_t>(params.config().image_token_index);
  EXPECT_EQ(std::count(s.tokens.ids.begin(), s.tokens.ids.end(), image_token), kept);

  ThreadPool pool(2);
  const train::DecoderTrainer decoder(params);
  const train::VisionTrainer vision(params);
  train::AccumulateBatchGradients(decoder, &vision, image_token, samples, pool);
  const TrainParam& patch = params.Get("model.vision_encoder.embeddings.patch_embedding.weight");
  EXPECT_TRUE(std::any_of(patch.grad.begin(), patch.grad.end(), [](float g) { return g != 0; }));
}

}  // namespace
}  // namespace hm
