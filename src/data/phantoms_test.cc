#include "data/phantoms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/phantom_study.h"
#include "data/phantom_text.h"
#include "data/phantom_scenes.h"
#include "data/phantom_volume.h"
#include "data/random.h"
#include "media/dicom.h"
#include "media/image_file.h"
#include "media/nifti.h"
#include "media/video.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

DicomOptions AllSlices() {
  DicomOptions o;
  o.num_slices = 0;  // every slice once
  return o;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Json> ReadJsonl(const fs::path& path) {
  std::vector<Json> out;
  std::istringstream in(ReadAll(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(Json::parse(line));
  return out;
}

// Every file under dir, relative path -> bytes.
std::map<std::string, std::string> Tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = ReadAll(e.path());
  }
  return out;
}

class Phantoms : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<ScratchDir>();
    root_ = scratch_->path();
    GeneratePhantoms({7, 14, (root_ / "a").string()});
  }
  static void TearDownTestSuite() { scratch_.reset(); }
  static inline std::unique_ptr<ScratchDir> scratch_;  // one phantom set for the whole suite
  static fs::path root_;
};
fs::path Phantoms::root_;

TEST_F(Phantoms, SameSeedSameBytesOtherSeedOtherWorld) {
  const PhantomSummary s = GeneratePhantoms({7, 14, (root_ / "b").string()});
  EXPECT_EQ(s.studies, 14);
  const auto a = Tree(root_ / "a"), b = Tree(root_ / "b");
  ASSERT_GT(a.size(), 14u * 2);
  EXPECT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_TRUE(b.at(name) == bytes) << name << " differs between two runs with the same seed";
  }
  GeneratePhantoms({8, 14, (root_ / "c").string()});
  EXPECT_NE(ReadAll(root_ / "a/samples.jsonl"), ReadAll(root_ / "c/samples.jsonl"));
  EXPECT_NE(ReadAll(root_ / "a/study_0000/ct.nii.gz"), ReadAll(root_ / "c/study_0000/ct.nii.gz"));
  EXPECT_THROW(GeneratePhantoms({7, 0, (root_ / "d").string()}), Error);
}

TEST_F(Phantoms, SamplesAreInTheTrainingFormatWithEveryFamily) {
  const auto samples = ReadJsonl(root_ / "a/samples.jsonl");
  std::set<std::string> families, modalities;
  std::set<int> stages;
  for (const Json& j : samples) {
    const Json& conv = j.at("conversations");
    ASSERT_EQ(conv.size(), 2u);
    EXPECT_EQ(conv[0].at("from"), "human");
    EXPECT_EQ(conv[1].at("from"), "gpt");
    EXPECT_EQ(conv[1].at("value"), j.at("answer"));
    const std::string human = conv[0].at("value");
    const bool image = j.contains("image"), video = j.contains("video") || j.contains("volume");
    EXPECT_EQ(human.find("<image>") != std::string::npos, image) << j.dump();
    EXPECT_EQ(human.find("<video>") != std::string::npos, video) << j.dump();
    EXPECT_EQ(!image && !video, j.at("family") == "text_only");
    if (j.contains("volume")) {
      EXPECT_EQ(j["volume"].at("slices"), kPhantomSlices);
      EXPECT_TRUE(fs::exists(root_ / "a" / j["volume"].at("path").get<std::string>()));
    }
    if (image) {
      EXPECT_TRUE(fs::exists(root_ / "a" / j["image"].get<std::string>()));
    }
    if (j.contains("video")) {
      EXPECT_TRUE(fs::exists(root_ / "a" / j["video"][0].get<std::string>()));
    }
    families.insert(j.at("family"));
    modalities.insert(j.at("modality"));
    stages.insert(j.at("stage").get<int>());
  }
  for (const char* f : kPhantomFamilies) EXPECT_TRUE(families.count(f)) << f;
  // The stage files hold exactly the samples of their stage, in order.
  size_t staged = 0;
  for (int stage = 1; stage <= 3; ++stage) {
    const auto part = ReadJsonl(root_ / "a" / ("stage" + std::to_string(stage) + ".jsonl"));
    std::vector<Json> expected;
    for (const Json& j : samples) {
      if (j.at("stage") == stage) expected.push_back(j);
    }
    EXPECT_EQ(part, expected) << "stage " << stage;
    staged += part.size();
  }
  EXPECT_EQ(staged, samples.size());
  EXPECT_EQ(modalities.size(), 7u + 1);  // and "text" for the text-only questions
  EXPECT_EQ(stages, (std::set<int>{1, 2, 3}));
}

