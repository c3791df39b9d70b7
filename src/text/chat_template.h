// Turning a conversation into the prompt string a checkpoint expects: its processor's
// chat template when it ships one, else Hulu-Med's default ChatML template (SPEC 6).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hm {

// Hulu-Med's default template, written here to render exactly what the reference
// processor's DEFAULT_CHAT_TEMPLATE renders (checked by goldens made from the original).
extern const char* const kHulumedChatTemplate;

// A template's text and where it came from, so that errors in it name the file.
struct ChatTemplate {
  std::string text;
  std::string origin;  // a file path, or "Hulu-Med's default chat template"
};

// The template the reference processor applies (HulumedProcessor.__init__ assigns it to
// tokenizer.chat_template): chat_template.json "chat_template" (a string, or the entry
// named "default" of a list), else chat_template.jinja, else kHulumedChatTemplate. The
// tokenizer's own template in tokenizer_config.json is never used.
ChatTemplate FindChatTemplate(const std::string& dir);

// Renders messages (a JSON array of {role, content}) with the variables transformers'
// apply_chat_template provides. `extra` adds or overrides variables (add_system_prompt,
// enable_thinking, tools, ...); image_token defaults to "<image>".
// Key order matters (tojson prints dicts in insertion order), hence ordered_json. Errors
// begin with the template's origin.
std::string ApplyChatTemplate(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                              bool add_generation_prompt,
                              const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace hm
