// Tests' shared sample: the vision goldens' image pixel rows (testdata/goldens/<model>/vision/
// image, merge size 1) with the question and answer of tools/reference/make_grad_goldens.py,
// labelled by the reference rule. The grad_image and lora_vision goldens are computed on it.
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

inline TrainingSample GoldenImageSample(const std::string& model_dir, const std::string& vision_golden_dir) {
  const nlohmann::json vision = ReadJsonFile(vision_golden_dir + "/image.json");
  const NpyArray pixels = ReadNpy(vision_golden_dir + "/" + vision["pixels"]["file"].get<std::string>());
  TrainingSample sample;
  sample.media.push_back({{pixels.ToF32(), pixels.shape[0], pixels.shape[1]},
                          vision["grid"].get<std::array<int64_t, 3>>(), vision["merge_size"].get<int>()});
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

}  // namespace hm::train
