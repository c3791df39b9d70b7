#include "text/chat_template.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "text/jinja_render.h"

namespace hm {

// ChatML turns; list content renders images as "<image>\n", a video of n frames as n-1
// "<image>," and one "<image>\n", each optionally preceded by its time, then text parts.
const char* const kHulumedChatTemplate = R"TPL(
{%- for message in messages -%}
  {%- set tag = 'stream' if message['role'] == 'stream' else 'im' -%}
  {{- '<|' + tag + '_start|>' + message['role'] + '\n' -}}
  {%- if message['content'] is string -%}
    {{- message['content'] -}}
  {%- else -%}
    {%- for part in message['content'] -%}
      {%- if part['type'] == 'image' or 'image' in part or 'image_url' in part -%}
        {%- if 'time' in part -%}{{- 'Time ' + part['time'] | round(1) | string + 's: ' -}}{%- endif -%}
        {{- '<image>\n' -}}
      {%- elif part['type'] == 'video' or 'video' in part or 'video_url' in part -%}
        {%- for i in range(part['num_frames']) -%}
          {%- if 'timestamps' in part -%}{{- 'Time ' + part['timestamps'][i] | round(1) | string + 's:' -}}{%- endif -%}
          {{- '<image>,' if i < part['num_frames'] - 1 else '<image>\n' -}}
        {%- endfor -%}
      {%- elif part['type'] == 'text' or 'text' in part -%}
        {{- part['text'] -}}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{- '<|' + tag + '_end|>\n' -}}
{%- endfor -%}
{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\n' -}}{%- endif -%}
)TPL";

namespace {

std::optional<nlohmann::json> ReadJsonIfExists(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path.string(), ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    Fail(path.string(), ": invalid JSON: ", e.what());
  }
}

std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path.string(), ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> TemplateFrom(const nlohmann::json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {
    for (const auto& entry : value)
      if (entry.is_object() && entry.value("name", "") == "default")
        return entry.at("template").get<std::string>();
    Fail(where, ": chat_template list has no entry named \"default\"");
  }
  HM_CHECK(value.is_null(), where, ": chat_template must be a string or a list");
  return std::nullopt;
}

}  // namespace

ChatTemplate FindChatTemplate(const std::string& dir) {
  const std::filesystem::path d(dir);
  // transformers reads the legacy chat_template.json before chat_template.jinja.
  const std::filesystem::path json_path = d / "chat_template.json";
  if (auto cfg = ReadJsonIfExists(json_path)) {
    if (auto t = TemplateFrom(cfg->value("chat_template", nlohmann::json()), json_path.string()))
      return {*t, json_path.string()};
  }
  const std::filesystem::path jinja_path = d / "chat_template.jinja";
  if (std::filesystem::exists(jinja_path)) return {ReadTextFile(jinja_path), jinja_path.string()};
  return {kHulumedChatTemplate, "Hulu-Med's default chat template"};
}

std::string ApplyChatTemplate(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                              bool add_generation_prompt, const nlohmann::ordered_json& extra) {
  HM_CHECK(messages.is_array(), "messages must be a JSON array");
  nlohmann::ordered_json context = {{"messages", messages},
                            {"add_generation_prompt", add_generation_prompt},
                            {"image_token", "<image>"}};
  HM_CHECK(extra.is_object(), "chat template variables must be a JSON object");
  for (const auto& [k, v] : extra.items()) context[k] = v;
  try {
    return RenderChatTemplate(tmpl.text, context);
  } catch (const Error& e) {
    throw Error(StrCat(tmpl.origin, ": ", e.what()), e.kind());
  }
}

}  // namespace hm
