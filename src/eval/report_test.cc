#include "eval/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "eval/jsonl.h"
#include "eval/paper_figures.h"
#include "eval/progress.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Report, MarkdownAndSelfContainedHtmlWithThePapersFiguresBesideOurs) {
  ScratchDir scratch;
  const std::string out = scratch.path().string();
  fs::create_directories(out + "/VQA_RAD");
  WriteTextFile(out + "/VQA_RAD/metrics.json", R"({"total metrics":{"total":3,"right":2,"acc":0.6667}})");
  WriteTextFile(out + "/VQA_RAD/responses.jsonl", R"({"id":"0","index":0,"model":"tiny <b>","response":"no"})" "\n");
  WriteTextFile(out + "/VQA_RAD/scored.jsonl",
                R"({"id":"0","category":"close","verdict":{"correct":true,"scores":{}}})" "\n"
                R"({"id":"1","category":"open","verdict":{"correct":true,"scores":{"rougel":0.5,"bleu1":0.25}}})" "\n"
                R"({"id":"2","category":"open","verdict":{"correct":false,"scores":{},"error":"ValueError"}})" "\n");
  EXPECT_EQ(WriteReport({out, "compat", ""}), 1);
  const std::string md = Slurp(out + "/report.md");
  EXPECT_NE(md.find("| VQA_RAD | tiny <b> | accuracy | 66.7 | 78.0 | 76.1 | 81.4 | 3 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| open | 2 | 50.0 | 12.5 | 25.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("arXiv:2510.08668"), std::string::npos);
  const std::string html = Slurp(out + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("tiny &lt;b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  fs::remove_all(out);
  EXPECT_THROW(WriteReport({out, "compat", ""}), Error);
}

TEST(Report, BarsScaleToTheAxisAndSkipMissingValues) {
  const std::string svg = BarChartSvg("t", {"a", "b"}, {{"ours", "#000", {50.0, std::nullopt}}});
  EXPECT_NE(svg.find("width=\"280.0\""), std::string::npos) << svg;  // half of the 560-pixel plot
  EXPECT_EQ(svg.find("<rect x=\"190\" y=\"44\""), std::string::npos);  // no bar for b
}

TEST(Report, PaperFiguresNameTheirSource) {
  ASSERT_NE(FindPaperFigure("MedQA_USMLE"), nullptr);
  EXPECT_DOUBLE_EQ(FindPaperFigure("MedQA_USMLE")->by_model.at("Hulu-Med-7B"), 73.5);
  EXPECT_EQ(FindPaperFigure("IU_XRAY"), nullptr);
  EXPECT_NE(std::string(PaperFiguresSource()).find("2510.08668"), std::string::npos);
}

TEST(Progress, LineShowsCountRateAndTimeLeft) {
  EXPECT_EQ(Progress::Line("MedQA", 0, 10, 0), "MedQA [------------------------] 0/10   0.0%  ETA --");
  EXPECT_EQ(Progress::Line("MedQA", 5, 10, 10), "MedQA [############------------] 5/10  50.0%  2.00 s/sample  ETA 10s");
  const std::string long_run = Progress::Line("x", 1, 100, 90);
  EXPECT_EQ(long_run.substr(long_run.size() - 10), "ETA 2h 28m");
}

}  // namespace
}  // namespace hm::eval
