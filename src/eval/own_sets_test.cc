// Our own sets as benchmarks: the phantom loader against a freshly generated phantom world,
// answer matching, chance levels, per-family metrics with fake backends (one that answers the
// gold, one that gives each form's most common answer), and the real-scans loader on the
// DICOM files Debian's python3-pydicom installs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "core/error.h"
#include "core/scratch_dir_testing.h"
#include "data/phantoms.h"
#include "eval/answer_match.h"
#include "eval/benchmark_metrics.h"
#include "eval/benchmarks.h"
#include "eval/chance_level.h"
#include "eval/jsonl.h"
#include "eval/openai_backend.h"
#include "eval/report.h"
#include "eval/rule_scorer.h"
#include "io/json_file.h"
#include "eval/runner.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

// One phantom world for the whole file: seven studies, one per modality; removed at exit.
const std::string& PhantomRoot() {
  static const ScratchDir scratch;
  static const std::string root = [] {
    GeneratePhantoms({9001, 7, (scratch / "phantoms").string()});
    return scratch.path().string();
  }();
  return root;
}

std::vector<EvalSample> Phantoms() { return LoadBenchmark(FindBenchmark("phantoms"), {PhantomRoot()}); }

EvalSample Sample(const std::string& family, const std::string& kind, const std::string& answer, int options = 0) {
  EvalSample s;
  s.category = family;
  s.kind = kind;
  s.answer = answer;
  for (int i = 0; i < options; ++i) s.choices.push_back(std::string(1, static_cast<char>('A' + i)) + ". option");
  return s;
}

// Answers from a table: the gold, or what `choose` picks.
class FakeBackend : public Backend {
 public:
  explicit FakeBackend(std::function<std::string(const EvalSample&)> choose) : choose_(std::move(choose)) {}
  std::string Respond(const EvalSample& s) override { return choose_(s); }
  int max_in_flight() const override { return 2; }
  std::string model_name() const override { return "fake"; }

 private:
  std::function<std::string(const EvalSample&)> choose_;
};

nlohmann::ordered_json RunAndScore(const std::vector<EvalSample>& samples, Backend& backend, const std::string& name) {
  const std::string dir = (fs::path(PhantomRoot()) / ("results_" + name)).string();
  fs::remove_all(dir);
  const RunSummary run = RunSamples("phantoms", samples, backend, {dir, {}, 0, false});
  EXPECT_TRUE(run.complete()) << run.first_error;
  return ScoreResponses(dir, MetricsLayout::kByFamily, BenchmarkScorer(FindBenchmark("phantoms"), Scoring::kCompat));
}

TEST(PhantomsLoader, AsksEveryClosedFamilyAsTrainingAskedIt) {
  const auto rows = ReadJsonLines(PhantomRoot() + "/phantoms/samples.jsonl");
  const auto samples = Phantoms();
  std::map<std::string, const EvalSample*> by_id;
  for (const EvalSample& s : samples) by_id[s.id] = &s;
  std::set<std::string> families;
  for (const auto& r : rows) {
    const std::string family = r["family"];
    const auto it = by_id.find(r["id"].get<std::string>());
    if (family == "caption_short" || family == "caption_long" || family == "open_qa") {
      EXPECT_EQ(it, by_id.end()) << family << " is free text, left to the report family";
      continue;
    }
    ASSERT_NE(it, by_id.end()) << r.dump();
    const EvalSample& s = *it->second;
    families.insert(family);
    EXPECT_EQ(s.category, family);
    EXPECT_EQ(s.answer, r["answer"]);
    std::string human = r["conversations"][0]["value"];
    ASSERT_TRUE(human.rfind("<image>\n", 0) == 0 || human.rfind("<video>\n", 0) == 0 || family == "text_only") << human;
    if (family != "text_only") human = human.substr(8);
    EXPECT_EQ(s.prompt, human);
    const std::string format = r["format"];
    const std::string kind = family == "report"   ? "report"
                             : format == "closed" ? "judgement"
                             : format == "mcq"    ? "multi_choice"
                                                  : "close_ended";
    EXPECT_EQ(s.kind, kind) << r.dump();
    if (kind == "multi_choice") {
      ASSERT_GE(s.choices.size(), 3u) << s.prompt;
      EXPECT_EQ(s.choices[0].substr(0, 3), "A. ");
      EXPECT_LT(s.answer[0] - 'A', static_cast<int>(s.choices.size()));
    }
    // The record's media, stated as training states them.
    const size_t media = r.contains("image") + r.contains("video") + r.contains("volume");
    ASSERT_EQ(s.media_specs.size(), media) << r.dump();
    if (r.contains("volume")) {
      EXPECT_EQ(s.media_specs[0].format, MediaFormat::kVolume);
      EXPECT_EQ(s.media_specs[0].slices, r["volume"]["slices"].get<int>());
    }
    if (r.contains("video")) {
      EXPECT_EQ(s.media_specs[0].format, MediaFormat::kVideo);
    }
    for (const MediaSpec& m : s.media_specs) EXPECT_TRUE(fs::exists(m.path)) << m.path;
  }
  for (const char* f : {"modality", "body_region", "lesion_presence", "lesion_count", "laterality", "size_class", "slice",
                        "frame", "change", "report", "text_only"})
    EXPECT_TRUE(families.count(f)) << f;
}

