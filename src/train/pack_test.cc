#include "train/pack.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/scratch_dir_testing.h"
#include "model/config.h"
#include "media/preprocessor_config.h"
#include "text/chat_template.h"
#include "text/tokenizer.h"
#include "train/train_record.h"
#include "train/training_samples.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const std::string kRoot = HULUMED_SOURCE_DIR "/testdata/";
const std::string kModel = kRoot + "models/tiny-qwen2";

class Pack : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream out(jsonl_);
    out << R"({"conversations": [{"from": "human", "value": "What is the heart?"}, {"from": "gpt", "value": "An organ."}]})"
        << "\n";
    out << nlohmann::json({{"image", kRoot + "media/images/rgb.png"},
                           {"conversations", {{{"from", "human"}, {"value", "<image>\nColour?"}}, {{"from", "gpt"}, {"value", "Red."}}}}})
               .dump()
        << "\n";
    out << R"({"conversations": [{"from": "robot", "value": "?"}, {"from": "gpt", "value": "x"}]})" << "\n";
    out << "not json\n";
    out << R"({"image": "missing.png", "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "x"}]})"
        << "\n";
  }

  PackSummary Run(const std::string& model, const std::string& out) {
    return PackRecords({.inputs = {jsonl_.string()}, .model_dir = model, .out_dir = (dir_ / out).string(), .shard_tokens = 16});
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
  const fs::path jsonl_ = dir_ / "data.jsonl";
};

// The packed tokens are the trainer's own (TrainingSampleBuilder), bad records are listed, and a
// second run finds the pack complete.
TEST_F(Pack, PacksWhatTheTrainerWouldReadAndSkipsBadRecords) {
  const PackSummary s = Run(kModel, "shards");
  EXPECT_EQ(s.records_read, 5);
  EXPECT_EQ(s.samples, 2);
  ASSERT_EQ(s.skipped.size(), 3u);
  EXPECT_EQ(s.skipped[0].where, jsonl_.string() + ":3");
  EXPECT_NE(s.skipped[0].reason.find("robot"), std::string::npos) << s.skipped[0].reason;
  EXPECT_EQ(s.skipped[1].where, jsonl_.string() + ":4");
  EXPECT_EQ(s.skipped[2].where, jsonl_.string() + ":5");
  EXPECT_NE(s.skipped[2].reason.find("missing.png"), std::string::npos) << s.skipped[2].reason;

  const Tokenizer tok = Tokenizer::FromDir(kModel);
  const ChatTemplate tmpl = FindChatTemplate(kModel);
  const ModelConfig config = LoadModelConfig(kModel);
  const PreprocessorConfig pre = ReadPreprocessorConfig(kModel);
  SampleMediaOptions media_options;
  media_options.token_reduction = config.use_token_compression;
  const TrainingSampleBuilder builder(tok, tmpl, config, pre, media_options);
  const TokenShardReader reader((dir_ / "shards").string());
  std::ifstream in(jsonl_);
  std::string line;
  for (int i = 0; i < 2; ++i) {
    std::getline(in, line);
    const TrainingSample want = builder.Build(ParseTrainRecord(nlohmann::json::parse(line), "r", dir_.string()));
    const PackedSample got = reader.Sample(i);
    EXPECT_EQ(got.tokens.ids, want.tokens.ids) << i;
    EXPECT_EQ(got.tokens.labels, want.tokens.labels) << i;
    EXPECT_EQ(got.kept, want.kept) << i;
    EXPECT_EQ(got.where, jsonl_.string() + ":" + std::to_string(i + 1));
  }
  EXPECT_TRUE(reader.Sample(0).media.empty());
  const PackedSample image = reader.Sample(1);
  EXPECT_EQ(image.media["image"], kRoot + "media/images/rgb.png");
  EXPECT_EQ(image.media["media_root"], dir_.string());
  EXPECT_GT(std::count(image.tokens.ids.begin(), image.tokens.ids.end(), config.image_token_index), 0);

  const PackSummary again = Run(kModel, "shards");
  EXPECT_EQ(again.resumed_records, 5);
  EXPECT_EQ(again.samples, 2);
  EXPECT_EQ(again.tokens, s.tokens);
}

TEST_F(Pack, ATokenizerAlonePacksTextRecords) {
  const fs::path tok_dir = dir_ / "tok";
  fs::create_directories(tok_dir);
  fs::copy_file(kModel + "/tokenizer.json", tok_dir / "tokenizer.json");
  const PackSummary s = Run(tok_dir.string(), "text");
  EXPECT_EQ(s.samples, 1);
  ASSERT_EQ(s.skipped.size(), 4u);
  EXPECT_NE(s.skipped[0].reason.find("config.json"), std::string::npos) << s.skipped[0].reason;
}

}  // namespace
}  // namespace hm
