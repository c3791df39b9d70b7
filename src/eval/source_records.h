// The loop every JSON-based loader runs: read the records of a benchmark file, name each one
// in errors ("FILE record N"), make a sample from it or leave it out, and number the samples
// in order. A loader then states only how one record becomes a sample.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/eval_sample.h"

namespace hm::eval {

// One record of a benchmark file and what errors about it name.
struct SourceRecord {
  const nlohmann::json& json;
  size_t position;    // 0-based, in its file
  std::string where;  // "FILE record N", N = position + 1
};

// The sample a record makes, or nullopt to leave the record out (a category or language the
// benchmark does not evaluate). Index is set by the caller; id is the builder's to set.
using RecordToSample = std::function<std::optional<EvalSample>(const SourceRecord&)>;

// Appends the samples `to_sample` makes from `rows` (read from `path`) to `out`, each with
// index = its position in `out`, so a benchmark made of several files numbers them on.
void AppendSamples(const std::string& path, const std::vector<nlohmann::json>& rows, const RecordToSample& to_sample,
                   std::vector<EvalSample>& out);
// The same for a JSON list (an hm::Error naming `path` when `list` is not one).
void AppendSamples(const std::string& path, const nlohmann::json& list, const RecordToSample& to_sample,
                   std::vector<EvalSample>& out);

// The samples of a JSON Lines file, and of a file holding one JSON list.
std::vector<EvalSample> SamplesFromJsonLines(const std::string& path, const RecordToSample& to_sample);
std::vector<EvalSample> SamplesFromJsonList(const std::string& path, const RecordToSample& to_sample);

}  // namespace hm::eval
