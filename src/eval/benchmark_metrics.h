// metrics.json in MedUniEval's structure for each benchmark family, from per-sample verdicts.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "eval/benchmarks.h"
#include "eval/eval_sample.h"
#include "eval/verdict.h"

namespace hm::eval {

struct ScoredSample {
  EvalSample sample;
  Verdict verdict;
};

// kAccuracy: {"total metrics": {total, right, acc}}.
// kBySplit: Medmnist.py's {"total_metrics": {total, correct, accuracy}, "split_metrics":
//   {split: {total, correct, accuracy}}}, splits (the category) in order of first appearance,
//   accuracy in percent rounded as Python's round(x, 2).
// kOpenClose: VQA-RAD/SLAKE's "total metrics", "open" (text scores averaged over open
//   questions, em counted as 0/1) and "close"; a part with no questions has no acc.
// kByCategory3d: eval_3d.py's "by_category" (open scores and closed accuracy in percent) and
//   "overall" (means over categories).
// kReport: cal_report_metrics.py's meteor, bleu1-4, rouge1, rouge2, rougeL, averaged over all
//   samples (an empty report counts 0).
// kByFamily: "total metrics" over every sample with a verdict, and "by_family": per question
//   family (the category) total, right, acc, chance_uniform and chance_majority
//   (chance_level.h), the report family's rougeL, bleu1, bleu4, meteor, and "forms": samples
//   per kind.
// kRubric: MedUniEval's HealthBench "score" and "final_metrics" (RubricMetrics).
// A verdict with an error counts as wrong with no scores.
nlohmann::ordered_json BenchmarkMetrics(MetricsLayout layout, const std::vector<ScoredSample>& scored);

// The one number a report leads with, in percent, and what it is ("acc", "rougeL", ...).
struct Headline {
  double value = 0;
  std::string name;
};
Headline HeadlineOf(MetricsLayout layout, const nlohmann::json& metrics);

}  // namespace hm::eval
