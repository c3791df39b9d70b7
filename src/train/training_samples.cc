#include "train/training_samples.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "data/data_file.h"
#include "data/record_media.h"
#include "runtime/request_policy.h"

namespace hm {
namespace {

std::string Strip(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\n\r\f\v");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t\n\r\f\v") - begin + 1);
}

}  // namespace

nlohmann::ordered_json MessagesFromConversations(const nlohmann::json& conversations, const std::string& placeholder,
                                                 const std::vector<nlohmann::ordered_json>& media_parts,
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
  size_t placeholders = 0;
  for (const auto& [from, value] : turns)
    for (size_t at = value.find(placeholder); at != std::string::npos; at = value.find(placeholder, at + 1))
      ++placeholders;
  if (!media_parts.empty() && placeholders == 0) {
    turns[0].second = placeholder + turns[0].second;
    placeholders = 1;
  }
  HM_CHECK(placeholders == media_parts.size(), where, ": ", placeholders, " ", placeholder, " placeholders for ",
           media_parts.size(), " media");

  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  size_t next = 0;
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
      parts.push_back(media_parts[next++]);
      from_pos = at + placeholder.size();
    }
    messages.push_back({{"role", "user"}, {"content", parts}});
  }
  return messages;
}

namespace {

// The record's turns as the reference's "conversations" (from human / gpt / system).
nlohmann::json Conversations(const TrainRecord& record) {
  nlohmann::json out = nlohmann::json::array();
  for (const Turn& t : record.turns) {
    const char* from = t.role == Turn::Role::kUser ? "human" : t.role == Turn::Role::kAssistant ? "gpt" : "system";
    out.push_back({{"from", from}, {"value", t.text}});
  }
  return out;
}

}  // namespace

TrainingSampleBuilder::TrainingSampleBuilder(const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                                             const ModelConfig& config, PreprocessorConfig preprocessor,
                                             SampleMediaOptions options)
    : tokenizer_(tokenizer),
      chat_template_(chat_template),
      config_(config),
      preprocessor_(std::move(preprocessor)),
      options_(options),
      reduction_(ResolveMultimodalOptions(VisualSettings{}, config).reduction) {
  if (options.max_visual_tokens)
    preprocessor_.max_tokens = std::min(preprocessor_.max_tokens, *options.max_visual_tokens);
}

TrainingSampleBuilder::VisualInput TrainingSampleBuilder::LoadVisualInput(const TrainRecord& record) const {
  const int images = record.CountMedia(MediaRef::Kind::kImage);
  HM_CHECK(images == 0 || images == static_cast<int>(record.media.size()), record.where,
           ": a record holds images or a video/volume, not both");
  VisualInput in;
  in.placeholder = images > 0 || record.media.empty() ? "<image>" : "<video>";
  std::vector<Frames> frames;
  for (const MediaRef& m : record.media) {
    try {
      frames.push_back(LoadRecordMedia(m, {options_.fps, options_.max_frames}).frames);
    } catch (const Error& e) {
      Fail(record.where, ": ", e.what());
    }
    // The loader says 1 for still images (and one-slice volumes), 2 for videos and volumes.
    const std::optional<int>& merge =
        frames.back().merge_size == 1 ? options_.image_merge_size : options_.video_merge_size;
    if (merge) frames.back().merge_size = *merge;
  }
  try {
    if (!frames.empty()) in.media = Preprocess(frames, preprocessor_);
  } catch (const Error& e) {
    Fail(record.where, ": ", e.what());
  }
  // One <image> per frame in the rendered prompt, each standing for that frame's tokens.
  for (const PreprocessedMedia& m : in.media) {
    const auto [t, gh, gw] = m.grid;
    const int64_t per_frame = (gh / m.merge_size) * (gw / m.merge_size);
    if (in.placeholder == "<image>") {
      in.parts.push_back({{"type", "image"}});
    } else {
      in.parts.push_back({{"type", "video"}, {"num_frames", t}});
    }
    in.frame_tokens.insert(in.frame_tokens.end(), static_cast<size_t>(t), per_frame);
    // As the runtime decides it: merged multi-frame items only.
    in.kept.push_back(options_.token_reduction && in.placeholder == "<video>" && m.merge_size > 1 && t > 1
                          ? PixelKeepMask(m, reduction_)
                          : std::vector<uint8_t>(static_cast<size_t>(t * per_frame), 1));
  }
  return in;
}

TrainingSample TrainingSampleBuilder::Build(const TrainRecord& record) const {
  VisualInput in = LoadVisualInput(record);
  TrainingSample sample;
  sample.media = std::move(in.media);
  if (record.packed) {
    // Equal visual tokens (count per item and the ones kept) mean the text was rendered and
    // tokenized with the same slots, so the packed tokens are what Build would make now.
    auto count = [](const std::vector<std::vector<uint8_t>>& kept) {
      int64_t n = 0;
      for (const auto& k : kept) n += static_cast<int64_t>(k.size());
      return n;
    };
    HM_CHECK(record.packed->kept == in.kept, record.where, ": packed with other visual settings than the stage's (",
             count(record.packed->kept), " visual tokens then, ", count(in.kept),
             " now, or others kept by token reduction): pack it again for the stage (data pack --recipe)");
    sample.tokens = record.packed->tokens;
    sample.kept = std::move(in.kept);
    return sample;
  }
  sample.tokens = LabelConversation(
      tokenizer_, chat_template_,
      MessagesFromConversations(Conversations(record), in.placeholder, in.parts, record.where), in.frame_tokens);
  std::vector<uint8_t> kept;
  for (const auto& k : in.kept) kept.insert(kept.end(), k.begin(), k.end());
  if (!kept.empty()) DropReducedVisualTokens(sample.tokens, static_cast<int32_t>(config_.image_token_index), kept);
  sample.kept = std::move(in.kept);
  return sample;
}

std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const ChatTemplate& chat_template, const ModelConfig& config,
                                                const PreprocessorConfig& preprocessor) {
  SampleMediaOptions options;
  options.token_reduction = config.use_token_compression;
  const TrainingSampleBuilder builder(tokenizer, chat_template, config, preprocessor, options);
  const std::string folder = std::filesystem::path(jsonl_path).parent_path().string();
  std::vector<TrainingSample> samples;
  ForEachRecord(jsonl_path, [&](const FileRecord& raw) {
    HM_CHECK(raw.error.empty(), raw.where, ": ", raw.error);
    samples.push_back(builder.Build(ParseTrainRecord(raw.record, raw.where, folder)));
  });
  HM_CHECK(!samples.empty(), jsonl_path, ": no samples");
  return samples;
}

}  // namespace hm
