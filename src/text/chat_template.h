// Turning a conversation into the prompt string a checkpoint expects: its own
// chat_template when it ships one, else Hulu-Med's default ChatML template (SPEC 6).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hm {

// Hulu-Med's default template, written here to render exactly what the reference
// processor's DEFAULT_CHAT_TEMPLATE renders (checked by goldens made from the original).
extern const char* const kHulumedChatTemplate;

// The checkpoint's template: tokenizer_config.json "chat_template" (a string, or the
// entry named "default" of a list), else chat_template.json, else kHulumedChatTemplate.
std::string FindChatTemplate(const std::string& dir);

// Renders messages (a JSON array of {role, content}) with the variables transformers'
// apply_chat_template provides. `extra` adds or overrides variables (add_system_prompt,
// enable_thinking, tools, ...); image_token defaults to "<image>".
// Key order matters (tojson prints dicts in insertion order), hence ordered_json.
std::string ApplyChatTemplate(const std::string& tmpl, const nlohmann::ordered_json& messages,
                              bool add_generation_prompt,
                              const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());

}  // namespace hm
