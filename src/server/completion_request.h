// The body of POST /v1/chat/completions, checked field by field: OpenAI's schema, the media
// extensions of media_input.h, and the server's limits. Everything here is a pure function
// of the body (and the allowed files), so the fuzzer drives it directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/chat.h"
#include "runtime/request_policy.h"
#include "server/media_input.h"

namespace hm {

struct CompletionRequest {
  std::string model;
  ChatRequest chat;  // HF-style messages plus the decoded media; chat_template_kwargs.enable_thinking
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
  std::optional<int> max_tokens;       // max_tokens or max_completion_tokens
  // temperature [0, 2], top_p (0, 1], seed; top_k >= 0 and repetition_penalty (0, 10] as
  // llama.cpp's and vLLM's servers take them. Unset: the checkpoint's generation_config.json.
  SamplingRequest sampling;
  std::vector<std::string> stop;       // at most 4, non-empty
  bool return_token_ids = false;       // vLLM's extension: choices[0].token_ids (not streamed)
};

// Throws ApiError (400 for malformed JSON or fields, 403/413 from media) or hm::Error (bad
// media content, also a 400).
CompletionRequest ParseCompletionRequest(const std::string& body, const MediaResolver& media);

}  // namespace hm
