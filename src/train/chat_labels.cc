#include "train/chat_labels.h"

#include <algorithm>
#include <fstream>

#include "core/error.h"
#include "text/chat_template.h"

namespace hm {

int64_t LabelledTokens::label_count() const {
  return labels.size() < 2 ? 0 : std::count_if(labels.begin() + 1, labels.end(), [](int32_t l) { return l != kIgnoreLabel; });
}

nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, const std::string& where) {
  HM_CHECK(conversations.is_array() && !conversations.empty(), where, ": \"conversations\" must be a non-empty array");
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const auto& turn : conversations) {
    HM_CHECK(turn.is_object() && turn.contains("from") && turn["from"].is_string() && turn.contains("value") &&
                 turn["value"].is_string(),
             where, ": each turn of \"conversations\" needs string \"from\" and \"value\"");
    const std::string from = turn["from"];
    const std::string role = from == "human" ? "user" : from == "gpt" ? "assistant" : from;
    HM_CHECK(role == "user" || role == "assistant" || role == "system", where, ": turn \"from\" is '", from,
             "' (expected human, gpt or system)");
    messages.push_back({{"role", role}, {"content", turn["value"]}});
  }
  return messages;
}

LabelledTokens LabelConversation(const Tokenizer& tokenizer, const std::string& chat_template,
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

std::vector<LabelledTokens> LabelTextSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                             const std::string& chat_template) {
  std::ifstream in(jsonl_path, std::ios::binary);
  HM_CHECK(in, jsonl_path, ": cannot open");
  std::vector<LabelledTokens> samples;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = jsonl_path + ":" + std::to_string(n);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      Fail(where, ": invalid JSON: ", e.what());
    }
    HM_CHECK(record.is_object() && record.contains("conversations"), where, ": needs \"conversations\"");
    for (const char* media : {"image", "video", "volume"})
      HM_CHECK(!record.contains(media), where, ": \"", media, "\" samples are not supported yet (text only)");
    samples.push_back(
        LabelConversation(tokenizer, chat_template, MessagesFromConversations(record["conversations"], where)));
  }
  HM_CHECK(!samples.empty(), jsonl_path, ": no samples");
  return samples;
}

}  // namespace hm