TEST(PhantomsEndpoint, VideosAndVolumesGoAsTheirOwnContentParts) {
  std::set<std::string> sent;
  for (const EvalSample& s : Phantoms()) {
    if (s.media_specs.empty()) continue;
    const MediaSpec& m = s.media_specs[0];
    if (fs::is_directory(m.path)) {  // a DICOM series has no data: URI
      EXPECT_THROW(OpenAiBackend::RequestBody(s, {"http://x", "m"}), Error);
      sent.insert("series refused");
      continue;
    }
    const auto body = nlohmann::json::parse(OpenAiBackend::RequestBody(s, {"http://x", "m"}));
    const auto& content = body["messages"][0]["content"];
    ASSERT_EQ(content.size(), 2u);
    EXPECT_EQ(content[1]["text"], s.prompt);
    const std::string type = content[0]["type"];
    sent.insert(type);
    EXPECT_EQ(content[0][type]["url"].get<std::string>().rfind("data:", 0), 0u);
    if (type == "volume_url") {
      EXPECT_EQ(content[0][type]["slices"], 32);
      EXPECT_EQ(content[0][type]["axis"], "axial");
    }
  }
  EXPECT_EQ(sent, (std::set<std::string>{"image_url", "video_url", "volume_url", "series refused"}));
}

TEST(PhantomsLoader, AMissingSetSaysHowToMakeIt) {
  try {
    LoadBenchmark(FindBenchmark("phantoms"), {"/nonexistent"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/phantoms/samples.jsonl not found"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hulumed data phantoms --seed 9001"), std::string::npos) << e.what();
  }
}

TEST(AnswerMatch, LettersYesNoNumbersAndNormalizedText) {
  EvalSample mcq = Sample("modality", "multi_choice", "B");
  mcq.choices = {"A. CT", "B. MRI", "C. X-ray"};
  for (const char* right : {"B", "b.", "(B) MRI", "B: MRI", " MRI.", "the MRI"})
    EXPECT_TRUE(*MatchAnswer(mcq, right).correct) << right;
  for (const char* wrong : {"A", "Both", "D", "", "CT"}) EXPECT_FALSE(*MatchAnswer(mcq, wrong).correct) << wrong;

  const EvalSample yes = Sample("lesion_presence", "judgement", "yes");
  EXPECT_TRUE(*MatchAnswer(yes, "Yes, a nodule.").correct);
  EXPECT_FALSE(*MatchAnswer(yes, "No.").correct);
  EXPECT_FALSE(*MatchAnswer(yes, "I think yes").correct);

  const EvalSample count = Sample("lesion_count", "close_ended", "2");
  for (const char* right : {"2", "two", "There are 2 nodules."}) EXPECT_TRUE(*MatchAnswer(count, right).correct) << right;
  EXPECT_FALSE(*MatchAnswer(count, "12").correct);
  EXPECT_TRUE(*MatchAnswer(Sample("lesion_count", "close_ended", "0"), "No nodules.").correct);
  const EvalSample slice = Sample("slice", "close_ended", "slice 12");
  EXPECT_TRUE(*MatchAnswer(slice, "Slice 12.").correct);
  EXPECT_TRUE(*MatchAnswer(slice, "12").correct);
  EXPECT_FALSE(*MatchAnswer(slice, "slice 13").correct);

  EXPECT_TRUE(*MatchAnswer(Sample("modality", "close_ended", "X-ray"), "x ray").correct);
  EXPECT_TRUE(*MatchAnswer(Sample("text_only", "close_ended", "-900 HU"), "-900 hu.").correct);
  EXPECT_FALSE(*MatchAnswer(Sample("text_only", "close_ended", "-900 HU"), "900 HU").correct);
  EXPECT_FALSE(*MatchAnswer(Sample("laterality", "close_ended", "left eye"), "left").correct);
  EXPECT_EQ(NormalizeAnswer("  The Liver, 2.5 cm!"), "liver 2.5 cm");
}

