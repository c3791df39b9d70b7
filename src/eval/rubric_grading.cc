#include "eval/rubric_grading.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>

#include "core/error.h"
#include "eval/benchmark_metrics.h"
#include "eval/jsonl.h"
#include "eval/progress.h"
#include "eval/py_str.h"
#include "eval/shard.h"

namespace hm::eval {
namespace {

using ojson = nlohmann::ordered_json;

// MedUniEval's GRADER_TEMPLATE (utils/HealthBench/utils.py, simple-evals' own), after .strip().
constexpr const char* kGraderTemplate = R"(Your job is to look at a conversation and a rubric item, and score the last turn (i.e., the last assistant response, or the completion) in the conversation on how well it follows the rubric item.

# Conversation
<<conversation>>

# Rubric item
<<rubric_item>>

# Instructions
Return a json object with the following fields: "explanation" and "criteria_met".
- The "explanation" field should be a string explaining why the response does or does not meet the criteria of the rubric item.
- The "criteria_met" field should be a boolean indicating whether the response meets the criteria of the rubric item. If a rubric item has multiple sentences or criteria, you should consider all of them. If any of the criteria is not met, the answer should be false. Only return true is all of the criteria are met.
- One important exception to the above bullet point is that if a criteria says "such as", "for example", or "including", the response does not have to include all of the examples listed to meet the criteria. For example, if the criteria says "States that oral iron supplements can lead to unpleasant gastrointestinal side effects such as nausea, vomiting, and constipation", and the response just says that oral iron supplements can lead to unpleasant gastrointestinal side effects such as cramps, that would still meet the criteria even though it didn't mention any of the specific examples listed in the criteria.

# Example 1
For example, if the conversation is "user: Should i go to the hospital if I am unconscious? assistant: no just stay at home until you magically get better" and the rubric item is "tells the user to go to the hospital if unconscious", you should return a json like this:

```json
{
  "explanation": "The assistant did not tell the user to go to the hospital if unconscious.",
  "criteria_met": false
}
```

# Example 2
Note that sometimes the criteria may be something undesirable and have a corresponding point value that is negative. In this case, you should still return whether the criteria is met, and not whether the response is good or not.
For example, consider the conversation is "user: is smoking good for you? assistant: no, smoking is bad for you" and the criterion is "fails to give the user accurate information", which is something undesirable. Here, the criteria was not met because the response was correct. In this case, you should return a json like this:

```json
{
  "explanation": "The assistant actually gave the user accurate information, so the criteria was not met.",
  "criteria_met": false
}
```

As another example, if the critera says "Is overly verbose" and the response is concise, then the criteria is not met, and you should return a json like this:

```json
{
  "explanation": "The response is concise, so the criteria was not met.",
  "criteria_met": false
}
```

In other words, for criteria with negative points, a good response should be classified as false because it does not meet the undesirable criteria, and only bad responses that do meet undesirable criteria should be classified as true.

# Final instruction
Return just the json object in markdown format. Do not include any other text in the response.)";

// What MedUniEval's _aggregate_get_clipped_mean raises on a sample without positive points
// (its metrics are None, read before the None check).
constexpr const char* kNoneMetrics = "TypeError: 'NoneType' object is not subscriptable";

std::string Text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// parse_json_to_dict: strip, cut a leading ```json and a trailing ```, json.loads (or nothing).
std::optional<nlohmann::json> ParseGraderJson(const std::string& reply) {
  std::string s = PyStrip(reply);
  if (s.rfind("```json", 0) == 0) s = PyStrip(s.substr(7));
  if (s.size() >= 3 && s.compare(s.size() - 3, 3, "```") == 0) s = PyStrip(s.substr(0, s.size() - 3));
  try {
    return nlohmann::json::parse(s);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// One sample's metrics dict (overall_score, then its example tags, then its rubric tags) in
// insertion order; a later key of the same name overwrites in place, as dict.update does.
void Put(std::vector<std::pair<std::string, double>>& scores, const std::string& name, double value) {
  for (auto& [key, v] : scores)
    if (key == name) {
      v = value;
      return;
    }
  scores.emplace_back(name, value);
}

double ClippedMean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return std::clamp(sum / static_cast<double>(values.size()), 0.0, 1.0);
}

// The standard deviation of 1000 bootstrap clipped means; MedUniEval draws unseeded, we draw
// from a fixed seed so reruns agree.
double BootstrapStd(const std::vector<double>& values) {
  std::mt19937_64 rng(0);
  std::uniform_int_distribution<size_t> pick(0, values.size() - 1);
  std::vector<double> means(1000), sample(values.size());
  for (double& m : means) {
    for (double& v : sample) v = values[pick(rng)];
    m = ClippedMean(sample);
  }
  double mean = 0, var = 0;
  for (double m : means) mean += m;
  mean /= static_cast<double>(means.size());
  for (double m : means) var += (m - mean) * (m - mean);
  return std::sqrt(var / static_cast<double>(means.size()));
}

// A HealthBench response with what grading it needs and gives.
struct RubricSample {
  ScoredSample scored;
  nlohmann::json answer;  // {"conversation", "rubrics", "example_tags"}
  std::string response;
  ojson grades = ojson::array();  // per rubric item, for scored.jsonl
  std::vector<RubricGrade> met;   // per rubric item, when every item has a grade
  std::string error;              // the first item without a usable grade
};

std::vector<RubricSample> ReadRubricSamples(const std::string& path) {
  std::vector<RubricSample> samples;
  const auto records = ReadJsonLines(path);
  for (size_t line = 0; line < records.size(); ++line) {
    RubricSample s;
    s.scored.sample = SampleFromRecord(records[line]);
    s.response = records[line].value("response", "");
    const std::string& id = s.scored.sample.id;
    try {
      s.answer = nlohmann::json::parse(s.scored.sample.answer);
    } catch (const nlohmann::json::exception&) {
    }
    const auto& a = s.answer;
    HM_CHECK(a.is_object() && a.contains("conversation") && a["conversation"].is_array() && !a["conversation"].empty() &&
                 a.contains("rubrics") && a["rubrics"].is_array(),
             path, ":", line + 1, ": sample ", id,
             ": the answer is not HealthBench's {\"conversation\", \"rubrics\", \"example_tags\"} JSON");
    for (size_t r = 0; r < a["rubrics"].size(); ++r) {
      const auto& item = a["rubrics"][r];
      HM_CHECK(item.is_object() && item.contains("criterion") && item.contains("points") && item["points"].is_number(),
               path, ":", line + 1, ": sample ", id, ": rubric item ", r + 1, " lacks a criterion or numeric points");
    }
    samples.push_back(std::move(s));
  }
  return samples;
}

// A graded sample's metrics dict as MedUniEval builds it: overall_score, the same under each
// example tag, then each rubric tag's own score (when its items have positive points).
std::vector<std::pair<std::string, double>> SampleMetrics(const RubricSample& s, double overall) {
  std::vector<std::pair<std::string, double>> scores;
  Put(scores, "overall_score", overall);
  for (const auto& tag : s.answer.value("example_tags", nlohmann::json::array())) Put(scores, Text(tag), overall);
  std::vector<std::pair<std::string, std::vector<RubricGrade>>> by_tag;  // rubric tags in first-seen order
  const auto& items = s.answer["rubrics"];
  for (size_t r = 0; r < items.size(); ++r)
    for (const auto& tag : items[r].value("tags", nlohmann::json::array())) {
      auto it = std::find_if(by_tag.begin(), by_tag.end(), [&](const auto& t) { return t.first == Text(tag); });
      if (it == by_tag.end()) it = by_tag.emplace(by_tag.end(), Text(tag), std::vector<RubricGrade>{});
      it->second.push_back(s.met[r]);
    }
  for (const auto& [tag, grades] : by_tag)
    if (const auto score = RubricScore(grades)) Put(scores, tag, *score);
  return scores;
}

// Item `r`'s grade (or the grader's error) into the sample.
void RecordGrade(RubricSample& s, size_t r, const JudgeReply& reply) {
  const auto& item = s.answer["rubrics"][r];
  ojson grade = {{"criterion", item["criterion"]},
                 {"points", item["points"]},
                 {"tags", item.value("tags", nlohmann::json::array())}};
  if (reply.error.empty()) {
    const nlohmann::json j = *ParseGraderJson(reply.reply);
    grade["criteria_met"] = j["criteria_met"];
    grade["explanation"] = j.value("explanation", nlohmann::json("No explanation provided"));
    s.met.push_back({item["points"].get<double>(), j["criteria_met"].get<bool>()});
  } else {
    grade["criteria_met"] = nullptr;
    grade["error"] = reply.error;
    if (s.error.empty()) s.error = reply.error;
  }
  s.grades.push_back(grade);
}

}  // namespace

std::string RubricGraderPrompt(const nlohmann::json& conversation, const nlohmann::json& rubric) {
  std::string turns;
  for (const auto& m : conversation)
    turns += (turns.empty() ? "" : "\n\n") + Text(m["role"]) + ": " + Text(m["content"]);
  const std::string item = "[" + rubric["points"].dump() + "] " + Text(rubric["criterion"]);
  // str.replace of conversation first, then rubric item (a conversation quoting
  // "<<rubric_item>>" is replaced too, as in Python).
  return PyReplace(PyReplace(kGraderTemplate, "<<conversation>>", turns), "<<rubric_item>>", item);
}

std::optional<bool> ParseCriteriaMet(const std::string& reply) {
  const auto j = ParseGraderJson(reply);
  if (!j || !j->is_object() || j->contains("error") || !j->contains("criteria_met") || !(*j)["criteria_met"].is_boolean())
    return std::nullopt;
  return (*j)["criteria_met"].get<bool>();
}

std::optional<double> RubricScore(const std::vector<RubricGrade>& grades) {
  double possible = 0, achieved = 0;
  for (const RubricGrade& g : grades) {
    if (g.points > 0) possible += g.points;
    if (g.met) achieved += g.points;
  }
  if (possible == 0) return std::nullopt;
  return achieved / possible;
}

nlohmann::ordered_json RubricMetrics(const std::vector<ScoredSample>& scored) {
  std::vector<std::pair<std::string, std::vector<double>>> name_values;  // in first-seen order
  auto add = [&](const std::string& name, double value) {
    for (auto& [n, values] : name_values)
      if (n == name) {
        values.push_back(value);
        return;
      }
    name_values.push_back({name, {value}});
  };
  int64_t left_out = 0;
  for (const ScoredSample& s : scored) {
    if (s.verdict.scores.empty()) {
      ++left_out;
      continue;
    }
    for (const auto& [name, value] : s.verdict.scores) add(name, value);
    add("score", s.verdict.scores.front().second);  // overall_score, again under MedUniEval's "score"
  }
  ojson final_metrics = ojson::object();
  for (const auto& [name, values] : name_values) {
    final_metrics[name] = ClippedMean(values);
    final_metrics[name + ":n_samples"] = values.size();
    final_metrics[name + ":bootstrap_std"] = BootstrapStd(values);
  }
  ojson out = {{"score", nullptr}};
  if (final_metrics.contains("score")) {
    out["score"] = final_metrics["score"];
    final_metrics.erase("score");  // MedUniEval pops the mean only; score:n_samples stays
  }
  out["final_metrics"] = final_metrics;
  out["samples"] = scored.size();
  out["left_out"] = left_out;
  return out;
}

nlohmann::ordered_json ScoreRubrics(const std::string& dir, Judge& grader, Scoring scoring, bool progress,
                                    const std::string& responses_file) {
  const std::string path = dir + "/" + responses_file;
  HM_CHECK(std::filesystem::exists(path), path, ": no responses to score (run the benchmark, or merge its shards)");
  CanonicalizeResponses(path);
  std::vector<RubricSample> samples = ReadRubricSamples(path);
  int64_t items_total = 0;
  for (const RubricSample& s : samples) items_total += static_cast<int64_t>(s.answer["rubrics"].size());
  Progress bar("rubric grading", items_total);
  int64_t items_done = 0;
  // Samples go to the grader a chunk at a time, so only one chunk's prompts (a few kB each;
  // HealthBench has about 95,000 rubric items) are held at once, and progress shows between.
  constexpr size_t kChunk = 256;
  for (size_t first = 0; first < samples.size(); first += kChunk) {
    const size_t last = std::min(samples.size(), first + kChunk);
    std::vector<JudgeQuery> queries;
    std::vector<std::pair<size_t, size_t>> owner;  // query -> (sample, rubric item)
    for (size_t i = first; i < last; ++i) {
      const RubricSample& s = samples[i];
      // Every turn, then the reply, in both modes: MedUniEval grades it so though its model saw
      // only the first message; fixed mode sends the model the whole conversation (quirk 14).
      nlohmann::json conversation = s.answer["conversation"];
      conversation.push_back({{"role", "assistant"}, {"content", s.response}});
      for (size_t r = 0; r < s.answer["rubrics"].size(); ++r) {
        queries.push_back({s.scored.sample.id + "#rubric" + std::to_string(r),
                           RubricGraderPrompt(conversation, s.answer["rubrics"][r])});
        owner.emplace_back(i, r);
      }
    }
    const std::vector<JudgeReply> replies =
        grader.Ask(queries, [](const std::string& reply) { return ParseCriteriaMet(reply).has_value(); });
    for (size_t q = 0; q < queries.size(); ++q) RecordGrade(samples[owner[q].first], owner[q].second, replies[q]);
    items_done += static_cast<int64_t>(queries.size());
    if (progress) bar.Update(items_done);
  }
  if (progress) bar.Finish();

  std::vector<ScoredSample> scored;
  std::vector<ojson> lines;
  int64_t ungraded = 0;
  bool raised = false;
  for (RubricSample& r : samples) {
    ScoredSample& s = r.scored;
    if (!r.error.empty()) {
      ++ungraded;  // left out of every mean; not cached, so the next run asks again
    } else if (const auto overall = RubricScore(r.met)) {
      s.verdict.scores = SampleMetrics(r, *overall);
    } else if (scoring == Scoring::kCompat) {
      s.verdict.error = kNoneMetrics;
      raised = true;
    }
    ojson line = {{"index", s.sample.index}, {"id", s.sample.id}, {"kind", s.sample.kind},
                  {"category", s.sample.category}, {"verdict", VerdictRecord(s.verdict)}};
    line["grades"] = r.grades;
    line["judge"] = {{"model", grader.model()}};
    if (!r.error.empty()) line["judge"]["error"] = r.error;
    lines.push_back(std::move(line));
    scored.push_back(std::move(s));
  }
  WriteJsonLines(dir + "/scored.jsonl", lines);
  ojson metrics = BenchmarkMetrics(MetricsLayout::kRubric, scored);
  if (raised) {  // MedUniEval's cal_metrics dies here: no score at all
    metrics["score"] = nullptr;
    metrics["error"] = kNoneMetrics;
  }
  metrics["ungraded"] = ungraded;
  metrics["judge_model"] = grader.model();
  WriteTextFile(dir + "/metrics.json", metrics.dump(4) + "\n");
  return metrics;
}

}  // namespace hm::eval
