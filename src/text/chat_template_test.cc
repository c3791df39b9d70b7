#include "text/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "text/test_paths.h"

namespace hm {
namespace {

using json = nlohmann::ordered_json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Each golden was rendered by Jinja2 configured like transformers, and where it can render
// the template, by @huggingface/jinja (template_goldens_js.jsonl). Hulu-Med cases were
// rendered with the reference processor's own DEFAULT_CHAT_TEMPLATE; we render ours.
TEST(ChatTemplate, MatchesGoldens) {
  std::map<std::string, std::string> js;
  {
    std::ifstream js_in(testing::TextTestData("template_goldens_js.jsonl"));
    std::string line;
    while (std::getline(js_in, line)) {
      const json g = json::parse(line);
      if (g.contains("expected_js")) js[g["name"]] = g["expected_js"];
    }
  }
  EXPECT_GE(js.size(), 19u);
  std::ifstream in(testing::TextTestData("template_goldens.jsonl"));
  ASSERT_TRUE(in);
  std::string line;
  int hulumed = 0, public_templates = 0;
  while (std::getline(in, line)) {
    const json g = json::parse(line);
    const std::string name = g["name"];
    const bool ours = g["template"] == "hulumed_default";
    const std::string file = g["template"];
    const ChatTemplate tmpl{ours ? std::string(kHulumedChatTemplate) : ReadFile(testing::TextTestData("chat_templates/" + file)),
                            file};
    if (g.contains("error")) {
      try {
        ApplyChatTemplate(tmpl, g["messages"], g["add_generation_prompt"], g["extra"]);
        ADD_FAILURE() << name << ": expected an error";
      } catch (const Error& e) {
        // Jinja2's message, after the template file's name.
        EXPECT_NE(std::string(e.what()).find(g["error"].get<std::string>()), std::string::npos)
            << name << ": " << e.what();
        EXPECT_TRUE(std::string(e.what()).starts_with(file + ": ")) << e.what();
        // raise_exception() refuses the conversation (the caller's input); other failures are
        // the template's own (the checkpoint's problem).
        const bool raised = std::string(e.what()).find("chat template raised: ") != std::string::npos;
        EXPECT_EQ(e.kind(), raised ? ErrorKind::kInput : ErrorKind::kInternal) << e.what();
      }
      continue;
    }
    const std::string got = ApplyChatTemplate(tmpl, g["messages"], g["add_generation_prompt"], g["extra"]);
    EXPECT_EQ(got, g["expected"].get<std::string>()) << name;
    if (js.count(name)) EXPECT_EQ(got, js[name]) << name << " (@huggingface/jinja)";
    (ours ? hulumed : public_templates)++;
  }
  EXPECT_GE(hulumed, 30);
  EXPECT_GE(public_templates, 26);
}

TEST(ChatTemplate, FindsTheProcessorTemplateOrFallsBack) {
  ScratchDir scratch;
  const auto dir = scratch.path();
  EXPECT_EQ(FindChatTemplate(dir.string()).text, kHulumedChatTemplate);
  std::ofstream(dir / "chat_template.jinja") << "from chat_template.jinja";
  EXPECT_EQ(FindChatTemplate(dir.string()).text, "from chat_template.jinja");
  EXPECT_EQ(FindChatTemplate(dir.string()).origin, (dir / "chat_template.jinja").string());
  // transformers prefers the legacy chat_template.json when both are there.
  std::ofstream(dir / "chat_template.json") << R"({"chat_template": "from chat_template.json"})";
  EXPECT_EQ(FindChatTemplate(dir.string()).text, "from chat_template.json");
  EXPECT_EQ(FindChatTemplate(dir.string()).origin, (dir / "chat_template.json").string());
  std::ofstream(dir / "chat_template.json")
      << R"({"chat_template": [{"name": "tool_use", "template": "t"}, {"name": "default", "template": "d"}]})";
  EXPECT_EQ(FindChatTemplate(dir.string()).text, "d");
  std::ofstream(dir / "chat_template.json") << R"({"chat_template": 5})";
  EXPECT_THROW(FindChatTemplate(dir.string()), Error);
}

// Qwen3's official template as a processor template with list content: Jinja2 fails too;
// the message names the file and the construct.
TEST(ChatTemplate, StringMethodOnAListNamesTheFileAndTheConstruct) {
  const ChatTemplate qwen3{ReadFile(testing::TextTestData("chat_templates/qwen3.jinja")), "ckpt/chat_template.jinja"};
  const json image = json::parse(R"([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi"}]}])");
  try {
    ApplyChatTemplate(qwen3, image, true);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "ckpt/chat_template.jinja: chat template: message.content.startswith(...) calls a method on a list: "
              "'list object' has no attribute 'startswith'");
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  }
}

// A checkpoint laid out like the Qwen3-based Hulu-Med ones: the tokenizer saved by transformers
// carries Qwen3's official template, which HulumedProcessor replaces with its own, so text,
// image and video conversations all render Hulu-Med's template.
TEST(ChatTemplate, TokenizerConfigTemplateIsNeverUsed) {
  ScratchDir scratch;
  const auto dir = scratch.path();
  std::ofstream(dir / "tokenizer_config.json")
      << json{{"eos_token", "<|im_end|>"}, {"chat_template", ReadFile(testing::TextTestData("chat_templates/qwen3.jinja"))}}
             .dump();
  const json text = json::array({{{"role", "user"}, {"content", "Define tachycardia."}}});
  const json image = json::parse(R"([{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Findings?"}]}])");
  const json video = json::parse(
      R"([{"role": "user", "content": [{"type": "video", "num_frames": 3}, {"type": "text", "text": "Motion?"}]}])");
  const ChatTemplate found = FindChatTemplate(dir.string());
  EXPECT_EQ(found.text, kHulumedChatTemplate);
  EXPECT_EQ(ApplyChatTemplate(found, text, true), "<|im_start|>user\nDefine tachycardia.<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(ApplyChatTemplate(found, image, true), "<|im_start|>user\n<image>\nFindings?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(ApplyChatTemplate(found, video, true),
            "<|im_start|>user\n<image>,<image>,<image>\nMotion?<|im_end|>\n<|im_start|>assistant\n");

  // With a processor template beside it, that one applies, still not the tokenizer's.
  const std::string processor_template = ReadFile(testing::TextTestData("chat_templates/hulumed_think.jinja"));
  std::ofstream(dir / "chat_template.json") << json{{"chat_template", processor_template}}.dump();
  const ChatTemplate processor = FindChatTemplate(dir.string());
  EXPECT_EQ(processor.text, processor_template);
  EXPECT_NE(ApplyChatTemplate(processor, video, true), ApplyChatTemplate(found, video, true));
  for (const json& conversation : {text, image, video})
    EXPECT_EQ(ApplyChatTemplate(processor, conversation, true),
              ApplyChatTemplate({processor_template, "hulumed_think.jinja"}, conversation, true));
}

}  // namespace
}  // namespace hm
