#include "eval/source_records.h"

#include "core/error.h"
#include "eval/jsonl.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

template <typename Rows>
void Append(const std::string& path, const Rows& rows, const RecordToSample& to_sample, std::vector<EvalSample>& out) {
  for (size_t i = 0; i < rows.size(); ++i) {
    std::optional<EvalSample> s = to_sample({rows[i], i, path + " record " + std::to_string(i + 1)});
    if (!s) continue;
    s->index = static_cast<int64_t>(out.size());
    out.push_back(std::move(*s));
  }
}

}  // namespace

void AppendSamples(const std::string& path, const std::vector<nlohmann::json>& rows, const RecordToSample& to_sample,
                   std::vector<EvalSample>& out) {
  Append(path, rows, to_sample, out);
}

void AppendSamples(const std::string& path, const nlohmann::json& list, const RecordToSample& to_sample,
                   std::vector<EvalSample>& out) {
  HM_CHECK(list.is_array(), path, ": expected a JSON list of samples");
  Append(path, list, to_sample, out);
}

std::vector<EvalSample> SamplesFromJsonLines(const std::string& path, const RecordToSample& to_sample) {
  std::vector<EvalSample> out;
  AppendSamples(path, ReadJsonLines(path), to_sample, out);
  return out;
}

std::vector<EvalSample> SamplesFromJsonList(const std::string& path, const RecordToSample& to_sample) {
  std::vector<EvalSample> out;
  AppendSamples(path, ReadJsonFile(path), to_sample, out);
  return out;
}

}  // namespace hm::eval
