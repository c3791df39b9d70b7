// A conversation with media in, the decoder's prompt out: render the checkpoint's chat
// template, tokenize, expand each frame's <image> into its visual tokens and splice in the
// encoded features (SPEC section 6). Shared by `hulumed run` and the server.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "media/frames.h"
#include "runtime/media_request.h"
#include "runtime/multimodal.h"
#include "text/tokenizer.h"

namespace hm {

struct ChatRequest {
  // HF-style messages. Content is a string or a list of parts; a part {"type": "image"} or
  // {"type": "video"} stands for the next item of `media`, in order. PreparePrompt fills in
  // num_frames (and, with timestamps, the frame times) as the reference's callers do.
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  std::vector<MediaItem> media;
  bool add_generation_prompt = true;
  bool enable_thinking = false;
  // The reference passes only num_frames for videos; frame times in the prompt are opt-in.
  bool timestamps = false;
};

struct PreparedPrompt {
  Prompt prompt;
  int64_t visual_tokens = 0;       // before token reduction
  int64_t visual_tokens_kept = 0;  // after
  double vision_seconds = 0;
};

// The user turn of a one-shot question: media parts first, then the text, as the reference
// examples write it.
nlohmann::ordered_json UserMessage(const std::vector<MediaItem>& media, const std::string& text);

PreparedPrompt PreparePrompt(const Model& model, const Tokenizer& tokenizer, const std::string& chat_template,
                             const PreprocessorConfig& preprocessor, ChatRequest& request,
                             const MultimodalOptions& options, ThreadPool& pool);

// The same from token ids that already hold one image placeholder per frame (verification).
PreparedPrompt PreparePromptFromIds(const Model& model, const std::vector<int32_t>& ids,
                                    const std::vector<MediaItem>& media, const PreprocessorConfig& preprocessor,
                                    const MultimodalOptions& options, ThreadPool& pool);

}  // namespace hm
