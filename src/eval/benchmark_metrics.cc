#include "eval/benchmark_metrics.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "data/phantom_text.h"
#include "eval/chance_level.h"
#include "eval/rubric_grading.h"

namespace hm::eval {
namespace {

using ojson = nlohmann::ordered_json;

bool Right(const Verdict& v) { return v.error.empty() && v.correct.value_or(false); }

double Score(const Verdict& v, const std::string& name) {
  if (!v.error.empty()) return 0;
  for (const auto& [key, value] : v.scores)
    if (key == name) return value;
  return 0;
}

ojson Accuracy(int64_t total, int64_t right) {
  ojson j = {{"total", total}, {"right", right}};
  if (total > 0) j["acc"] = static_cast<double>(right) / total;
  return j;
}

ojson AccuracyLayout(const std::vector<ScoredSample>& scored) {
  int64_t right = 0;
  for (const auto& s : scored) right += Right(s.verdict);
  return {{"total metrics", Accuracy(static_cast<int64_t>(scored.size()), right)}};
}

// Python's round(x, 2): "%.2f" rounds the exact binary value, ties to even, as Python's
// correctly rounded round() does; the double read back is the one Python returns.
double PyRound2(double x) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2f", x);
  return std::strtod(text, nullptr);
}

ojson SplitAccuracy(int64_t total, int64_t correct) {
  return {{"total", total},
          {"correct", correct},
          {"accuracy", PyRound2(total > 0 ? static_cast<double>(correct) / static_cast<double>(total) * 100 : 0.0)}};
}

ojson BySplitLayout(const std::vector<ScoredSample>& scored) {
  std::vector<std::string> order;
  std::map<std::string, std::pair<int64_t, int64_t>> splits;  // total, correct
  int64_t correct = 0;
  for (const auto& s : scored) {
    auto [it, added] = splits.try_emplace(s.sample.category, 0, 0);
    if (added) order.push_back(s.sample.category);
    const bool right = Right(s.verdict);
    ++it->second.first;
    it->second.second += right;
    correct += right;
  }
  ojson by_split = ojson::object();
  for (const std::string& name : order) by_split[name] = SplitAccuracy(splits[name].first, splits[name].second);
  return {{"total_metrics", SplitAccuracy(static_cast<int64_t>(scored.size()), correct)}, {"split_metrics", by_split}};
}

ojson OpenCloseLayout(const std::vector<ScoredSample>& scored) {
  static const char* kOpenScores[] = {"bleu1",  "bleu2",     "bleu3",  "bleu4", "rouge1", "rouge2",
                                      "rougel", "precision", "recall", "f1",    "em"};
  int64_t open_total = 0, open_right = 0, close_total = 0, close_right = 0;
  std::map<std::string, double> sums;
  for (const auto& s : scored) {
    const bool right = Right(s.verdict);
    if (s.sample.category == "open") {
      ++open_total;
      open_right += right;
      for (const char* name : kOpenScores) sums[name] += Score(s.verdict, name);
    } else {
      ++close_total;
      close_right += right;
    }
  }
  ojson open = {{"total", open_total}, {"right", open_right}};
  for (const char* name : kOpenScores) open[name] = open_total > 0 ? sums[name] / open_total : 0.0;
  if (open_total > 0) open["acc"] = static_cast<double>(open_right) / open_total;
  return {{"total metrics", Accuracy(open_total + close_total, open_right + close_right)},
          {"open", open},
          {"close", Accuracy(close_total, close_right)}};
}

ojson ByCategory3dLayout(const std::vector<ScoredSample>& scored) {
  // eval_3d.py's names for the verdict's scores, in its order.
  static const std::pair<const char*, const char*> kOpen[] = {
      {"exact_match", "exact_match"}, {"f1", "f1"},           {"precision", "precision"}, {"recall", "recall"},
      {"rouge1", "rouge_1"},          {"rouge2", "rouge_2"},  {"rougel", "rouge_l"},      {"bleu1", "bleu_1"},
      {"bleu2", "bleu_2"},            {"bleu3", "bleu_3"},    {"bleu4", "bleu_4"},        {"meteor", "meteor"}};
  static const char* kOrder[] = {"Plane", "Phase", "Organ", "Abnormality", "Location"};
  struct Category {
    int64_t open = 0, closed = 0, correct = 0;
    std::map<std::string, double> sums;
  };
  std::map<std::string, Category> categories;
  for (const auto& s : scored) {
    Category& c = categories[s.sample.category];
    if (s.sample.kind == "open_3d") {
      ++c.open;
      for (const auto& [from, to] : kOpen) c.sums[to] += Score(s.verdict, from);
    } else {
      ++c.closed;
      c.correct += Right(s.verdict);
    }
  }
  std::vector<std::string> names;
  for (const auto& [name, c] : categories) names.push_back(name);
  auto rank = [&](const std::string& n) {
    return std::find(std::begin(kOrder), std::end(kOrder), n) - std::begin(kOrder);
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });

