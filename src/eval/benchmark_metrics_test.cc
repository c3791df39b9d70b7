#include "eval/benchmark_metrics.h"

#include <gtest/gtest.h>

namespace hm::eval {
namespace {

ScoredSample Make(const std::string& kind, const std::string& category, std::optional<bool> correct,
                  std::vector<std::pair<std::string, double>> scores = {}, std::string error = "") {
  ScoredSample s;
  s.sample.kind = kind;
  s.sample.category = category;
  s.verdict.correct = correct;
  s.verdict.scores = std::move(scores);
  s.verdict.error = std::move(error);
  return s;
}

TEST(BenchmarkMetrics, AccuracyAsMedUniEvalWritesIt) {
  const auto m = BenchmarkMetrics(MetricsLayout::kAccuracy,
                                  {Make("multi_choice", "", true), Make("multi_choice", "", false),
                                   Make("multi_choice", "", true), Make("multi_choice", "", true, {}, "IndexError")});
  EXPECT_EQ(m.dump(), R"({"total metrics":{"total":4,"right":2,"acc":0.5}})");
}

// Medmnist.py's own structure; 2/3 is 66.67 and 1/6 is 16.67 as Python's round(x * 100, 2) gives.
TEST(BenchmarkMetrics, BySplitAsMedMnistWritesIt) {
  std::vector<ScoredSample> scored = {Make("multi_choice", "pathmnist", true), Make("multi_choice", "pathmnist", true),
                                      Make("multi_choice", "pathmnist", false), Make("multi_choice", "bloodmnist", false)};
  for (int i = 0; i < 5; ++i) scored.push_back(Make("multi_choice", "bloodmnist", i == 0 ? std::optional<bool>(true) : false));
  const auto m = BenchmarkMetrics(MetricsLayout::kBySplit, scored);
  EXPECT_EQ(m.dump(), R"({"total_metrics":{"total":9,"correct":3,"accuracy":33.33},"split_metrics":{)"
                      R"("pathmnist":{"total":3,"correct":2,"accuracy":66.67},)"
                      R"("bloodmnist":{"total":6,"correct":1,"accuracy":16.67}}})");
  EXPECT_DOUBLE_EQ(HeadlineOf(MetricsLayout::kBySplit, m).value, 33.33);
}

TEST(BenchmarkMetrics, OpenCloseAveragesTextScoresOverOpenQuestions) {
  const auto m = BenchmarkMetrics(
      MetricsLayout::kOpenClose,
      {Make("open_ended", "open", true, {{"em", 1}, {"bleu1", 1}, {"rougel", 1}, {"f1", 1}}),
       Make("open_ended", "open", false, {{"em", 0}, {"bleu1", 0.5}, {"rougel", 0.25}}),
       Make("open_ended", "open", std::nullopt, {}, "ValueError: Hypothesis is empty."),
       Make("judgement", "close", true), Make("judgement", "close", false)});
  EXPECT_EQ(m["total metrics"]["total"], 5);
  EXPECT_EQ(m["total metrics"]["right"], 2);
  EXPECT_DOUBLE_EQ(m["total metrics"]["acc"].get<double>(), 0.4);
  EXPECT_EQ(m["open"]["total"], 3);
  EXPECT_EQ(m["open"]["right"], 1);
  EXPECT_DOUBLE_EQ(m["open"]["bleu1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(m["open"]["rougel"].get<double>(), 1.25 / 3);
  EXPECT_DOUBLE_EQ(m["open"]["em"].get<double>(), 1.0 / 3);
  EXPECT_DOUBLE_EQ(m["close"]["acc"].get<double>(), 0.5);
  // VQA-RAD's key order.
  std::vector<std::string> keys;
  for (const auto& [k, v] : m["open"].items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"total", "right", "bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2",
                                            "rougel", "precision", "recall", "f1", "em", "acc"}));
}

TEST(BenchmarkMetrics, ThreeDByCategoryAndOverallMeansOfCategories) {
  const auto m = BenchmarkMetrics(MetricsLayout::kByCategory3d,
                                  {Make("closed_3d", "Organ", true), Make("closed_3d", "Organ", false),
                                   Make("closed_3d", "Plane", true), Make("open_3d", "Plane", std::nullopt, {{"rougel", 0.5}, {"meteor", 0.2}}),
                                   Make("open_3d", "Location", std::nullopt, {{"rougel", 0.1}})});
  const auto& organ = m["by_category"]["Organ"];
  EXPECT_DOUBLE_EQ(organ["closed"]["accuracy"].get<double>(), 50.0);
  EXPECT_TRUE(organ["open"].empty());
  EXPECT_DOUBLE_EQ(m["by_category"]["Plane"]["open"]["rouge_l"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(m["by_category"]["Plane"]["open"]["meteor"].get<double>(), 20.0);
  // Means over categories: closed (50 + 100) / 2, open ROUGE-L over Plane and Location.
  EXPECT_DOUBLE_EQ(m["overall"]["closed"]["accuracy_category_avg"].get<double>(), 75.0);
  EXPECT_NEAR(m["overall"]["open"]["rouge_l"].get<double>(), 30.0, 1e-9);
  EXPECT_EQ(m["overall"]["num_categories"], 3);
  EXPECT_EQ(m["overall"]["total_samples"], 5);
  EXPECT_EQ(m["by_category"].begin().key(), "Plane");  // eval_3d.py orders by question type
}

TEST(BenchmarkMetrics, ReportAveragesOverEverySample) {
  const auto m = BenchmarkMetrics(MetricsLayout::kReport,
                                  {Make("report", "report", std::nullopt, {{"rougel", 0.4}, {"meteor", 0.3}}),
                                   Make("report", "report", std::nullopt, {}, "empty")});
  EXPECT_DOUBLE_EQ(m["rougeL"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(m["meteor"].get<double>(), 0.15);
  EXPECT_EQ(HeadlineOf(MetricsLayout::kReport, m).name, "ROUGE-L");
  EXPECT_DOUBLE_EQ(HeadlineOf(MetricsLayout::kReport, m).value, 20.0);
}

}  // namespace
}  // namespace hm::eval
