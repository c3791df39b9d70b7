// What a scoring rule says about one response, and the record scored.jsonl carries for it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hm::eval {

struct Verdict {
  std::optional<bool> correct;  // nullopt: the rule gives scores only (open 3D answers, reports)
  std::vector<std::pair<std::string, double>> scores;  // em, bleu1..4, rouge1/2/l, precision, recall, f1, ...
  std::string error;  // compat only: what MedUniEval raises on this input ("ValueError: ...")
};

// The verdict as scored.jsonl carries it: {"correct", "scores", "error"?}, scores in rule order.
nlohmann::ordered_json VerdictRecord(const Verdict& v);

}  // namespace hm::eval
