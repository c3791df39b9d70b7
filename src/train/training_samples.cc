#include "train/training_samples.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "media/image_file.h"

namespace hm {
namespace {

std::string Strip(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\n\r\f\v");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\n\r\f\v") - begin + 1);
}

}  // namespace

nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, size_t images,
                                                 const std::string& where) {
  HM_CHECK(conversations.is_array(), where, ": \"conversations\" must be an array");
  std::vector<std::pair<std::string, std::string>> turns;  // (from, value)
  for (const auto& turn : conversations) {
    HM_CHECK(turn.is_object() && turn.contains("from") && turn["from"].is_string() && turn.contains("value") &&
                 turn["value"].is_string(),
             where, ": each turn of \"conversations\" needs string \"from\" and \"value\"");
    const std::string from = turn["from"];
    HM_CHECK(from == "human" || from == "gpt" || from == "system", where, ": turn \"from\" is '", from,
             "' (expected human, gpt or system)");
    if (turns.empty() && from == "gpt") continue;  // the reference drops leading non-user turns
    turns.emplace_back(from, turn["value"]);
  }
  HM_CHECK(turns.size() > 1, where, ": the conversation needs a human turn and an answer");
  const std::string placeholder = "<image>";
  size_t placeholders = 0;
  for (const auto& [from, value] : turns)
    for (size_t at = value.find(placeholder); at != std::string::npos; at = value.find(placeholder, at + 1))
      ++placeholders;
  if (images > 0 && placeholders == 0) {
    turns[0].second = placeholder + turns[0].second;
    placeholders = 1;
  }
  HM_CHECK(placeholders == images, where, ": ", placeholders, " <image> placeholders for ", images, " images");

  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  for (const auto& [from, value] : turns) {
    if (from != "human") {
      messages.push_back({{"role", from == "gpt" ? "assistant" : "system"}, {"content", value}});
      continue;
    }
    nlohmann::ordered_json parts = nlohmann::ordered_json::array();
    size_t from_pos = 0;
    while (true) {
      const size_t at = value.find(placeholder, from_pos);
      const std::string text = Strip(value.substr(from_pos, at == std::string::npos ? std::string::npos : at - from_pos));
      if (!text.empty()) parts.push_back({{"type", "text"}, {"text", text}});
      if (at == std::string::npos) break;
      parts.push_back({{"type", "image"}});
      from_pos = at + placeholder.size();
    }
    messages.push_back({{"role", "user"}, {"content", parts}});
  }
  return messages;
}

std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const std::string& chat_template,
                                                const PreprocessorConfig& preprocessor) {
  std::ifstream in(jsonl_path, std::ios::binary);
  HM_CHECK(in, jsonl_path, ": cannot open");
  const std::filesystem::path folder = std::filesystem::path(jsonl_path).parent_path();
  std::vector<TrainingSample> samples;
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
    for (const char* media : {"video", "volume"})
      HM_CHECK(!record.contains(media), where, ": \"", media, "\" samples are not supported yet");
    std::vector<std::string> paths;
    if (record.contains("image")) {
      const nlohmann::json& image = record["image"];
      for (const auto& p : image.is_array() ? image : nlohmann::json::array({image})) {
        HM_CHECK(p.is_string(), where, ": \"image\" must be a path or a list of paths");
        paths.push_back((folder / p.get<std::string>()).string());
      }
    }
    std::vector<Frames> frames;
    for (const std::string& path : paths) frames.push_back(StillImage(LoadImageFile(path)));
    TrainingSample sample;
    if (!frames.empty()) sample.media = Preprocess(frames, preprocessor);
    std::vector<int64_t> image_tokens;
    for (const PreprocessedMedia& m : sample.media)
      image_tokens.push_back(m.grid[0] * (m.grid[1] / m.merge_size) * (m.grid[2] / m.merge_size));
    sample.tokens = LabelConversation(tokenizer, chat_template,
                                      MessagesFromConversations(record["conversations"], paths.size(), where),
                                      image_tokens);
    samples.push_back(std::move(sample));
  }
  HM_CHECK(!samples.empty(), jsonl_path, ": no samples");
  return samples;
}

}  // namespace hm