TEST_F(Phantoms, AnswersMatchTheGroundTruth) {
  std::map<std::string, Json> studies;
  for (const Json& s : ReadJsonl(root_ / "a/studies.jsonl")) studies[s.at("id")] = s;
  int checked = 0;
  for (const Json& j : ReadJsonl(root_ / "a/samples.jsonl")) {
    const std::string id = j.at("id").get<std::string>().substr(0, 10);
    const Json& truth = studies.at(id);
    const std::string answer = j.at("answer");
    if (j.at("family") == "lesion_count" && j.at("format") == "open") {
      EXPECT_EQ(answer, std::to_string(truth.at("lesions").size()));
      ++checked;
    }
    if (j.at("family") == "lesion_presence") {
      EXPECT_EQ(answer, truth.at("lesions").empty() ? "no" : "yes");
      ++checked;
    }
    if (j.at("family") == "modality" && j.at("format") == "open") {
      EXPECT_EQ(answer, truth.at("modality"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 14);
}

TEST_F(Phantoms, CtIsInHounsfieldUnitsWithLesionsWhereTheTruthSaysAndReadsAsDicomToo) {
  const PhantomStudy s = DrawPhantomStudy(7, 0);  // index 0 is CT
  ASSERT_EQ(s.modality, PhantomModality::kCt);
  const Volume v = ReadNiftiVolume((root_ / "a/study_0000/ct.nii.gz").string());
  ASSERT_EQ(v.shape, (std::array<int64_t, 3>{kPhantomSize, kPhantomSize, kPhantomSlices}));
  auto at = [&](int k, int r, int c) { return v.data[r * v.strides[0] + c * v.strides[1] + k * v.strides[2]]; };
  EXPECT_NEAR(at(16, 0, 0), PhantomHu::kAir, 40);  // a corner is outside the body
  for (const PhantomLesion& l : s.lesions) {
    EXPECT_NEAR(at(l.slice, std::lround(l.row), std::lround(l.column)), LesionHu(s.region), 40);
  }
  const Frames series = LoadDicom((root_ / "a/study_0000/ct_dicom").string(), AllSlices());
  EXPECT_EQ(series.images.size(), static_cast<size_t>(kPhantomSlices));
}

TEST_F(Phantoms, VideosAndImagesDecode) {
  for (int i = 0; i < 14; ++i) {
    const PhantomStudy s = DrawPhantomStudy(7, i);
    const fs::path dir = root_ / "a" / s.id;
    if (s.modality == PhantomModality::kUltrasound || s.modality == PhantomModality::kEndoscopy) {
      const std::string stem = s.modality == PhantomModality::kUltrasound ? "us" : "endo";
      EXPECT_EQ(LoadVideo((dir / (stem + ".mp4")).string()).images.size(), static_cast<size_t>(kPhantomVideoFrames));
      EXPECT_EQ(LoadImageFile((dir / (stem + ".png")).string()).width, kPhantomSize);
    }
  }
}

// The answer is in the pixels: every 2D lesion changes its disc by many gray levels against
// the same study rendered without it (same noise stream).
TEST(PhantomStudy, LesionsAreVisibleWhereTheTruthPutsThem) {
  int checked = 0;
  for (int i = 0; i < 70; ++i) {
    PhantomStudy s = DrawPhantomStudy(5, i);
    if (s.lesions.empty() || s.modality == PhantomModality::kCt || s.modality == PhantomModality::kMr) continue;
    PhantomStudy clean = s;
    clean.lesions.clear();
    Rng a(1), b(1);
    const bool xray = s.modality == PhantomModality::kXray;
    const Image with = xray ? RenderPhantomRadiograph(s, a) : RenderPhantomFrames(s, a).back();
    const Image without = xray ? RenderPhantomRadiograph(clean, b) : RenderPhantomFrames(clean, b).back();
    for (const PhantomLesion& l : s.lesions) {
      // The radiograph shows the lesion at the row of its height (head up), not its depth.
      const double row = xray ? kPhantomSize - 1 - l.slice : l.row;
      double diff = 0;
      int n = 0;
      for (int y = 0; y < kPhantomSize; ++y) {
        for (int x = 0; x < kPhantomSize; ++x) {
          if (std::hypot(y - row, x - l.column) > std::max(1.0, l.radius_px * 0.7)) continue;
          for (int c = 0; c < 3; ++c) {
            const size_t k = (static_cast<size_t>(y) * kPhantomSize + x) * 3 + c;
            diff += std::abs(with.rgb[k] - without.rgb[k]);
            ++n;
          }
        }
      }
      EXPECT_GT(diff / n, xray ? 4.0 : 20.0) << s.id << " " << ModalityName(s.modality) << " lesion at " << row << ","
                                             << l.column;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);
}

TEST(PhantomStudy, ModalitiesTakeTurnsAndSizesFollowTheirClass) {
  for (int i = 0; i < 70; ++i) {
    const PhantomStudy s = DrawPhantomStudy(3, i);
    EXPECT_EQ(static_cast<int>(s.modality), i % kPhantomModalities);
    for (const PhantomLesion& l : s.lesions) {
      EXPECT_TRUE(l.side == "left" || l.side == "right");
      EXPECT_GT(l.radius_px, 0);
    }
  }
  EXPECT_STREQ(SizeClass(10), "small");
  EXPECT_STREQ(SizeClass(20), "medium");
  EXPECT_STREQ(SizeClass(30), "large");
}

}  // namespace
}  // namespace hm