  ojson by_category = ojson::object();
  std::map<std::string, std::pair<double, int>> overall_open;  // key -> (sum of category means, categories)
  double closed_acc_sum = 0;
  int closed_categories = 0;
  int64_t open_samples = 0, closed_samples = 0, closed_correct = 0;
  for (const std::string& name : names) {
    const Category& c = categories[name];
    ojson open = ojson::object();
    if (c.open > 0) {
      for (const auto& [from, to] : kOpen) {
        const double mean = c.sums.at(to) / c.open;
        open[to] = mean * 100;
        overall_open[to].first += mean;
        overall_open[to].second += 1;
      }
    }
    const double closed_acc = c.closed > 0 ? static_cast<double>(c.correct) / c.closed : 0;
    if (c.closed > 0) {
      closed_acc_sum += closed_acc;
      ++closed_categories;
    }
    open_samples += c.open;
    closed_samples += c.closed;
    closed_correct += c.correct;
    by_category[name] = {{"open", open},
                         {"closed", {{"accuracy", closed_acc * 100}, {"total", c.closed}, {"correct", c.correct}}},
                         {"open_count", c.open},
                         {"closed_count", c.closed},
                         {"total_samples", c.open + c.closed}};
  }
  ojson result = {{"by_category", by_category}};
  if (!names.empty()) {
    ojson open = ojson::object();
    for (const auto& [from, to] : kOpen)
      if (overall_open.count(to)) open[to] = overall_open[to].first / overall_open[to].second * 100;
    result["overall"] = {
        {"open", open},
        {"closed",
         {{"accuracy_category_avg", closed_categories ? closed_acc_sum / closed_categories * 100 : 0.0},
          {"total", closed_samples},
          {"correct", closed_correct}}},
        {"total_samples", open_samples + closed_samples},
        {"num_categories", static_cast<int64_t>(names.size())}};
  }
  return result;
}

ojson ReportLayout(const std::vector<ScoredSample>& scored) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"meteor", "meteor"}, {"bleu1", "bleu1"},   {"bleu2", "bleu2"},   {"bleu3", "bleu3"},
      {"bleu4", "bleu4"},   {"rouge1", "rouge1"}, {"rouge2", "rouge2"}, {"rougel", "rougeL"}};
  ojson j = ojson::object();
  for (const auto& [from, to] : kKeys) {
    double sum = 0;
    for (const auto& s : scored) sum += Score(s.verdict, from);
    j[to] = scored.empty() ? 0.0 : sum / scored.size();
  }
  return j;
}

