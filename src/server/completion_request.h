// The body of POST /v1/chat/completions, checked field by field: OpenAI's schema, the media
// extensions of media_input.h, and the server's limits. Everything here is a pure function
// of the body (and the allowed files), so the fuzzer drives it directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/chat.h"
#include "server/media_input.h"

namespace hm {

struct CompletionRequest {
  std::string model;
  ChatRequest chat;  // HF-style messages plus the decoded media
  bool stream = false;
  bool include_usage = false;          // stream_options.include_usage
  std::optional<int> max_tokens;       // max_tokens or max_completion_tokens
  std::optional<float> temperature;    // [0, 2]
  std::optional<float> top_p;          // (0, 1]
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;       // at most 4, non-empty
};

// Throws ApiError (400 for malformed JSON or fields, 403/413 from media) or hm::Error (bad
// media content, also a 400).
CompletionRequest ParseCompletionRequest(const std::string& body, const MediaResolver& media);

}  // namespace hm
