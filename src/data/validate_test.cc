#include "data/validate.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/scratch_dir_testing.h"
#include "data/dicom_writer.h"
#include "data/phantoms.h"
#include "data/record_check.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const std::string kTinyModel = std::string(HULUMED_SOURCE_DIR) + "/testdata/models/tiny-qwen2";

class Validate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    scratch_ = std::make_unique<ScratchDir>();
    root_ = scratch_->path();
    GeneratePhantoms({11, 7, (root_ / "good").string()});
  }
  static void TearDownTestSuite() { scratch_.reset(); }
  static std::vector<std::string> Lines(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  static inline std::unique_ptr<ScratchDir> scratch_;  // one phantom set for the whole suite
  static fs::path root_;
};
fs::path Validate::root_;

TEST_F(Validate, GeneratedSetHasNoBadRecords) {
  std::ostringstream out;
  const ValidateSummary s = ValidateFiles({(root_ / "good/samples.jsonl").string()}, {}, "", out);
  EXPECT_GT(s.records, 7 * 10);
  EXPECT_EQ(s.bad, 0) << out.str();
  EXPECT_EQ(out.str(), "");
}

TEST_F(Validate, BrokenCopyIsReportedLineByLine) {
  fs::copy(root_ / "good", root_ / "bad", fs::copy_options::recursive);
  std::vector<std::string> lines = Lines(root_ / "bad/samples.jsonl");
  // Find records to break: an image record, and a second one for each kind of damage.
  std::vector<size_t> image_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Json::parse(lines[i]).contains("image")) image_lines.push_back(i);
  }
  ASSERT_GE(image_lines.size(), 4u);
  {
    std::ofstream(root_ / "bad/corrupt.png") << "\x89PNG\r\n\x1a\n not really a PNG";
  }
  auto edit = [&](size_t i, const std::function<void(Json&)>& f) {
    Json j = Json::parse(lines[i]);
    f(j);
    lines[i] = j.dump();
  };
  edit(image_lines[0], [](Json& j) { j["image"] = "study_9999/missing.png"; });
  edit(image_lines[1], [](Json& j) { j["image"] = "corrupt.png"; });
  edit(image_lines[2], [](Json& j) { j["conversations"][0]["value"] = "<image>\n<image>\nTwo images?"; });
  edit(image_lines[3], [](Json& j) { j["conversations"].erase(1); });
  lines[0] = "{\"image\": ";  // truncated JSON
  {
    std::ofstream out(root_ / "bad/samples.jsonl");
    for (const std::string& l : lines) out << l << '\n';
  }
  std::ostringstream out;
  const ValidateSummary s = ValidateFiles({(root_ / "bad/samples.jsonl").string()}, {}, "", out);
  EXPECT_EQ(s.bad, 5) << out.str();
  const std::vector<std::string> report = [&] {
    std::vector<std::string> r;
    std::istringstream in(out.str());
    for (std::string line; std::getline(in, line);) r.push_back(line);
    return r;
  }();
  ASSERT_EQ(report.size(), 5u) << out.str();
  const std::string file = (root_ / "bad/samples.jsonl").string();
  auto at = [&](size_t index) { return file + ":" + std::to_string(index + 1) + ": "; };
  EXPECT_EQ(report[0].rfind(at(0) + "invalid JSON", 0), 0u) << report[0];
  // Reported in file order, each with its own reason.
  std::map<size_t, std::string> by_line;
  for (const std::string& r : report) by_line[std::stoul(r.substr(file.size() + 1))] = r;
  EXPECT_NE(by_line[image_lines[0] + 1].find("missing file"), std::string::npos) << by_line[image_lines[0] + 1];
  EXPECT_NE(by_line[image_lines[1] + 1].find("corrupt.png"), std::string::npos) << by_line[image_lines[1] + 1];
  EXPECT_NE(by_line[image_lines[2] + 1].find("<image> placeholders: 2 in the text for 1 image"), std::string::npos)
      << by_line[image_lines[2] + 1];
  EXPECT_NE(by_line[image_lines[3] + 1].find("does not end with a gpt"), std::string::npos) << by_line[image_lines[3] + 1];
}

