// `hulumed eval score`: rescore saved responses. Reads IN.jsonl lines
// {"id", "kind", "question"?, "choices"?, "answer", "response"} and writes DIR/scored.jsonl
// ({"id", "verdict": {"correct", "scores", "error"?}} per line, in input order) and
// DIR/metrics.json (per kind: samples, errors, accuracy, mean of each score).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "eval/rules.h"

namespace hm::eval {

// One input line parsed; throws hm::Error naming `where` ("file:line") and the field.
ScoreInput ParseScoreInput(const nlohmann::json& line, const std::string& where);

// Returns the metrics.json content. Throws hm::Error on unreadable input or unwritable output.
nlohmann::json ScoreResultsFile(const std::string& results_path, const std::string& out_dir, Scoring scoring);

}  // namespace hm::eval
