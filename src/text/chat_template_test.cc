#include "text/chat_template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.h"
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
    const std::string tmpl =
        ours ? std::string(kHulumedChatTemplate)
             : ReadFile(testing::TextTestData("chat_templates/" + g["template"].get<std::string>()));
    if (g.contains("error")) {
      try {
        ApplyChatTemplate(tmpl, g["messages"], g["add_generation_prompt"], g["extra"]);
        ADD_FAILURE() << name << ": expected an error";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(g["error"].get<std::string>()), std::string::npos)
            << name << ": " << e.what();
      }
      continue;
    }
    const std::string got = ApplyChatTemplate(tmpl, g["messages"], g["add_generation_prompt"], g["extra"]);
    EXPECT_EQ(got, g["expected"].get<std::string>()) << name;
    if (js.count(name)) EXPECT_EQ(got, js[name]) << name << " (@huggingface/jinja)";
    (ours ? hulumed : public_templates)++;
  }
  EXPECT_GE(hulumed, 30);
  EXPECT_GE(public_templates, 10);
}

TEST(ChatTemplate, FindsCheckpointTemplateOrFallsBack) {
  const auto dir = std::filesystem::temp_directory_path() / "hm_chat_template_find";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_EQ(FindChatTemplate(dir.string()), kHulumedChatTemplate);
  std::ofstream(dir / "chat_template.json") << R"({"chat_template": "from chat_template.json"})";
  EXPECT_EQ(FindChatTemplate(dir.string()), "from chat_template.json");
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"chat_template": [{"name": "tool_use", "template": "t"}, {"name": "default", "template": "d"}]})";
  EXPECT_EQ(FindChatTemplate(dir.string()), "d");
  std::ofstream(dir / "tokenizer_config.json") << R"({"chat_template": 5})";
  EXPECT_THROW(FindChatTemplate(dir.string()), Error);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hm