TEST(RecordChecker, RolesPlaceholdersAndBudget) {
  RecordChecker checker({});
  auto problems = [&](const char* text) { return checker.Check(Json::parse(text), ".").problems; };
  EXPECT_TRUE(problems(R"({"conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]})").empty());
  EXPECT_TRUE(problems(R"({"conversations": [{"from": "system", "value": "s"}, {"from": "human", "value": "q"},
                                            {"from": "gpt", "value": "a"}]})").empty());
  EXPECT_EQ(problems(R"({"conversations": [{"from": "gpt", "value": "a"}]})").size(), 1u);
  EXPECT_EQ(problems(R"({"conversations": [{"from": "human", "value": "q"}, {"from": "human", "value": "q"},
                                          {"from": "gpt", "value": "a"}]})").size(), 1u);
  EXPECT_EQ(problems(R"({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "<video>"}]})").size(), 2u);
  EXPECT_EQ(problems(R"({"conversations": []})").size(), 1u);
  EXPECT_EQ(problems(R"([1, 2])").size(), 1u);
  EXPECT_EQ(problems(R"({"volume": {"slices": 3}, "conversations": [{"from": "human", "value": "q"}]})").size(), 1u);

  CheckOptions tight;
  tight.max_tokens = 10;
  RecordChecker strict(tight);
  const Json long_text = {{"conversations", {{{"from", "human"}, {"value", std::string(400, 'x')}}, {{"from", "gpt"}, {"value", "a"}}}}};
  const RecordReport r = strict.Check(long_text, ".");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("exceed the budget of 10"), std::string::npos);
}

TEST(RecordChecker, OddRecordsAreProblemsNeverExceptions) {
  RecordChecker checker({});
  const char* turns = R"("conversations": [{"from": "human", "value": "<video>\nq"}, {"from": "gpt", "value": "a"}])";
  for (const std::string media : {R"("image": 5)", R"("image": [null])", R"("video": {"a": 1})", R"("volume": {"path": 3})",
                                   R"("volume": "x.nii")", R"("volume": {"path": "x.nii", "slices": -1})",
                                   R"("volume": {"path": "x.nii", "slices": 1e9})", R"("volume": {"path": ".", "slices": 100000})",
                                   R"("volume": {"path": ".", "axis": "diagonal"})", R"("volume": {"path": ".", "window": "garbage"})",
                                   R"("volume": {"path": ")" HULUMED_SOURCE_DIR R"(/testdata/media/nifti/f32.nii.gz", "sliecs": 4})",
                                   R"("video": ["/dev/null"])", R"("video": ["/"])", R"("image": "/proc/self")"}) {
    const Json j = Json::parse("{" + media + ", " + turns + "}");
    RecordReport r;
    EXPECT_NO_THROW(r = checker.Check(j, "/nonexistent")) << media;
    EXPECT_FALSE(r.problems.empty()) << media;
  }
  for (const char* conv : {R"([1])", R"([{"from": 1, "value": "a"}])", R"([{"from": "human"}])", R"("text")", R"({})"}) {
    RecordReport r;
    EXPECT_NO_THROW(r = checker.Check(Json::parse(std::string(R"({"conversations": )") + conv + "}"), ".")) << conv;
    EXPECT_FALSE(r.problems.empty()) << conv;
  }
}

TEST(RecordChecker, PlaceholdersFollowTheRuntimesImageOrVideoDecision) {
  // A one-slice DICOM "volume" (an X-ray) is an image to the prompt, as in `run` and `serve`.
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  ScalarVolume v;
  v.rows = v.columns = 16;
  v.slices = 1;
  v.values.assign(16 * 16, 100);
  v.values[5] = 900;
  DicomSeriesInfo info;
  info.study_uid = UidFor("one-slice study");
  info.series_uid = UidFor("one-slice series");
  WriteDicomSeries(dir.string(), v, info);
  RecordChecker checker({});
  auto problems = [&](const char* placeholder) {
    const Json j = {{"volume", {{"path", "IM0001.dcm"}}},
                    {"conversations", {{{"from", "human"}, {"value", std::string(placeholder) + "\nq"}}, {{"from", "gpt"}, {"value", "a"}}}}};
    return checker.Check(j, dir.string()).problems;
  };
  EXPECT_TRUE(problems("<image>").empty());
  ASSERT_EQ(problems("<video>").size(), 2u);
  EXPECT_EQ(problems("<video>")[0], "<image> placeholders: 0 in the text for 1 image");
}

TEST(RecordChecker, CountsTokensWithTheModelsTokenizer) {
  CheckOptions with_model;
  with_model.model_dir = kTinyModel;
  RecordChecker exact(with_model);
  EXPECT_TRUE(exact.exact_text_tokens());
  const Json j = Json::parse(R"({"conversations": [{"from": "human", "value": "hello world"}, {"from": "gpt", "value": "yes"}]})");
  const RecordReport r = exact.Check(j, ".");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_GT(r.text_tokens, 10);  // two turns of framing plus the words
  EXPECT_LT(r.text_tokens, 30);
}

}  // namespace
}  // namespace hm
