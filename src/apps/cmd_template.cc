// hulumed template: renders a conversation with the checkpoint's chat template (or the
// Hulu-Med default) and prints the prompt.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "core/error.h"
#include "text/chat_template.h"

namespace hm {
namespace {

struct TemplateOptions {
  std::string model_dir, messages;
  bool add_generation_prompt = false;
};

void RunTemplate(const TemplateOptions& o) {
  std::ifstream in(o.messages, std::ios::binary);
  HM_CHECK(in, o.messages, ": cannot open");
  nlohmann::ordered_json conv;
  try {
    conv = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    Fail(o.messages, ": invalid JSON: ", e.what());
  }
  // Either a bare list of messages or {"messages": [...], other template variables}.
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  if (conv.is_object()) {
    HM_CHECK(conv.contains("messages"), o.messages, ": needs a \"messages\" list");
    for (const auto& [k, v] : conv.items())
      if (k != "messages") extra[k] = v;
    conv = conv["messages"];
  }
  HM_CHECK(conv.is_array(), o.messages, ": messages must be a JSON list");
  const std::string prompt =
      ApplyChatTemplate(FindChatTemplate(o.model_dir), conv, o.add_generation_prompt, extra);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
}

}  // namespace

void AddTemplateCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("template", "Print the prompt a conversation renders to");
  auto o = std::make_shared<TemplateOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (its chat template, if any)")->required();
  cmd->add_option("--messages", o->messages, "JSON file: a list of messages, or {\"messages\": [...], ...}")
      ->required();
  cmd->add_flag("--add-generation-prompt", o->add_generation_prompt, "End with the assistant turn opener");
  cmd->callback([o] { RunTemplate(*o); });
}

}  // namespace hm
