#include "data/dedup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/scratch_dir_testing.h"
#include "data/phantoms.h"
#include "data/png_writer.h"
#include "data/random.h"
#include "data/validate.h"
#include "media/image_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<Json> ReadJsonl(const fs::path& p) {
  std::ifstream in(p);
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

void WriteJsonl(const fs::path& p, const std::vector<Json>& records) {
  std::ofstream out(p);
  for (const Json& r : records) out << r.dump() << '\n';
}

TEST(Dedup, ExactNearAndEvalContaminationAreDroppedWithReasons) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  GeneratePhantoms({4, 7, (dir / "train").string()});
  std::vector<Json> train = ReadJsonl(dir / "train/samples.jsonl");
  const size_t original = train.size();
  // Text-only questions about the world repeat across studies: exact duplicates already.
  int repeated_text = 0;
  std::set<std::string> seen;
  for (const Json& r : train) {
    if (!r.contains("image") && !r.contains("video") && !r.contains("volume")) repeated_text += !seen.insert(r["conversations"].dump()).second;
  }

  // An exact copy, and a copy whose image was re-encoded with a little noise.
  train.push_back(train[0]);
  Json pathology;
  for (const Json& r : train) {
    if (r.value("modality", "") == "pathology" && r.value("family", "") == "caption_long") pathology = r;
  }
  ASSERT_FALSE(pathology.is_null());
  Image noisy = LoadImageFile((dir / "train" / pathology["image"].get<std::string>()).string());
  Rng rng(3);
  for (uint8_t& v : noisy.rgb) v = static_cast<uint8_t>(std::clamp(v + rng.Int(-2, 2), 0, 255));
  WritePng((dir / "train/noisy.png").string(), noisy);
  pathology["image"] = "noisy.png";
  train.push_back(pathology);
  WriteJsonl(dir / "train/train.jsonl", train);

  // The eval set shows the study's radiograph (copied elsewhere) and quotes one long caption.
  fs::create_directories(dir / "eval");
  fs::copy_file(dir / "train/study_0002/xray.png", dir / "eval/leaked.png");
  std::string long_caption;
  int xray_records = 0;
  for (const Json& r : train) {
    if (r.value("image", "") == "study_0002/xray.png") ++xray_records;
    if (r.value("modality", "") == "fundus photography" && r.value("family", "") == "caption_long") {
      long_caption = r["answer"];
    }
  }
  ASSERT_FALSE(long_caption.empty());
  WriteJsonl(dir / "eval/eval.jsonl",
             {Json{{"image", "leaked.png"}, {"conversations", {{{"from", "human"}, {"value", "<image>\nWhat?"}}, {{"from", "gpt"}, {"value", "x"}}}}},
              Json{{"conversations", {{{"from", "human"}, {"value", "Quote: " + long_caption}}, {{"from", "gpt"}, {"value", "ok"}}}}}});

  DedupOptions o;
  o.files = {(dir / "train/train.jsonl").string()};
  o.eval_files = {(dir / "eval/eval.jsonl").string()};
  o.out = (dir / "clean/train.jsonl").string();
  const DedupSummary s = Dedup(o);
  EXPECT_EQ(s.records, static_cast<int64_t>(original + 2));
  EXPECT_EQ(s.exact, 1 + repeated_text);
  EXPECT_EQ(s.near, 1);
  EXPECT_EQ(s.eval_image, xray_records);
  EXPECT_GE(s.eval_text, 1);
  EXPECT_EQ(s.unreadable, 0);
  EXPECT_EQ(s.kept + s.exact + s.near + s.eval_image + s.eval_text, s.records);

  const std::vector<Json> dropped = ReadJsonl(dir / "clean/train.dropped.jsonl");
  ASSERT_EQ(static_cast<int64_t>(dropped.size()), s.records - s.kept);
  const std::string train_file = (dir / "train/train.jsonl").string();
  for (const Json& d : dropped) EXPECT_EQ(d["where"].get<std::string>().rfind(train_file + ":", 0), 0u) << d.dump();
  std::string reasons;
  for (const Json& d : dropped) reasons += d["reason"].get<std::string>() + "\n";
  EXPECT_NE(reasons.find("exact duplicate of " + train_file + ":1"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("near duplicate of"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("matches an image of eval record " + (dir / "eval/eval.jsonl").string() + ":1"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("13-gram shared with eval record"), std::string::npos) << reasons;

  // What is kept still validates from its new folder.
  std::ostringstream problems;
  EXPECT_EQ(ValidateFiles({o.out}, {}, "", problems).bad, 0) << problems.str();
}

}  // namespace
}  // namespace hm
