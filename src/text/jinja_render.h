// Renders a parsed chat template: the Jinja subset HF chat templates use, evaluated with
// Python Jinja2's semantics as transformers configures it (ImmutableSandboxedEnvironment,
// trim_blocks, lstrip_blocks, loopcontrols, tojson with ensure_ascii=False,
// raise_exception).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hm {

// Renders template source with a JSON context (messages, add_generation_prompt, ...).
// Anything outside the supported subset, and raise_exception(), throws hm::Error.
std::string RenderChatTemplate(const std::string& tmpl, const nlohmann::ordered_json& context);

}  // namespace hm
