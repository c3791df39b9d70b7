#include "data/stats.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>

#include "core/scratch_dir_testing.h"
#include "data/phantoms.h"
#include "data/stats_chart.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

int64_t Sum(const std::map<std::string, int64_t>& m) {
  int64_t n = 0;
  for (const auto& [k, v] : m) n += v;
  return n;
}

TEST(Stats, CountsHistogramsJsonAndChartOfThePhantomSet) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  GeneratePhantoms({5, 7, dir.string()});
  const fs::path extra = dir / "extra.jsonl";
  std::ofstream(extra) << R"({"conversations": [{"from": "human", "value": "你好"}, {"from": "gpt", "value": "好"}]})" << "\n"
                       << R"({"image": "study_0002/xray.png", "conversations": [{"from": "human", "value": "<image>\nWhat?"}, {"from": "gpt", "value": "A chest X-ray."}]})"
                       << "\n";
  const DataStats s = CollectStats({(dir / "samples.jsonl").string(), extra.string()}, {}, "");

  EXPECT_EQ(s.bad, 0);
  EXPECT_GT(s.records, 70);
  for (const auto* m : {&s.by_modality, &s.by_source, &s.by_task, &s.by_language}) EXPECT_EQ(Sum(*m), s.records);
  EXPECT_EQ(s.by_modality.size(), 7u + 2);  // seven phantom modalities, "text", and "image" from extra
  EXPECT_EQ(s.by_modality.at("text"), s.by_task.at("text_only") + 1);
  EXPECT_EQ(s.by_modality.at("image"), 1);
  EXPECT_EQ(s.by_source.at("extra"), 2);   // no "source" field: the file name
  EXPECT_EQ(s.by_language.at("zh"), 1);
  EXPECT_GT(s.by_task.at("lesion_presence"), 0);
  EXPECT_EQ(s.text_tokens.records, s.records);
  EXPECT_EQ(std::accumulate(s.text_tokens.counts.begin(), s.text_tokens.counts.end(), int64_t{0}), s.records);
  // Every record but the text-only ones has visual tokens; a 64x64 image is at least min_tokens (16).
  EXPECT_EQ(s.visual_tokens.records, s.records - s.by_task.at("text_only") - 1);
  EXPECT_EQ(s.visual_tokens.counts.size() > 5 ? s.visual_tokens.counts[4] : 0, 0);  // nothing below 16

  const auto j = StatsJson(s);
  EXPECT_EQ(j["records"], s.records);
  EXPECT_EQ(j["by_modality"]["CT"], s.by_modality.at("CT"));
  EXPECT_EQ(j["text_tokens"]["buckets"].size(), s.text_tokens.counts.size());

  const std::string table = StatsTable(s);
  EXPECT_NE(table.find("by modality"), std::string::npos);
  EXPECT_NE(table.find("visual tokens per record"), std::string::npos);

  const std::string svg = StatsSvg(s);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_NE(svg.find(">fundus photography</text>"), std::string::npos);
  EXPECT_NE(svg.find(">16-31</text>"), std::string::npos);  // the 64-pixel images' visual tokens
}

TEST(Stats, HistogramBucketsArePowersOfTwo) {
  TokenHistogram h;
  for (int64_t t : {0, 1, 2, 3, 4, 1000}) h.Add(t);
  ASSERT_EQ(h.counts.size(), 11u);  // 1000 is in [512, 1024), bucket 10
  EXPECT_EQ(h.counts[0], 1);
  EXPECT_EQ(h.counts[1], 1);
  EXPECT_EQ(h.counts[2], 2);
  EXPECT_EQ(h.counts[3], 1);
  EXPECT_EQ(h.counts[10], 1);
  EXPECT_EQ(TokenHistogram::BucketLabel(10), "[512, 1024)");
  EXPECT_EQ(h.max, 1000);
}

}  // namespace
}  // namespace hm
