#include "runtime/chat.h"

#include <chrono>

#include "core/error.h"
#include "text/chat_template.h"

namespace hm {
namespace {

// Fills num_frames (and timestamps) into the media parts and checks they match `media`.
void AnnotateMediaParts(ChatRequest& r) {
  size_t next = 0;
  for (auto& message : r.messages) {
    HM_CHECK(message.is_object() && message.contains("role"), "each message needs a role");
    auto content = message.find("content");
    if (content == message.end() || !content->is_array()) continue;
    for (auto& part : *content) {
      const std::string type = part.value("type", "");
      if (type != "image" && type != "video") continue;
      HM_CHECK(next < r.media.size(), "the messages have more media parts than media were given");
      const MediaItem& item = r.media[next++];
      HM_CHECK((type == "image") == (item.kind == MediaKind::kImage), "media part ", next, " is a ", type,
               " part but its media is ", item.kind == MediaKind::kImage ? "an image" : "a video or volume");
      if (type == "video") {
        part["num_frames"] = item.frames.images.size();
        if (r.timestamps && !item.frames.timestamps.empty()) part["timestamps"] = item.frames.timestamps;
      }
    }
  }
  HM_CHECK(next == r.media.size(), r.media.size(), " media were given but the messages have ", next,
           " media parts");
}

int32_t ImageTokenId(const Model& model) {
  const int64_t id = model.config().image_token_index;
  HM_CHECK(id >= 0 && id < model.config().llm.vocab, model.dir(),
           ": config.json has no valid image_token_index, so it cannot take images");
  return static_cast<int32_t>(id);
}

}  // namespace

nlohmann::ordered_json UserMessage(const std::vector<MediaItem>& media, const std::string& text) {
  if (media.empty()) return {{"role", "user"}, {"content", text}};
  nlohmann::ordered_json parts = nlohmann::ordered_json::array();
  for (const MediaItem& m : media) parts.push_back({{"type", m.kind == MediaKind::kImage ? "image" : "video"}});
  parts.push_back({{"type", "text"}, {"text", text}});
  return {{"role", "user"}, {"content", parts}};
}

PreparedPrompt PreparePromptFromIds(const Model& model, const std::vector<int32_t>& ids,
                                    const std::vector<MediaItem>& media, const PreprocessorConfig& preprocessor,
                                    const MultimodalOptions& options, ThreadPool& pool) {
  PreparedPrompt out;
  if (media.empty()) {
    out.prompt.ids = ids;
    out.prompt.embeddings.resize(ids.size() * model.config().llm.hidden);
    model.decoder().Embed(ids, out.prompt.embeddings.data());
    return out;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Frames> frames;
  for (const MediaItem& m : media) frames.push_back(m.frames);
  const std::vector<EncodedMedia> encoded = EncodeMedia(model, frames, preprocessor, options, pool);
  out.vision_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const EncodedMedia& e : encoded) {
    out.visual_tokens += e.frames * e.tokens_per_frame;
    out.visual_tokens_kept += e.kept();
  }
  out.prompt = AssemblePrompt(model.decoder(), ids, ImageTokenId(model), encoded);
  return out;
}

PreparedPrompt PreparePrompt(const Model& model, const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                             const PreprocessorConfig& preprocessor, ChatRequest& request,
                             const MultimodalOptions& options, ThreadPool& pool) {
  AnnotateMediaParts(request);
  const std::string text = ApplyChatTemplate(chat_template, request.messages, request.add_generation_prompt,
                                             {{"enable_thinking", request.enable_thinking}});
  const std::vector<int32_t> ids = tokenizer.Encode(text);
  if (!request.media.empty()) {
    const auto token = tokenizer.TokenId("<image>");
    if (!token || *token != ImageTokenId(model))
      FailInternal(model.dir(), ": the tokenizer's <image> id does not match config.json image_token_index ",
                   model.config().image_token_index);
  }
  return PreparePromptFromIds(model, ids, request.media, preprocessor, options, pool);
}

}  // namespace hm
