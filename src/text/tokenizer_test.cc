#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "text/test_paths.h"

namespace hm {
namespace {

using nlohmann::json;

const Tokenizer& Qwen() {
  static const Tokenizer t = Tokenizer::FromDir(testing::QwenTokenizerDir());
  return t;
}

// Qwen3's vocabulary plus testdata/text/extra_added_tokens.json, as the golden script
// builds it.
const Tokenizer& QwenWithExtraTokens() {
  static const Tokenizer t = [] {
    std::ifstream in(testing::QwenTokenizerDir() + "/tokenizer.json");
    json j = json::parse(in);
    std::ifstream extra_in(testing::TextTestData("extra_added_tokens.json"));
    for (const json& a : json::parse(extra_in)) j["added_tokens"].push_back(a);
    ScratchDir scratch;
    const auto path = scratch / "tokenizer_extra.json";
    std::ofstream(path) << j.dump();
    Tokenizer tok = Tokenizer::FromFile(path.string());
    return tok;
  }();
  return t;
}

void CheckGoldens(const Tokenizer& tok, const std::string& file) {
  std::ifstream in(testing::TextTestData(file));
  ASSERT_TRUE(in) << file;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const json g = json::parse(line);
    const std::string text = g["text"];
    const auto want = g["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(tok.Encode(text), want) << file << " line " << n + 1 << ": " << text.substr(0, 80);
    EXPECT_EQ(tok.Decode(want, false), g["decoded"].get<std::string>()) << "line " << n + 1;
    EXPECT_EQ(tok.Decode(want, true), g["decoded_skip"].get<std::string>()) << "line " << n + 1;
    ++n;
  }
  EXPECT_GT(n, 100);
}

TEST(Tokenizer, MatchesHuggingFaceOnQwenVocabulary) { CheckGoldens(Qwen(), "tokenizer_goldens.jsonl"); }

TEST(Tokenizer, MatchesHuggingFaceWithImageAndFlaggedAddedTokens) {
  CheckGoldens(QwenWithExtraTokens(), "tokenizer_added_goldens.jsonl");
}

TEST(Tokenizer, AddedTokenLookup) {
  EXPECT_EQ(Qwen().TokenId("<|im_start|>"), 151644);
  EXPECT_EQ(Qwen().TokenId("<think>"), 151667);
  EXPECT_TRUE(Qwen().IsSpecial(151645));
  EXPECT_FALSE(Qwen().IsSpecial(151667));  // <think> is a normal added token in Qwen3
  EXPECT_EQ(Qwen().TokenId("Ġthe"), Qwen().Encode(" the").at(0));
  EXPECT_FALSE(Qwen().TokenId("<no such token>").has_value());
  EXPECT_EQ(QwenWithExtraTokens().TokenId("<image>"), 151669);
}

TEST(Tokenizer, EmptyInput) {
  EXPECT_TRUE(Qwen().Encode("").empty());
  EXPECT_EQ(Qwen().Decode({}, true), "");
}

TEST(Tokenizer, InvalidUtf8IsReplacedLikePython) {
  // b"ok\xff\xe4\xb8 end".decode("utf-8", "replace") == "ok\ufffd\ufffd end"
  EXPECT_EQ(Qwen().Encode("ok\xff\xe4\xb8 end"), Qwen().Encode("ok\xEF\xBF\xBD\xEF\xBF\xBD end"));
}

TEST(Tokenizer, DecodeSkipsUnknownIds) {
  const std::vector<int32_t> ids = {-1, 9707, 1 << 30};
  EXPECT_EQ(Qwen().Decode(ids, false), "Hello");
}

TEST(Tokenizer, MegabyteWordRoundTrips) {
  // A single 1 MB piece goes through the heap-based merge loop (no cache, no quadratic
  // rescans); a mix of letters keeps merges happening everywhere.
  std::string word;
  for (int i = 0; word.size() < (1 << 20); ++i) word += "abcdefghij"[(i * 7 + i / 3) % 10];
  const auto ids = Qwen().Encode(word);
  EXPECT_LT(ids.size(), word.size() / 2);
  EXPECT_EQ(Qwen().Decode(ids, false), word);
}

TEST(Tokenizer, RejectsUnsupportedFiles) {
  ScratchDir scratch;
  const auto dir = scratch.path();
  std::ofstream(dir / "tokenizer.json") << R"({"model": {"type": "WordPiece"}})";
  try {
    Tokenizer::FromDir(dir.string());
    FAIL() << "expected hm::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tokenizer::FromDir((dir / "missing").string()), Error);
}

}  // namespace
}  // namespace hm
