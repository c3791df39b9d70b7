#include "server/completion_request.h"

#include "server/api_error.h"

namespace hm {
namespace {

using nlohmann::json;

bool IsMediaPart(const std::string& type) {
  return type == "image_url" || type == "video_url" || type == "volume_url";
}

// OpenAI content (a string or a list of parts) -> HF content; media parts become
// {"type": "image"} / {"type": "video"} placeholders for the decoded items.
json ConvertContent(const json& content, const MediaResolver& media, std::vector<MediaItem>& items,
                    const std::string& what) {
  if (content.is_string()) return content;
  if (content.is_null()) return "";
  if (!content.is_array()) FailRequest(what, ": content must be a string or a list of parts");
  json parts = json::array();
  for (size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string where = StrCat(what, "[", i, "]");
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) FailRequest(where, ": needs a \"type\"");
    const std::string type = part["type"].get<std::string>();
    if (type == "text") {
      if (!part.contains("text") || !part["text"].is_string()) FailRequest(where, ": a text part needs a string \"text\"");
      parts.push_back({{"type", "text"}, {"text", part["text"]}});
    } else if (IsMediaPart(type)) {
      CheckRoomForMedia(items.size(), media.limits(), where);
      items.push_back(media.Resolve(part, where));
      parts.push_back({{"type", items.back().kind == MediaKind::kImage ? "image" : "video"}});
    } else {
      FailRequest(where, ": unsupported part type '", type, "'");
    }
  }
  return parts;
}

template <typename T>
std::optional<T> Number(const json& body, const char* key, double lo, double hi, bool lo_open = false) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) FailRequest("\"", key, "\" must be a number");
  const double v = it->get<double>();
  if (!(lo_open ? v > lo : v >= lo) || !(v <= hi)) FailRequest("\"", key, "\" must be in ", lo_open ? "(" : "[", lo, ", ", hi, "]");
  if constexpr (std::is_integral_v<T>) {
    if (!it->is_number_integer()) FailRequest("\"", key, "\" must be an integer");
    return it->is_number_unsigned() ? static_cast<T>(it->get<uint64_t>()) : static_cast<T>(it->get<int64_t>());
  }
  return static_cast<T>(v);
}

}  // namespace

CompletionRequest ParseCompletionRequest(const std::string& body_text, const MediaResolver& media) {
  json body = json::parse(body_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) FailRequest("the request body is not valid JSON");
  if (!body.is_object()) FailRequest("the request body must be a JSON object");

  CompletionRequest r;
  if (body.contains("model") && body["model"].is_string()) r.model = body["model"].get<std::string>();
  if (body.contains("stream")) {
    if (!body["stream"].is_boolean() && !body["stream"].is_null()) FailRequest("\"stream\" must be a boolean");
    r.stream = body["stream"].is_boolean() && body["stream"].get<bool>();
  }
  if (const auto so = body.find("stream_options"); so != body.end() && so->is_object())
    r.include_usage = so->value("include_usage", false) == true;
  // vLLM's and llama.cpp's way to reach the template's switches; `run --think` sets the same.
  if (const auto kw = body.find("chat_template_kwargs"); kw != body.end() && !kw->is_null()) {
    if (!kw->is_object()) FailRequest("\"chat_template_kwargs\" must be an object");
    if (const auto think = kw->find("enable_thinking"); think != kw->end()) {
      if (!think->is_boolean()) FailRequest("\"chat_template_kwargs.enable_thinking\" must be a boolean");
      r.chat.enable_thinking = think->get<bool>();
    }
  }
  if (body.contains("return_token_ids")) {
    if (!body["return_token_ids"].is_boolean()) FailRequest("\"return_token_ids\" must be a boolean");
    r.return_token_ids = body["return_token_ids"].get<bool>();
  }
  if (const auto n = Number<int>(body, "n", 1, 1)) (void)n;  // only n = 1 exists here
  r.max_tokens = Number<int>(body, "max_completion_tokens", 1, 1 << 30);
  if (!r.max_tokens) r.max_tokens = Number<int>(body, "max_tokens", 1, 1 << 30);
  r.sampling.temperature = Number<float>(body, "temperature", 0, 2);
  r.sampling.top_p = Number<float>(body, "top_p", 0, 1, /*lo_open=*/true);
  r.sampling.top_k = Number<int>(body, "top_k", 0, 1 << 30);
  r.sampling.repetition_penalty = Number<float>(body, "repetition_penalty", 0, 10, /*lo_open=*/true);
  r.sampling.seed = Number<uint64_t>(body, "seed", 0, 1.8e19);

  if (const auto stop = body.find("stop"); stop != body.end() && !stop->is_null()) {
    const json list = stop->is_string() ? json::array({*stop}) : *stop;
    if (!list.is_array() || list.size() > 4) FailRequest("\"stop\" must be a string or a list of at most 4 strings");
    for (const json& s : list) {
      if (!s.is_string() || s.get<std::string>().empty()) FailRequest("\"stop\" entries must be non-empty strings");
      r.stop.push_back(s.get<std::string>());
    }
  }

  const auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    FailRequest("\"messages\" must be a non-empty list");
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string what = StrCat("messages[", i, "]");
    if (!m.is_object()) FailRequest(what, ": must be an object");
    const std::string role = m.contains("role") && m["role"].is_string() ? m["role"].get<std::string>() : "";
    if (role != "system" && role != "user" && role != "assistant" && role != "developer")
      FailRequest(what, ": \"role\" must be system, developer, user or assistant");
    nlohmann::ordered_json out;
    out["role"] = role == "developer" ? "system" : role;
    out["content"] = ConvertContent(m.contains("content") ? m["content"] : json(), media, r.chat.media, what + ".content");
    r.chat.messages.push_back(std::move(out));
  }
  return r;
}

}  // namespace hm
