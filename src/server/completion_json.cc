#include "server/completion_json.h"

namespace hm {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json Base(const CompletionIds& ids, const char* object) {
  return {{"id", ids.id}, {"object", object}, {"created", static_cast<int64_t>(ids.created)}, {"model", ids.model},
          {"system_fingerprint", "hulumed.cpp"}};
}

json FinishReason(const std::string& r) { return r.empty() ? json(nullptr) : json(r); }

}  // namespace

json UsageJson(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.reused_tokens}}}};
}

json TimingsJson(const Usage& u) {
  const double decode_tps = u.decode_seconds > 0 && u.completion_tokens > 1 ? (u.completion_tokens - 1) / u.decode_seconds : 0;
  return {{"queue_ms", u.queue_seconds * 1e3},     {"vision_ms", u.vision_seconds * 1e3},
          {"prefill_ms", u.prefill_seconds * 1e3}, {"decode_ms", u.decode_seconds * 1e3},
          {"visual_tokens", u.visual_tokens},      {"decode_tokens_per_second", decode_tps}};
}

json CompletionJson(const CompletionIds& ids, const std::string& text, const std::string& finish_reason, const Usage& u) {
  json j = Base(ids, "chat.completion");
  j["choices"] = json::array({{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", text}}},
                               {"logprobs", nullptr},
                               {"finish_reason", FinishReason(finish_reason)}}});
  if (u.token_ids) j["choices"][0]["token_ids"] = *u.token_ids;
  j["usage"] = UsageJson(u);
  j["timings"] = TimingsJson(u);
  return j;
}

std::string Event(const json& payload) { return "data: " + Dump(payload) + "\n\n"; }

std::string ChunkEvent(const CompletionIds& ids, const json& delta, const std::string& finish_reason) {
  json j = Base(ids, "chat.completion.chunk");
  j["choices"] = json::array({{{"index", 0}, {"delta", delta}, {"logprobs", nullptr}, {"finish_reason", FinishReason(finish_reason)}}});
  return Event(j);
}

std::string UsageEvent(const CompletionIds& ids, const Usage& u) {
  json j = Base(ids, "chat.completion.chunk");
  j["choices"] = json::array();
  j["usage"] = UsageJson(u);
  j["timings"] = TimingsJson(u);
  return Event(j);
}

}  // namespace hm
