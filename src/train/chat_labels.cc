#include "train/chat_labels.h"

#include <algorithm>

#include "core/error.h"
#include "text/chat_template.h"

namespace hm {

int64_t LabelledTokens::label_count() const {
  return labels.size() < 2 ? 0 : std::count_if(labels.begin() + 1, labels.end(), [](int32_t l) { return l != kIgnoreLabel; });
}

LabelledTokens LabelConversation(const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                                 const nlohmann::ordered_json& messages, std::span<const int64_t> image_tokens) {
  // The generation prompt as the reference infers it: what add_generation_prompt appends.
  const nlohmann::ordered_json probe = nlohmann::ordered_json::array({{{"role", "user"}, {"content", ""}}});
  const std::string with = ApplyChatTemplate(chat_template, probe, true);
  const std::string without = ApplyChatTemplate(chat_template, probe, false);
  HM_CHECK(with.starts_with(without), "chat template: the generation prompt is not appended at the end");
  const size_t skip = tokenizer.Encode(with.substr(without.size())).size();

  const std::string placeholder = "<image>";
  size_t next_image = 0;
  LabelledTokens out;
  for (const auto& message : messages) {
    const std::string rendered = ApplyChatTemplate(chat_template, nlohmann::ordered_json::array({message}), false);
    std::string expanded;
    size_t from = 0;
    for (size_t at; (at = rendered.find(placeholder, from)) != std::string::npos; from = at + placeholder.size()) {
      HM_CHECK(next_image < image_tokens.size(), "the conversation has more <image> placeholders than the ",
               image_tokens.size(), " frames given");
      expanded += rendered.substr(from, at - from);
      for (int64_t i = 0; i < image_tokens[next_image]; ++i) expanded += placeholder;
      ++next_image;
    }
    expanded += rendered.substr(from);
    const std::vector<int32_t> ids = tokenizer.Encode(expanded);
    const size_t start = out.ids.size();
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    out.labels.resize(out.ids.size(), kIgnoreLabel);
    if (message.value("role", "") == "assistant")
      for (size_t i = skip; i + 1 < ids.size(); ++i) out.labels[start + i] = ids[i];
  }
  HM_CHECK(next_image == image_tokens.size(), image_tokens.size(), " frames were given but the conversation has ",
           next_image, " <image> placeholders");
  return out;
}

void DropReducedVisualTokens(LabelledTokens& tokens, int32_t image_token, std::span<const uint8_t> kept) {
  LabelledTokens out;
  size_t slot = 0;
  for (size_t i = 0; i < tokens.ids.size(); ++i) {
    if (tokens.ids[i] == image_token) {
      HM_CHECK(slot < kept.size(), "token reduction: more image tokens than the ", kept.size(), " of the mask");
      if (!kept[slot++]) continue;
    }
    out.ids.push_back(tokens.ids[i]);
    out.labels.push_back(tokens.labels[i]);
  }
  HM_CHECK(slot == kept.size(), "token reduction: ", slot, " image tokens for a mask of ", kept.size());
  tokens = std::move(out);
}

}  // namespace hm
