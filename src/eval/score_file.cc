#include "eval/score_file.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "text/utf8.h"

namespace hm::eval {
namespace {

std::string TextField(const nlohmann::json& line, const char* field, const std::string& where, bool required) {
  auto it = line.find(field);
  if (it == line.end() || it->is_null()) {
    HM_CHECK(!required, where, ": missing \"", field, "\"");
    return "";
  }
  // Benchmarks store some answers as numbers; MedUniEval scores str(answer).
  HM_CHECK(it->is_string() || it->is_number(), where, ": \"", field, "\" must be a string");
  return RepairUtf8(it->is_string() ? it->get<std::string>() : it->dump());
}

struct KindTotals {
  size_t samples = 0, errors = 0, judged = 0, correct = 0;
  std::map<std::string, std::pair<double, size_t>> score_sums;
};

}  // namespace

ScoreInput ParseScoreInput(const nlohmann::json& line, const std::string& where) {
  HM_CHECK(line.is_object(), where, ": expected a JSON object");
  ScoreInput in;
  std::string kind = TextField(line, "kind", where, true);
  auto parsed = RuleKindFromName(kind);
  HM_CHECK(parsed, where, ": unknown kind \"", kind,
           "\" (multi_choice, close_ended, judgement, open_ended, open_3d, closed_3d, report, mmmu_multi_choice, mmmu_open)");
  in.kind = *parsed;
  in.answer = TextField(line, "answer", where, true);
  in.response = TextField(line, "response", where, false);
  if (auto p = line.find("prep"); p != line.end() && !p->is_null()) {
    HM_CHECK(p->is_string(), where, ": \"prep\" must be a string");
    in.prep = p->get<std::string>();
    try {
      CutResponse(*in.prep, "");  // an unknown prep fails here, naming the line
    } catch (const Error& e) {
      Fail(where, ": ", e.what());
    }
  }
  if (auto c = line.find("choices"); c != line.end() && !c->is_null()) {
    HM_CHECK(c->is_array(), where, ": \"choices\" must be an array of strings");
    for (const auto& choice : *c) {
      HM_CHECK(choice.is_string(), where, ": \"choices\" must be an array of strings");
      in.choices.push_back(RepairUtf8(choice.get<std::string>()));
    }
  }
  return in;
}

nlohmann::json ScoreResultsFile(const std::string& results_path, const std::string& out_dir, Scoring scoring) {
  std::ifstream in(results_path);
  HM_CHECK(in, "cannot read results file ", results_path);
  std::filesystem::create_directories(out_dir);
  const std::string scored_path = out_dir + "/scored.jsonl";
  std::ofstream scored(scored_path);
  HM_CHECK(scored, "cannot write ", scored_path);

  std::map<std::string, KindTotals> totals;
  size_t line_number = 0;
  for (std::string text; std::getline(in, text);) {
    ++line_number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json line;
    try {
      line = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      Fail(results_path, ":", line_number, ": not JSON (", e.what(), ")");
    }
    ScoreInput input = ParseScoreInput(line, StrCat(results_path, ":", line_number));
    Verdict verdict = ScoreResponse(input, scoring);
    nlohmann::ordered_json record;
    record["id"] = line.contains("id") ? line["id"] : nlohmann::json(line_number);
    record["verdict"] = VerdictRecord(verdict);
    scored << record.dump() << '\n';

    KindTotals& t = totals[RuleKindName(input.kind)];
    ++t.samples;
    if (!verdict.error.empty()) {
      ++t.errors;
      continue;
    }
    if (verdict.correct) {
      ++t.judged;
      t.correct += *verdict.correct ? 1 : 0;
    }
    for (const auto& [name, value] : verdict.scores) {
      t.score_sums[name].first += value;
      ++t.score_sums[name].second;
    }
  }
  scored.close();
  HM_CHECK(scored, "cannot write ", scored_path);

  nlohmann::json metrics = {{"scoring", scoring == Scoring::kCompat ? "compat" : "fixed"},
                            {"results", results_path},
                            {"kinds", nlohmann::json::object()}};
  for (const auto& [kind, t] : totals) {
    nlohmann::json k = {{"samples", t.samples}, {"errors", t.errors}};
    if (t.judged > 0) {
      k["judged"] = t.judged;
      k["correct"] = t.correct;
      k["accuracy"] = static_cast<double>(t.correct) / static_cast<double>(t.judged);
    }
    for (const auto& [name, sum] : t.score_sums) k["mean"][name] = sum.first / static_cast<double>(sum.second);
    metrics["kinds"][kind] = k;
  }
  const std::string metrics_path = out_dir + "/metrics.json";
  std::ofstream m(metrics_path);
  m << metrics.dump(2) << '\n';
  HM_CHECK(m, "cannot write ", metrics_path);
  return metrics;
}

}  // namespace hm::eval
