// The OpenAI response shapes of a chat completion: the whole answer, and the chunks of a
// stream (chat.completion.chunk). Beyond OpenAI's fields, "timings" reports where the time
// went and how much of the prompt came from a cached prefix.
#pragma once

#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "server/job.h"

namespace hm {

struct CompletionIds {
  std::string id;     // "chatcmpl-..."
  std::string model;
  std::time_t created = 0;
};

nlohmann::json UsageJson(const Usage& u);
nlohmann::json TimingsJson(const Usage& u);
nlohmann::json CompletionJson(const CompletionIds& ids, const std::string& text, const std::string& finish_reason,
                              const Usage& u);
// One SSE event "data: {...}\n\n" carrying a delta; an empty finish_reason is null.
std::string ChunkEvent(const CompletionIds& ids, const nlohmann::json& delta, const std::string& finish_reason);
// The final usage chunk of stream_options.include_usage (empty choices).
std::string UsageEvent(const CompletionIds& ids, const Usage& u);
std::string Event(const nlohmann::json& payload);

}  // namespace hm
