// Tests' shared samples: the vision goldens' pixel rows (testdata/goldens/<model>/vision/) with
// the questions and answers of tools/reference/make_grad_goldens.py, labelled by the reference
// rule. The grad_image / lora_vision and grad_volume / lora_vision_volume goldens use them.
#pragma once

#include <string>
#include <vector>

#include "io/json_file.h"
#include "io/npy.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "train/chat_labels.h"
#include "train/training_samples.h"

namespace hm::train {

// The pixel rows of vision golden `case_name` ("image", "volume") as the sample's one media item.
inline TrainingSample GoldenMedia(const std::string& vision_golden_dir, const std::string& case_name) {
  const nlohmann::json vision = ReadJsonFile(vision_golden_dir + "/" + case_name + ".json");
  const NpyArray pixels = ReadNpy(vision_golden_dir + "/" + vision["pixels"]["file"].get<std::string>());
  TrainingSample sample;
  sample.media.push_back({{pixels.ToF32(), pixels.shape[0], pixels.shape[1]},
                          vision["grid"].get<std::array<int64_t, 3>>(), vision["merge_size"].get<int>()});
  if (vision.contains("kept_mask")) sample.kept.push_back(vision["kept_mask"]["f32"].get<std::vector<uint8_t>>());
  return sample;
}

// One image (merge size 1) and a question about it.
inline TrainingSample GoldenImageSample(const std::string& model_dir, const std::string& vision_golden_dir) {
  TrainingSample sample = GoldenMedia(vision_golden_dir, "image");
  const auto [t, gh, gw] = sample.media[0].grid;
  const std::vector<int64_t> image_tokens = {t * gh * gw};
  nlohmann::ordered_json question = nlohmann::ordered_json::array();
  question.push_back({{"type", "image"}});
  question.push_back({{"type", "text"}, {"text", "What is shown in this image?"}});
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  messages.push_back({{"role", "user"}, {"content", question}});
  messages.push_back({{"role", "assistant"}, {"content", "A small test pattern."}});
  sample.tokens = LabelConversation(Tokenizer::FromDir(model_dir), FindChatTemplate(model_dir), messages, image_tokens);
  return sample;
}

// The 4-slice volume (merge size 2: the bilinear downsample) with the float32 reduction mask:
// dropped tokens have no slot.
inline TrainingSample GoldenVolumeSample(const std::string& model_dir, const std::string& vision_golden_dir) {
  TrainingSample sample = GoldenMedia(vision_golden_dir, "volume");
  const auto [t, gh, gw] = sample.media[0].grid;
  const int m = sample.media[0].merge_size;
  const std::vector<int64_t> image_tokens(static_cast<size_t>(t), (gh / m) * (gw / m));  // one <image> per slice
  nlohmann::ordered_json question = nlohmann::ordered_json::array();
  question.push_back({{"type", "video"}, {"num_frames", t}});
  question.push_back({{"type", "text"}, {"text", "Describe this CT volume."}});
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  messages.push_back({{"role", "user"}, {"content", question}});
  messages.push_back({{"role", "assistant"}, {"content", "Four slices."}});
  sample.tokens = LabelConversation(Tokenizer::FromDir(model_dir), FindChatTemplate(model_dir), messages, image_tokens);
  const int32_t image_token = ReadJsonFile(model_dir + "/config.json")["image_token_index"].get<int32_t>();
  DropReducedVisualTokens(sample.tokens, image_token, sample.kept[0]);
  return sample;
}

}  // namespace hm::train