TEST(ChanceLevel, UniformAndMajorityPerQuestionForm) {
  const std::vector<EvalSample> family = {
      Sample("f", "judgement", "yes"),       Sample("f", "judgement", "yes"),        Sample("f", "judgement", "no"),
      Sample("f", "close_ended", "left"),    Sample("f", "close_ended", "right"),    Sample("f", "close_ended", "Left."),
      Sample("f", "close_ended", "left"),    Sample("f", "multi_choice", "A", 4),    Sample("f", "multi_choice", "B", 3),
      Sample("f", "report", "Findings: x")};
  std::vector<const EvalSample*> ptrs;
  for (const auto& s : family) ptrs.push_back(&s);
  const ChanceLevel c = ChanceOf(ptrs);
  // yes/no: 1/2 each; open: two distinct answers ("left" normalized); options 1/4 and 1/3.
  EXPECT_NEAR(c.uniform, (3 * 0.5 + 4 * 0.5 + 0.25 + 1.0 / 3) / 9, 1e-12);
  // most common: yes (2), left (3), one letter (1), of 9 (the report left out).
  EXPECT_NEAR(c.majority, 6.0 / 9, 1e-12);
  EXPECT_EQ(ChanceOf({}).majority, 0);
  // A yes/no question allows two answers even where the set holds only one.
  const EvalSample only_yes = Sample("f", "judgement", "yes");
  EXPECT_DOUBLE_EQ(ChanceOf({&only_yes, &only_yes}).uniform, 0.5);
  EXPECT_DOUBLE_EQ(ChanceOf({&only_yes, &only_yes}).majority, 1.0);
}

TEST(PhantomsScoring, GoldAnswersScoreEveryFamilyFully) {
  FakeBackend gold([](const EvalSample& s) { return s.answer; });
  const auto metrics = RunAndScore(Phantoms(), gold, "gold");
  EXPECT_DOUBLE_EQ(metrics["total metrics"]["acc"].get<double>(), 1.0);
  for (const auto& [family, f] : metrics["by_family"].items()) {
    if (family == "report") {
      EXPECT_FALSE(f.contains("acc"));
      EXPECT_NEAR(f["bleu1"].get<double>(), 1.0, 1e-9);  // pltrdy ROUGE-L counts distinct words: below 1
      continue;
    }
    EXPECT_DOUBLE_EQ(f["acc"].get<double>(), 1.0) << family;
    EXPECT_GT(f["chance_majority"].get<double>(), 0) << family;
    EXPECT_LE(f["chance_uniform"].get<double>(), f["chance_majority"].get<double>() + 1e-12) << family;
  }
}

TEST(PhantomsScoring, TheMostCommonAnswerOfEachFormScoresTheMajorityRate) {
  const auto samples = Phantoms();
  std::map<std::string, std::map<std::string, int>> counts;  // family/kind -> answer -> n
  for (const EvalSample& s : samples) ++counts[s.category + "/" + s.kind][s.answer];
  FakeBackend majority([&](const EvalSample& s) {
    const auto& answers = counts[s.category + "/" + s.kind];
    return std::max_element(answers.begin(), answers.end(), [](auto& a, auto& b) { return a.second < b.second; })->first;
  });
  const auto metrics = RunAndScore(samples, majority, "majority");
  for (const auto& [family, f] : metrics["by_family"].items())
    if (family != "report") {
      EXPECT_NEAR(f["acc"].get<double>(), f["chance_majority"].get<double>(), 1e-12) << family;
    }
}

