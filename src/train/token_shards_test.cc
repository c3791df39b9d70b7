#include "train/token_shards.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/file_bytes.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// Sample i: 3 + i tokens, the last two labelled; every third has an image with a kept mask.
PackedSample MakeSample(int i) {
  PackedSample s;
  s.where = "data.jsonl:" + std::to_string(i + 1);
  for (int t = 0; t < 3 + i; ++t) {
    s.tokens.ids.push_back(100 * i + t);
    s.tokens.labels.push_back(t >= 1 + i ? 100 * i + t : kIgnoreLabel);
  }
  if (i % 3 == 0) {
    s.media = {{"image", "a.png"}, {"media_root", "/data"}};
    s.kept = {{1, 0, 1}};
  }
  return s;
}

void ExpectSame(const PackedSample& a, const PackedSample& b) {
  EXPECT_EQ(a.where, b.where);
  EXPECT_EQ(a.tokens.ids, b.tokens.ids);
  EXPECT_EQ(a.tokens.labels, b.tokens.labels);
  EXPECT_EQ(a.media, b.media);
  EXPECT_EQ(a.kept, b.kept);
}

class TokenShards : public ::testing::Test {
 protected:
  ScratchDir scratch_;
  const fs::path dir_ = scratch_ / "shards";  // made by the writer under test
  const nlohmann::json identity_ = {{"inputs", {"data.jsonl"}}};
};

TEST_F(TokenShards, SamplesComeBackAcrossShards) {
  TokenShardWriter writer(dir_.string(), identity_, 10);
  for (int i = 0; i < 7; ++i) writer.Add(MakeSample(i));
  writer.Skip({"data.jsonl:8", "data.jsonl:8: broken"});
  writer.Finish();

  const TokenShardReader reader(dir_.string());
  EXPECT_TRUE(reader.complete());
  EXPECT_EQ(reader.size(), 7);
  EXPECT_EQ(reader.tokens(), 3 + 4 + 5 + 6 + 7 + 8 + 9);
  EXPECT_GT(reader.shards().size(), 2u);
  ASSERT_EQ(reader.skipped().size(), 1u);
  EXPECT_EQ(reader.skipped()[0].where, "data.jsonl:8");
  for (int i : {0, 6, 3, 1}) ExpectSame(reader.Sample(i), MakeSample(i));  // any order
  EXPECT_THROW(reader.Sample(7), Error);
}

TEST_F(TokenShards, AnInterruptedRunResumesToTheSameBytes) {
  {
    TokenShardWriter writer((dir_ / "whole").string(), identity_, 10);
    for (int i = 0; i < 7; ++i) writer.Add(MakeSample(i));
    writer.Finish();
  }
  int64_t done;
  {
    TokenShardWriter writer((dir_ / "cut").string(), identity_, 10);
    for (int i = 0; i < 4; ++i) writer.Add(MakeSample(i));
    done = writer.records_done();  // killed here: the open shard's samples are lost
  }
  ASSERT_GT(done, 0);
  ASSERT_LT(done, 4);
  TokenShardWriter writer((dir_ / "cut").string(), identity_, 10);
  EXPECT_EQ(writer.records_done(), done);
  EXPECT_FALSE(writer.complete());
  for (int i = static_cast<int>(done); i < 7; ++i) writer.Add(MakeSample(i));
  writer.Finish();
  for (const auto& entry : fs::directory_iterator(dir_ / "whole"))
    EXPECT_EQ(ReadFileBytes(entry.path()), ReadFileBytes(dir_ / "cut" / entry.path().filename())) << entry.path();
  EXPECT_TRUE(TokenShardWriter((dir_ / "cut").string(), identity_, 10).complete());
}

TEST_F(TokenShards, RefusesToMixShardsOfOtherInputs) {
  TokenShardWriter(dir_.string(), identity_, 10).Finish();
  EXPECT_THROW(TokenShardWriter(dir_.string(), {{"inputs", {"other.jsonl"}}}, 10), Error);
}

TEST_F(TokenShards, ADamagedShardIsNamed) {
  TokenShardWriter writer(dir_.string(), identity_, 100);
  for (int i = 0; i < 3; ++i) writer.Add(MakeSample(i));
  writer.Finish();
  fs::resize_file(dir_ / "shard-00000.ids.npy", fs::file_size(dir_ / "shard-00000.ids.npy") - 4);
  try {
    TokenShardReader(dir_.string()).Sample(0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard-00000.ids.npy"), std::string::npos) << e.what();
  }
}

TEST_F(TokenShards, AFolderThatCannotBeMadeIsAnError) {
  TokenShardWriter(dir_.string(), identity_, 10).Finish();
  EXPECT_THROW(TokenShardWriter((dir_ / "index.json" / "sub").string(), identity_, 10), Error);
}

TEST_F(TokenShards, OnlyOwnTokensCanBeLabels) {
  TokenShardWriter writer(dir_.string(), identity_, 100);
  PackedSample s = MakeSample(0);
  s.tokens.labels[2] = 7;
  EXPECT_THROW(writer.Add(s), Error);
}

}  // namespace
}  // namespace hm
