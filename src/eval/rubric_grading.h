// HealthBench's rubric grading, as MedUniEval does it (utils/HealthBench, after OpenAI's
// simple-evals healthbench_eval.py): an LLM grader reads the conversation with the model's
// reply appended and one rubric item, and answers JSON {"explanation", "criteria_met"}; a
// sample scores the points of its met items over its positive points, and the benchmark the
// mean of those, clipped to [0, 1], overall, per example tag and per rubric tag.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/benchmark_metrics.h"
#include "eval/judge.h"
#include "eval/rules.h"

namespace hm::eval {

// MedUniEval's GRADER_TEMPLATE filled with `conversation` (a list of {role, content}, the
// reply already appended) and `rubric` ({criterion, points, tags}, shown as "[points] criterion").
std::string RubricGraderPrompt(const nlohmann::json& conversation, const nlohmann::json& rubric);

// parse_json_to_dict plus MedUniEval's check: criteria_met of the reply's JSON object (a
// ```json fence around it allowed); nullopt when it is not JSON or criteria_met is not a boolean.
std::optional<bool> ParseCriteriaMet(const std::string& reply);

struct RubricGrade {
  double points = 0;
  bool met = false;
};

// calculate_score: points of met items over the sum of positive points (a met negative item
// subtracts; the result may leave [0, 1]); nullopt when no item has positive points.
std::optional<double> RubricScore(const std::vector<RubricGrade>& grades);

// _aggregate_get_clipped_mean over the samples' verdict scores (each sample's metrics dict:
// overall_score, example tags, rubric tags): per name the clipped mean, ":n_samples" and
// ":bootstrap_std"; "score" is the clipped mean of overall_score. Samples without scores
// (ungraded, or no positive points) are left out and counted in "left_out".
nlohmann::ordered_json RubricMetrics(const std::vector<ScoredSample>& scored);

// Grades every rubric item of DIR/`responses_file` (HealthBench samples, whose answer holds
// {"conversation", "rubrics", "example_tags"}) with `grader`, one query per item, cached in the
// grader's file; the grader reads every turn of the conversation, then the reply; writes DIR/scored.jsonl (per sample its scores and each item's grade) and
// DIR/metrics.json (MedUniEval's {"score", "final_metrics"} plus "judge_model" and "ungraded",
// the samples left out because an item got no usable grade). A progress line on stderr when
// `progress`. Returns the metrics.
nlohmann::ordered_json ScoreRubrics(const std::string& dir, Judge& grader, Scoring scoring, bool progress = false,
                                    const std::string& responses_file = "responses.jsonl");

}  // namespace hm::eval