TEST(PhantomsScoring, AFixedOptionScoresItsShareOfTheAnswers) {
  std::vector<EvalSample> samples = {Sample("lesion_count", "multi_choice", "A", 4),
                                     Sample("lesion_count", "multi_choice", "A", 4),
                                     Sample("lesion_count", "multi_choice", "C", 4),
                                     Sample("lesion_presence", "judgement", "no"),
                                     Sample("lesion_presence", "judgement", "yes"),
                                     Sample("lesion_presence", "judgement", "yes")};
  for (size_t i = 0; i < samples.size(); ++i) samples[i].index = static_cast<int64_t>(i), samples[i].id = std::to_string(i);
  FakeBackend always_a([](const EvalSample& s) { return s.kind == "judgement" ? "yes" : "A"; });
  const auto metrics = RunAndScore(samples, always_a, "fixed");
  EXPECT_NEAR(metrics["by_family"]["lesion_count"]["acc"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(metrics["by_family"]["lesion_count"]["chance_majority"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(metrics["by_family"]["lesion_count"]["chance_uniform"].get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(metrics["by_family"]["lesion_presence"]["acc"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(metrics["by_family"]["lesion_presence"]["chance_uniform"].get<double>(), 0.5, 1e-12);
}

TEST(PhantomsScoring, ASampleLongerThanTheModelsContextIsLoggedEmptyAndScoredWrong) {
  std::vector<EvalSample> samples = {Sample("modality", "close_ended", "CT"), Sample("modality", "close_ended", "MRI")};
  for (size_t i = 0; i < samples.size(); ++i) samples[i].index = static_cast<int64_t>(i), samples[i].id = std::to_string(i);
  FakeBackend big([](const EvalSample& s) -> std::string {
    if (s.id == "1") throw SampleTooLong("prompt of 1404 tokens does not fit the model's context of 512");
    return s.answer;
  });
  const std::string dir = (fs::path(PhantomRoot()) / "results_too_long").string();
  fs::remove_all(dir);
  const RunSummary run = RunSamples("phantoms", samples, big, {dir, {}, 0, false});
  EXPECT_TRUE(run.complete());  // asking again cannot help, so the run is not left unfinished
  EXPECT_EQ(run.too_long, 1);
  const auto records = ReadJsonLines(dir + "/responses.jsonl");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["response"], "");
  EXPECT_NE(records[1]["error"].get<std::string>().find("does not fit"), std::string::npos);
  const auto metrics = ScoreResponses(dir, MetricsLayout::kByFamily, AnswerMatchScorer());
  EXPECT_EQ(metrics["by_family"]["modality"]["right"], 1);
}

TEST(PhantomsReport, FamilyTableAndChartWithChanceLines) {
  FakeBackend gold([](const EvalSample& s) { return s.kind == "judgement" ? "yes" : s.answer; });
  RunAndScore(Phantoms(), gold, "report");
  const std::string out = PhantomRoot() + "/report_out";
  fs::remove_all(out);
  fs::create_directories(out);
  fs::rename(PhantomRoot() + "/results_report", out + "/phantoms");
  ASSERT_EQ(WriteReport({out, "compat", ""}), 1);
  std::ifstream in(out + "/report.md");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("| Family | Samples | Accuracy (%) | Chance, majority (%) | Chance, uniform (%) |"), std::string::npos)
      << text;
  // Families in the world's order, not sorted by name.
  ASSERT_NE(text.find("| modality |"), std::string::npos);
  EXPECT_LT(text.find("| modality |"), text.find("| body_region |"));
  EXPECT_LT(text.find("| size_class |"), text.find("| report |"));
  std::ifstream html_in(out + "/report.html");
  const std::string html((std::istreambuf_iterator<char>(html_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("accuracy by question family against chance"), std::string::npos);
  EXPECT_NE(html.find("stroke-dasharray"), std::string::npos);  // the uniform chance line
  EXPECT_NE(html.find("<title>chance, majority:"), std::string::npos);
  EXPECT_EQ(html.find(">report</text>"), std::string::npos);  // no accuracy: in the table, not the chart
}

TEST(RealScans, PydicomTestFilesGiveTagDerivedQuestions) {
  const std::string dir = FindBenchmark("real-scans").folder;
  if (!fs::exists(dir + "/CT_small.dcm")) GTEST_SKIP() << dir << " is absent: install python3-pydicom to run this test";
  const auto samples = LoadBenchmark(FindBenchmark("real-scans"), {"ignored"});
  std::map<std::string, std::string> answer;
  std::vector<std::string> files;
  for (const EvalSample& s : samples) {
    answer[s.id] = s.answer;
    const std::string file = s.id.substr(0, s.id.find('#'));
    if (files.empty() || files.back() != file) files.push_back(file);
    ASSERT_EQ(s.media_specs.size(), 1u);
    EXPECT_EQ(s.media_specs[0].path, dir + "/" + file);
    EXPECT_EQ(s.kind, "close_ended");
  }
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
  EXPECT_EQ(answer["CT_small.dcm#modality"], "CT");
  EXPECT_EQ(answer["CT_small.dcm#plane"], "axial");
  EXPECT_EQ(answer["MR_small.dcm#modality"], "MRI");
  EXPECT_EQ(answer["ExplVR_BigEnd.dcm#modality"], "ultrasound");
  EXPECT_EQ(answer["J2K_pixelrep_mismatch.dcm#body_region"], "head");
  EXPECT_EQ(answer["dicomdirtests/98892001/CT2N/6293#plane"], "sagittal");
  EXPECT_EQ(answer["dicomdirtests/77654033/CR1/6154#modality"], "X-ray");
  // Copies of MR_small in other transfer syntaxes count once; other modalities stay out.
  EXPECT_FALSE(answer.count("MR_small_implicit.dcm#modality"));
  EXPECT_FALSE(answer.count("rtdose.dcm#modality"));
  EXPECT_FALSE(answer.count("JPEG2000.dcm#modality"));
  // The same list every time.
  const auto again = LoadBenchmark(FindBenchmark("real-scans"), {"ignored"});
  ASSERT_EQ(again.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i) EXPECT_EQ(again[i].id, samples[i].id);
}

}  // namespace
}  // namespace hm::eval
