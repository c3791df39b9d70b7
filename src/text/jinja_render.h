// Renders a parsed chat template: the Jinja subset HF chat templates use, evaluated with
// Python Jinja2's semantics as transformers configures it (ImmutableSandboxedEnvironment,
// trim_blocks, lstrip_blocks, loopcontrols, tojson with ensure_ascii=False,
// raise_exception).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace hm {

// Renders template source with a JSON context (messages, add_generation_prompt, ...).
// raise_exception() throws an hm::Error of kind kInput (the template refuses the
// conversation); anything else that fails (syntax, constructs outside the supported subset,
// a method the value lacks) is the template's fault and throws kind kInternal.
std::string RenderChatTemplate(const std::string& tmpl, const nlohmann::ordered_json& context);

}  // namespace hm
