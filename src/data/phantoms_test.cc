#include "data/phantoms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/error.h"
#include "data/phantom_study.h"
#include "data/phantom_text.h"
#include "data/phantom_volume.h"
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
    root_ = fs::temp_directory_path() / ("hm_phantoms_" + std::to_string(::getpid()));
    GeneratePhantoms({7, 14, (root_ / "a").string()});
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
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
