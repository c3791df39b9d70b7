#include "train/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "train/packing.h"
#include "train/sampler.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ / "media");
    std::ofstream(dir_ / "media" / "a.png") << "x";
    std::ofstream(dir_ / "media" / "ct.nii.gz") << "x";
  }

  DataSource Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return {(dir_ / name).string(), 1.0, (dir_ / "media").string()};
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

constexpr const char* kGood =
    R"({"image": "a.png", "conversations": [{"from": "human", "value": "<image>\nWhat?"}, {"from": "gpt", "value": "A lung."}]})";

TEST_F(DatasetTest, ParsesTheReferenceFormatWithVolumes) {
  DataSource src = Write("d.jsonl", std::string(kGood) + "\n\n" +
      R"({"volume": {"path": "ct.nii.gz", "slices": 32, "axis": "coronal", "window": "lung"},)"
      R"( "conversations": [{"from": "system", "value": "Be brief."}, {"from": "human", "value": "<video>Findings?"},)"
      R"( {"from": "gpt", "value": "None."}]})" "\n");
  Dataset d = ReadDataset(src, {});
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_TRUE(d.skipped.empty());
  EXPECT_EQ(d.records[0].where, src.path + ":1");
  EXPECT_EQ(d.records[0].media[0].path, (dir_ / "media" / "a.png").string());
  EXPECT_EQ(d.records[1].where, src.path + ":3");
  const MediaRef& v = d.records[1].media[0];
  EXPECT_EQ(v.kind, MediaRef::Kind::kVolume);
  EXPECT_EQ(v.slices, 32);
  EXPECT_EQ(v.axis, "coronal");
  EXPECT_EQ(v.window, "lung");
  ASSERT_EQ(d.records[1].turns.size(), 3u);
  EXPECT_EQ(d.records[1].turns[0].role, Turn::Role::kSystem);
  EXPECT_EQ(d.records[1].turns[2].role, Turn::Role::kAssistant);
}

TEST_F(DatasetTest, BadRecordsAreSkippedWithFileLineAndReason) {
  DataSource src = Write("d.jsonl",
      std::string(kGood) + "\n" +
      R"({"image": "gone.png", "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "x"}]})" "\n" +
      R"({"conversations": [{"from": "human", "value": "hi"}]})" "\n" +
      R"({"image": ["a.png", "a.png"], "conversations": [{"from": "human", "value": "<image>"}, {"from": "gpt", "value": "x"}]})" "\n" +
      R"({"conversations": [{"from": "human", "value": "a much longer question here"}, {"from": "gpt", "value": "x"}]})" "\n" +
      "{not json\n" +
      R"({"conversations": [{"from": "robot", "value": "a"}, {"from": "gpt", "value": "x"}]})" "\n");
  DatasetOptions options;
  options.max_length = 20;
  options.length = [](const TrainRecord& r) {
    int64_t n = 0;
    for (const Turn& t : r.turns) n += static_cast<int64_t>(t.text.size());
    return n;
  };
  Dataset d = ReadDataset(src, options);
  ASSERT_EQ(d.records.size(), 1u);
  ASSERT_EQ(d.skipped.size(), 6u);
  const std::string& f = src.path;
  EXPECT_EQ(d.skipped[0].reason, f + ":2: missing media file " + (dir_ / "media" / "gone.png").string());
  EXPECT_EQ(d.skipped[1].reason, f + ":3: no assistant (gpt) turn: nothing to learn from");
  EXPECT_EQ(d.skipped[2].reason, f + ":4: 1 <image> placeholders for 2 images");
  EXPECT_EQ(d.skipped[3].reason, f + ":5: 28 tokens, over the maximum length 20");
  EXPECT_EQ(d.skipped[4].reason.rfind(f + ":6: invalid JSON (", 0), 0u) << d.skipped[4].reason;
  EXPECT_EQ(d.skipped[5].reason, f + ":7: unknown role \"robot\" (expected human, gpt or system)");

  options.strict = true;
  try {
    ReadDataset(src, options);
    FAIL() << "strict mode must stop";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), d.skipped[0].reason + " (--strict: stopping)");
  }
}