// Families in the phantom world's order (phantom_text.h), others after it as they first come.
std::vector<std::string> FamilyOrder(const std::vector<ScoredSample>& scored) {
  std::vector<std::string> names;
  for (const auto& s : scored)
    if (std::find(names.begin(), names.end(), s.sample.category) == names.end()) names.push_back(s.sample.category);
  auto rank = [](const std::string& n) {
    return std::find_if(std::begin(kPhantomFamilies), std::end(kPhantomFamilies),
                        [&](const char* f) { return n == f; }) - std::begin(kPhantomFamilies);
  };
  std::stable_sort(names.begin(), names.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  return names;
}

ojson ByFamilyLayout(const std::vector<ScoredSample>& scored) {
  static const std::pair<const char*, const char*> kReportKeys[] = {
      {"rougel", "rougeL"}, {"bleu1", "bleu1"}, {"bleu4", "bleu4"}, {"meteor", "meteor"}};
  int64_t total = 0, right = 0;
  ojson by_family = ojson::object();
  for (const std::string& family : FamilyOrder(scored)) {
    std::vector<const EvalSample*> samples;
    std::map<std::string, int64_t> forms;
    int64_t judged = 0, family_right = 0, reports = 0;
    std::map<std::string, double> sums;
    for (const auto& s : scored) {
      if (s.sample.category != family) continue;
      samples.push_back(&s.sample);
      ++forms[s.sample.kind];
      if (s.sample.kind == "report") {
        ++reports;
        for (const auto& [from, to] : kReportKeys) sums[to] += Score(s.verdict, from);
        continue;
      }
      ++judged;
      family_right += Right(s.verdict);
    }
    ojson f = {{"total", static_cast<int64_t>(samples.size())}};
    if (judged > 0) {
      const ChanceLevel chance = ChanceOf(samples);
      f["right"] = family_right;
      f["acc"] = static_cast<double>(family_right) / judged;
      f["chance_uniform"] = chance.uniform;
      f["chance_majority"] = chance.majority;
    }
    for (const auto& [from, to] : kReportKeys)
      if (reports > 0) f[to] = sums[to] / reports;
    f["forms"] = forms;
    by_family[family] = f;
    total += judged;
    right += family_right;
  }
  return {{"total metrics", Accuracy(total, right)}, {"by_family", by_family}};
}

}  // namespace

nlohmann::ordered_json BenchmarkMetrics(MetricsLayout layout, const std::vector<ScoredSample>& scored) {
  switch (layout) {
    case MetricsLayout::kAccuracy: return AccuracyLayout(scored);
    case MetricsLayout::kBySplit: return BySplitLayout(scored);
    case MetricsLayout::kOpenClose: return OpenCloseLayout(scored);
    case MetricsLayout::kByCategory3d: return ByCategory3dLayout(scored);
    case MetricsLayout::kReport: return ReportLayout(scored);
    case MetricsLayout::kByFamily: return ByFamilyLayout(scored);
    case MetricsLayout::kRubric: return RubricMetrics(scored);
  }
  return {};
}

Headline HeadlineOf(MetricsLayout layout, const nlohmann::json& m) {
  auto at = [&](const nlohmann::json::json_pointer& p) { return m.contains(p) ? m[p].get<double>() : 0.0; };
  switch (layout) {
    case MetricsLayout::kAccuracy:
    case MetricsLayout::kOpenClose: return {at("/total metrics/acc"_json_pointer) * 100, "accuracy"};
    case MetricsLayout::kBySplit: return {at("/total_metrics/accuracy"_json_pointer), "accuracy"};
    case MetricsLayout::kByFamily:
      return {at("/total metrics/acc"_json_pointer) * 100, "accuracy (all families but report)"};
    case MetricsLayout::kByCategory3d:
      return {at("/overall/closed/accuracy_category_avg"_json_pointer), "closed accuracy (category mean)"};
    case MetricsLayout::kReport: return {at("/rougeL"_json_pointer) * 100, "ROUGE-L"};
    case MetricsLayout::kRubric:
      return {m.contains("score") && m["score"].is_number() ? m["score"].get<double>() * 100 : 0.0, "rubric score"};
  }
  return {};
}

}  // namespace hm::eval
