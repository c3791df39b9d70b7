#include "model/create_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "model/model.h"
#include "text/bpe_trainer.h"
#include "text/byte_level.h"
#include "text/tokenizer.h"
#include "text/tokenizer_json.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CreateModel, EveryPresetLoadsBackAndIsLabelledUntrained) {
  ScratchDir scratch;
  for (const std::string& preset : {std::string("tiny"), std::string("tiny-qwen3")}) {
    const fs::path dir = scratch / preset;
    CreateModel({preset, dir.string(), DType::kBF16, 7});
    Model model(dir.string());  // binds and validates every tensor
    EXPECT_EQ(model.weights().decoder.qk_norm, preset == "tiny-qwen3");
    EXPECT_FALSE(model.config().fixture_note.empty());
    EXPECT_EQ(model.generation_defaults().eos_ids.size(), 2u);
    const Tokenizer tok = Tokenizer::FromDir(dir.string());
    const std::string text = "<|im_start|>user\nCT thorax: 3 mm nodule? <image>\n";
    EXPECT_EQ(tok.Decode(tok.Encode(text), false), text);
    EXPECT_EQ(tok.Encode("<image>")[0], model.config().image_token_index);
  }
  EXPECT_EQ(ModelPresetNames().size(), 6u);
}

TEST(CreateModel, SameSeedSameBytes) {
  ScratchDir scratch;
  const fs::path a = scratch / "a", b = scratch / "b";
  CreateModel({"tiny", a.string(), DType::kF32, 3});
  CreateModel({"tiny", b.string(), DType::kF32, 3});
  EXPECT_EQ(ReadAll(a / "model.safetensors"), ReadAll(b / "model.safetensors"));
  CreateModel({"tiny", b.string(), DType::kF32, 4});
  EXPECT_NE(ReadAll(a / "model.safetensors"), ReadAll(b / "model.safetensors"));
}

// A learned tokenizer in `dir`, as hulumed data tokenizer writes one.
void WriteLearnedTokenizer(const fs::path& dir) {
  BpeCorpus corpus({"<|im_start|>", "<|im_end|>", "<image>"});
  for (int i = 0; i < 10; ++i) corpus.Add("Is there a lesion in the right lung? Yes, one lesion of 8 mm.");
  const BpeVocabulary vocab = TrainBpe(corpus, {.vocab_size = 290});
  const auto added = HulumedAddedTokens(static_cast<int32_t>(vocab.tokens.size()));
  fs::create_directories(dir);
  std::ofstream(dir / "tokenizer.json") << TokenizerJson(vocab.tokens, vocab.merges, added).dump(2);
  std::ofstream(dir / "tokenizer_config.json") << TokenizerConfigJson(added, 4096).dump(2);
}

TEST(CreateModel, DemoPresetCarriesTheGivenTokenizer) {
  ScratchDir scratch;
  const fs::path tok_dir = scratch / "tokenizer", dir = scratch / "model";
  WriteLearnedTokenizer(tok_dir);
  const int64_t parameters = CreateModel({.preset = "demo", .out_dir = dir.string(), .seed = 1, .tokenizer_dir = tok_dir.string()});
  EXPECT_EQ(ReadAll(dir / "tokenizer.json"), ReadAll(tok_dir / "tokenizer.json"));
  EXPECT_EQ(ReadAll(dir / "tokenizer_config.json"), ReadAll(tok_dir / "tokenizer_config.json"));
  const Model model(dir.string());
  const Tokenizer tok = Tokenizer::FromDir(dir.string());
  EXPECT_EQ(model.config().llm.vocab, tok.VocabSize());
  EXPECT_EQ(model.config().image_token_index, tok.TokenId("<image>"));
  EXPECT_EQ(model.generation_defaults().eos_ids.front(), tok.TokenId("<|im_end|>"));
  // Hidden 256 x 4 layers and a 192-wide ViT: a few million parameters whatever the vocabulary.
  EXPECT_GT(parameters, 4'500'000);
  EXPECT_LT(parameters, 12'000'000);
}

TEST(CreateModel, AnyPresetTakesTheVocabularyOfAGivenTokenizer) {
  ScratchDir scratch;
  const fs::path tok_dir = scratch / "tokenizer", dir = scratch / "model";
  WriteLearnedTokenizer(tok_dir);
  CreateModel({.preset = "tiny", .out_dir = dir.string(), .tokenizer_dir = tok_dir.string()});
  const Model model(dir.string());
  const int32_t size = Tokenizer::FromDir(tok_dir.string()).VocabSize();
  EXPECT_EQ(model.config().llm.vocab, size);
  EXPECT_EQ(model.config().image_token_index, size - 1);
}

TEST(CreateModel, DemoPresetRefusesToGuessATokenizer) {
  ScratchDir scratch;
  try {
    CreateModel({.preset = "demo", .out_dir = scratch.File("model")});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--tokenizer"), std::string::npos) << e.what();
  }
}

TEST(CreateModel, RejectsUnknownPreset) {
  ScratchDir scratch;
  EXPECT_THROW(CreateModel({"70b", scratch.File("model")}), Error);
}

TEST(ByteLevel, EveryByteRoundTrips) {
  for (int b = 0; b < 256; ++b) {
    const std::string byte(1, static_cast<char>(b));
    EXPECT_EQ(ByteLevelToBytes(BytesToByteLevel(byte)), byte) << b;
  }
}

}  // namespace
}  // namespace hm
