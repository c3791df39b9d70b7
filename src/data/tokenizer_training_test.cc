#include "data/tokenizer_training.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/file_bytes.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class TokenizerTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream out(dir_ / "samples.jsonl");
    for (int i = 0; i < 30; ++i) {
      out << R"({"image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat modality is this?"},)"
          << R"( {"from": "gpt", "value": "CT. A lesion in the right lung, )" << i << R"( mm."}]})" << "\n";
      out << R"({"video": ["c.mp4"], "conversations": [{"from": "human", "value": "<video>\nWhich lobe holds the lesion?"},)"
          << R"( {"from": "gpt", "value": "The right lower lobe."}]})" << "\n";
    }
  }

  TokenizerTrainingSummary Train(const std::string& out, int32_t vocab = 400) {
    return TrainTokenizer({.files = {(dir_ / "samples.jsonl").string()}, .vocab_size = vocab, .out_dir = (dir_ / out).string()});
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

TEST_F(TokenizerTraining, WritesATokenizerTheEngineLoadsWithQwensSpecialTokens) {
  const TokenizerTrainingSummary s = Train("tok");
  EXPECT_EQ(s.records, 60);
  // This little text runs out of repeated pairs before 400; a smaller budget is met exactly.
  EXPECT_LT(s.vocab_size, 400);
  EXPECT_EQ(Train("tok300", 300).vocab_size, 300);
  const Tokenizer tok = Tokenizer::FromDir((dir_ / "tok").string());
  const int32_t n = s.vocab_size;
  EXPECT_EQ(tok.VocabSize(), n);
  // Added tokens follow the BPE vocabulary in Qwen2.5's order, <image> last (as Hulu-Med adds it).
  EXPECT_EQ(tok.TokenId("<|endoftext|>"), n - 23);
  EXPECT_EQ(tok.TokenId("<|im_start|>"), n - 22);
  EXPECT_EQ(tok.TokenId("<|im_end|>"), n - 21);
  EXPECT_EQ(tok.TokenId("<image>"), n - 1);
  EXPECT_TRUE(tok.IsSpecial(n - 1));
  EXPECT_EQ(tok.Encode(" lesion").size(), 1u);
  EXPECT_EQ(tok.Encode("video").size(), 5u);  // the <video> placeholder is not text the model reads

  const nlohmann::ordered_json messages = nlohmann::ordered_json::parse(R"([
      {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "What modality is this?"}]},
      {"role": "assistant", "content": "CT."}])");
  const std::string text = ApplyChatTemplate({kHulumedChatTemplate, "default"}, messages, false);
  const std::vector<int32_t> ids = tok.Encode(text);
  EXPECT_EQ(ids.front(), *tok.TokenId("<|im_start|>"));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), *tok.TokenId("<image>")), 1);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), *tok.TokenId("<|im_end|>")), 2);
  EXPECT_EQ(tok.Decode(ids, false), text);
  EXPECT_EQ(tok.Decode(ids, true), "user\n\nWhat modality is this?\nassistant\nCT.\n");

  const auto config = nlohmann::json::parse(ReadFileBytes(dir_ / "tok" / "tokenizer_config.json"));
  EXPECT_EQ(config["eos_token"], "<|im_end|>");
  EXPECT_EQ(config["added_tokens_decoder"][std::to_string(n - 1)]["content"], "<image>");
}

TEST_F(TokenizerTraining, SameInputSameBytes) {
  Train("a");
  Train("b");
  for (const char* file : {"tokenizer.json", "tokenizer_config.json"})
    EXPECT_EQ(ReadFileBytes(dir_ / "a" / file), ReadFileBytes(dir_ / "b" / file)) << file;
}

TEST_F(TokenizerTraining, NamesTheLineOfABadRecord) {
  std::ofstream(dir_ / "samples.jsonl", std::ios::app) << R"({"conversations": [{"value": "no speaker"}]})" << "\n";
  try {
    Train("bad");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("samples.jsonl:61"), std::string::npos) << e.what();
  }
}

TEST_F(TokenizerTraining, RefusesAVocabularyWithoutRoomForTheAddedTokens) {
  EXPECT_THROW(Train("small", 270), Error);
}

TEST_F(TokenizerTraining, AnOutputFolderThatCannotBeMadeIsAnError) {
  EXPECT_THROW(Train("samples.jsonl/tok"), Error);  // below a file
}

}  // namespace
}  // namespace hm
