// What a scoring rule says about one response, and the narrow interface through which the
// runner asks for it (the rules themselves live with `hulumed eval score`).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eval/eval_sample.h"

namespace hm::eval {

struct Verdict {
  std::optional<bool> correct;  // nullopt: the rule gives scores only (open 3D answers, reports)
  std::vector<std::pair<std::string, double>> scores;  // em, bleu1..4, rouge1/2/l, precision, recall, f1, ...
  std::string error;  // where MedUniEval's rule raises: counted wrong, with no scores
};

// Scores the model's raw response to a sample (the sample's prep says how to cut it first).
using ScoreFn = std::function<Verdict(const EvalSample& sample, const std::string& response)>;

// The verdict as scored.jsonl carries it: {"correct", "scores", "error"?}.
nlohmann::ordered_json VerdictRecord(const Verdict& v);

}  // namespace hm::eval