TEST_F(DatasetTest, JsonArrayRecordsAreReportedByTheirLine) {
  DataSource src = Write("d.json", std::string("[\n  ") + kGood + ",\n  {\"s\": \"[{,\\\"\",\n   \"conversations\": []},\n  " +
                                       kGood + "\n]\n");
  Dataset d = ReadDataset(src, {});
  ASSERT_EQ(d.records.size(), 2u);
  EXPECT_EQ(d.records[0].where, src.path + ":2");
  EXPECT_EQ(d.records[1].where, src.path + ":5");
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].where, src.path + ":3");
}

TEST_F(DatasetTest, VolumeOptionsAreCheckedByTheRuntimesRules) {
  DataSource src = Write("d.jsonl",
      R"({"volume": {"path": "ct.nii.gz", "axis": "oblique"}, "conversations": [{"from": "human", "value": "<video>"},)"
      R"( {"from": "gpt", "value": "x"}]})" "\n");
  Dataset d = ReadDataset(src, {});
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].reason,
            src.path + ":1: volume.axis: 'oblique' is not axial, coronal or sagittal (or the axis number 2, 1, 0)");
}

TEST(WeightedSamplerTest, FollowsWeightsAndCoversEachSourceBeforeRepeating) {
  WeightedSampler s({10, 1000}, {3.0, 1.0}, 7);
  std::vector<int> seen_small(10, 0);
  int small = 0;
  for (int i = 0; i < 4000; ++i) {
    SampleRef r = s.Next();
    if (r.source == 0) {
      ++small;
      if (small <= 10) ++seen_small[r.index];
    }
  }
  EXPECT_NEAR(small / 4000.0, 0.75, 0.03);
  EXPECT_EQ(seen_small, std::vector<int>(10, 1));  // a permutation per epoch
}

TEST(WeightedSamplerTest, RestoredStateDrawsTheSameRecords) {
  WeightedSampler a({5, 7, 0}, {1.0, 2.0, 5.0}, 123);
  for (int i = 0; i < 17; ++i) a.Next();
  WeightedSampler::State saved = a.state();
  std::vector<std::pair<int, int64_t>> want;
  for (int i = 0; i < 30; ++i) {
    SampleRef r = a.Next();
    want.push_back({r.source, r.index});
    EXPECT_NE(r.source, 2);  // empty source never drawn
  }
  WeightedSampler b({5, 7, 0}, {1.0, 2.0, 5.0}, 123);
  b.Restore(saved);
  for (int i = 0; i < 30; ++i) {
    SampleRef r = b.Next();
    EXPECT_EQ(std::make_pair(r.source, r.index), want[i]) << "draw " << i;
  }
  WeightedSampler c({5, 7, 0}, {1.0, 2.0, 5.0}, 124);
  int same = 0;
  for (int i = 0; i < 30; ++i) same += c.Next().index == want[i].second;
  EXPECT_LT(same, 30);
}

TEST(PackingTest, BudgetsAndRestartingPositions) {
  std::vector<int64_t> lengths = {3, 4, 2, 9, 1};
  auto batches = PackMicroBatches(lengths, 8, 0);
  EXPECT_EQ(batches, (std::vector<std::vector<int>>{{0, 1}, {2}, {3}, {4}}));
  EXPECT_EQ(PackMicroBatches(lengths, 0, 2), (std::vector<std::vector<int>>{{0, 1}, {2, 3}, {4}}));
  PackedLayout layout = PackSequences(std::vector<int64_t>{3, 2});
  EXPECT_EQ(layout.positions, (std::vector<int32_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(layout.starts, (std::vector<int64_t>{0, 3, 5}));
  EXPECT_EQ(layout.SampleOf(2), 0);
  EXPECT_EQ(layout.SampleOf(3), 1);
}

}  // namespace
}  // namespace hm
