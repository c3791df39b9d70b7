#include "text/bpe_trainer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "text/tokenizer.h"
#include "text/tokenizer_json.h"

namespace hm {
namespace {

const std::vector<std::string> kCorpus = {
    "CT of the chest: a 6 mm nodule in the right lower lobe. No lesion in the left lung.",
    "MR of the brain shows a lesion in the left frontal lobe; the lesion enhances.",
    "Is there a lesion? Yes, one lesion. Where is the lesion? In the right lobe.",
    "Radiograph: the lungs are clear. Ultrasound: a lesion of 12 mm, hypoechoic.",
};

BpeCorpus CorpusOf(const std::vector<std::string>& texts, int repeat) {
  BpeCorpus corpus({"<|im_start|>", "<|im_end|>", "<image>"});
  for (int r = 0; r < repeat; ++r)
    for (const std::string& t : texts) corpus.Add(t);
  return corpus;
}

// The tokenizer as the engine loads it, from the files a trained vocabulary is written to.
Tokenizer Load(const BpeVocabulary& vocab) {
  ScratchDir scratch;
  const auto path = scratch / "bpe_trainer_tokenizer.json";
  const auto added = HulumedAddedTokens(static_cast<int32_t>(vocab.tokens.size()));
  std::ofstream(path) << TokenizerJson(vocab.tokens, vocab.merges, added).dump(2);
  Tokenizer t = Tokenizer::FromFile(path.string());
  return t;
}

TEST(BpeTrainer, FrequentWordsBecomeSingleTokens) {
  const BpeVocabulary vocab = TrainBpe(CorpusOf(kCorpus, 20), {.vocab_size = 300});
  const Tokenizer tok = Load(vocab);
  for (const char* word : {" lesion", " the", " lobe", " right"})
    EXPECT_EQ(tok.Encode(word).size(), 1u) << word;
  EXPECT_GT(tok.Encode(" hypoechoic").size(), 2u);  // seen once a round: not worth a token of 300
  EXPECT_EQ(vocab.tokens.size(), 300u);
  EXPECT_EQ(tok.VocabSize(), 300 + 23);
  // Every word of a round becomes one token once the budget allows: nothing else repeats.
  const BpeVocabulary all = TrainBpe(CorpusOf(kCorpus, 20), {.vocab_size = 1000});
  EXPECT_LT(all.tokens.size(), 1000u);
  EXPECT_EQ(Load(all).Encode(" hypoechoic").size(), 1u);
}

TEST(BpeTrainer, EncodesAndDecodesAnyText) {
  const Tokenizer tok = Load(TrainBpe(CorpusOf(kCorpus, 5), {.vocab_size = 320}));
  for (const std::string text : {"", "lesion lesions LESION", "Größe 3,5 cm — 病变 🫁\r\n\t x", "<|im_start|>user\n<image>\nWhat?"})
    EXPECT_EQ(tok.Decode(tok.Encode(text), false), text);
  std::mt19937 rng(5);
  for (int i = 0; i < 200; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    // Invalid UTF-8 is repaired before encoding, as HF's callers do; the repair is what comes back.
    const std::string text = tok.Decode(tok.Encode(bytes), false);
    EXPECT_EQ(tok.Decode(tok.Encode(text), false), text);
  }
}

TEST(BpeTrainer, SameCorpusSameVocabularyInAnyOrder) {
  std::vector<std::string> reversed(kCorpus.rbegin(), kCorpus.rend());
  const BpeVocabulary a = TrainBpe(CorpusOf(kCorpus, 3), {.vocab_size = 300});
  const BpeVocabulary b = TrainBpe(CorpusOf(reversed, 3), {.vocab_size = 300});
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.merges, b.merges);
}

TEST(BpeTrainer, StopsWhenNoPairRepeats) {
  BpeCorpus corpus({});
  corpus.Add("ab cd ab");
  const BpeVocabulary vocab = TrainBpe(corpus, {.vocab_size = 1000});
  // "ab" twice; " ab" once, as is "cd"; nothing else repeats.
  ASSERT_EQ(vocab.merges.size(), 1u);
  EXPECT_EQ(vocab.tokens.back(), "ab");
}

TEST(BpeTrainer, AddedTokensAreNeverLearned) {
  BpeCorpus corpus({"<image>"});
  for (int i = 0; i < 50; ++i) corpus.Add("<image>\nscan");
  for (const auto& [piece, count] : corpus.piece_counts()) EXPECT_EQ(piece.find("image"), std::string::npos) << piece;
}

TEST(BpeTrainer, RejectsAVocabularySmallerThanTheBytes) {
  EXPECT_THROW(TrainBpe(CorpusOf(kCorpus, 1), {.vocab_size = 100}), Error);
}

// A few MB of text: counting pairs once and updating only touched pieces keeps this in seconds.
TEST(BpeTrainer, LearnsFourThousandTokensFromMegabytesQuickly) {
  std::mt19937 rng(1);
  const std::vector<std::string> words = {"lesion", "nodule", "lobe", "right", "left", "chest", "brain", "mass",
                                          "hypodense", "slice", "frame", "axial", "the", "of", "in", "a"};
  BpeCorpus corpus({});
  std::string text;
  for (int i = 0; i < 400000; ++i) {
    text += words[rng() % words.size()] + std::to_string(rng() % 1000) + " ";
    if (text.size() > 4096) {
      corpus.Add(text);
      text.clear();
    }
  }
  ASSERT_GT(corpus.text_bytes(), 3'000'000);
  const auto start = std::chrono::steady_clock::now();
  const BpeVocabulary vocab = TrainBpe(corpus, {.vocab_size = 4096});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 20.0);
  EXPECT_GT(vocab.tokens.size(), 300u);
}

}  // namespace
}  // namespace hm
