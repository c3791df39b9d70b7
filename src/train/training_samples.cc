#include "train/training_samples.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "media/dicom.h"
#include "media/image_file.h"
#include "media/image_folder.h"
#include "media/nifti.h"
#include "media/video.h"
#include "model/token_reduction.h"

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

// The record's media, loaded as `run` loads them; `placeholder` is set to the tag its
// conversation uses for them.
std::vector<Frames> LoadRecordMedia(const nlohmann::json& record, const std::filesystem::path& folder,
                                    const std::string& where, std::string& placeholder) {
  const int kinds = record.contains("image") + record.contains("video") + record.contains("volume");
  HM_CHECK(kinds <= 1, where, ": a record has at most one of \"image\", \"video\" and \"volume\"");
  auto path_of = [&](const nlohmann::json& p) {
    HM_CHECK(p.is_string(), where, ": media paths must be strings");
    return (folder / p.get<std::string>()).string();
  };
  std::vector<Frames> frames;
  placeholder = "<image>";
  if (record.contains("image")) {
    const nlohmann::json& image = record["image"];
    for (const auto& p : image.is_array() ? image : nlohmann::json::array({image}))
      frames.push_back(StillImage(LoadImageFile(path_of(p))));
  } else if (record.contains("video")) {
    placeholder = "<video>";
    const nlohmann::json& video = record["video"];
    HM_CHECK(!video.is_array() || video.size() == 1, where, ": \"video\" must hold one file or frame folder");
    const std::string path = path_of(video.is_array() ? video[0] : video);
    // The recipe's defaults (VideoLLaMA3): 1 fps, at most 180 frames.
    frames.push_back(std::filesystem::is_directory(path) ? LoadImageFolder(path, FolderOptions{})
                                                         : LoadVideo(path, VideoOptions{1.0, 180, {}, {}}));
  } else if (record.contains("volume")) {
    placeholder = "<video>";
    const nlohmann::json& volume = record["volume"];
    HM_CHECK(volume.is_object() && volume.contains("path"), where, ": \"volume\" needs a \"path\"");
    for (const auto& [key, value] : volume.items())
      HM_CHECK(key == "path" || key == "slices", where, ": volume key \"", key, "\" is not supported yet");
    const std::string path = path_of(volume["path"]);
    NiftiOptions nifti;
    DicomOptions dicom;
    nifti.num_slices = dicom.num_slices = volume.value("slices", 180);
    frames.push_back(IsNiftiFile(path) ? LoadNifti(path, nifti) : LoadDicom(path, dicom));
  }
  return frames;
}

}  // namespace

TrainingSample ReadTrainingSample(const nlohmann::json& record, const std::filesystem::path& folder,
                                  const std::string& where, const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                                  const ModelConfig& config, const PreprocessorConfig& preprocessor) {
  HM_CHECK(record.is_object() && record.contains("conversations"), where, ": needs \"conversations\"");
  TokenReductionOptions reduction;
  reduction.bf16_pixels = config.torch_dtype == "bfloat16";  // the reference casts pixels first
  std::string placeholder;
  const std::vector<Frames> frames = LoadRecordMedia(record, folder, where, placeholder);
  TrainingSample sample;
  if (!frames.empty()) sample.media = Preprocess(frames, preprocessor);
  // One <image> per frame in the rendered prompt, each standing for that frame's tokens.
  std::vector<nlohmann::ordered_json> parts;
  std::vector<int64_t> image_tokens;
  std::vector<uint8_t> kept;
  for (const PreprocessedMedia& m : sample.media) {
    const auto [t, gh, gw] = m.grid;
    const int64_t per_frame = (gh / m.merge_size) * (gw / m.merge_size);
    if (placeholder == "<image>") {
      parts.push_back({{"type", "image"}});
    } else {
      parts.push_back({{"type", "video"}, {"num_frames", t}});
    }
    image_tokens.insert(image_tokens.end(), static_cast<size_t>(t), per_frame);
    std::vector<uint8_t> keep = config.use_token_compression && placeholder == "<video>"
                                    ? PixelKeepMask(m, reduction)
                                    : std::vector<uint8_t>(static_cast<size_t>(t * per_frame), 1);
    kept.insert(kept.end(), keep.begin(), keep.end());
    sample.kept.push_back(std::move(keep));
  }
  sample.tokens = LabelConversation(tokenizer, chat_template,
                                    MessagesFromConversations(record["conversations"], placeholder, parts, where),
                                    image_tokens);
  if (!kept.empty()) DropReducedVisualTokens(sample.tokens, static_cast<int32_t>(config.image_token_index), kept);
  return sample;
}

std::vector<TrainingSample> ReadTrainingSamples(const std::string& jsonl_path, const Tokenizer& tokenizer,
                                                const ChatTemplate& chat_template, const ModelConfig& config,
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
    samples.push_back(ReadTrainingSample(record, folder, where, tokenizer, chat_template, config, preprocessor));
  }
  HM_CHECK(!samples.empty(), jsonl_path, ": no samples");
  return samples;
}

}  // namespace hm
