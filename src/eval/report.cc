#include "eval/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "eval/benchmarks.h"
#include "eval/jsonl.h"
#include "eval/benchmark_metrics.h"
#include "eval/paper_figures.h"
#include "io/json_file.h"

namespace hm::eval {
namespace {

const char* kPaperModels[] = {"Hulu-Med-7B", "Hulu-Med-14B", "Hulu-Med-32B"};
const char* kOursColor = "#d9480f";
const char* kPaperColors[] = {"#74c0fc", "#339af0", "#1864ab"};
const char* kChanceNote =
    "Our own sets (phantoms, real scans) are scored by answer matching and read per question family against "
    "two chance levels: majority, the accuracy of always giving each question form's (yes/no, open, "
    "multiple-choice) most common answer in the family; uniform, guessing evenly among the form's distinct "
    "answers (a multiple-choice question's options).";

struct CategoryRow {
  std::string name;
  int64_t samples = 0;
  int64_t judged = 0;  // samples whose verdict says right or wrong
  int64_t right = 0;
  std::map<std::string, double> score_sums;
  std::optional<double> chance_uniform, chance_majority;  // percent; our own sets only
  std::optional<double> accuracy() const {
    if (judged == 0) return std::nullopt;
    return 100.0 * right / judged;
  }
};

struct BenchmarkReport {
  BenchmarkInfo info;
  Headline headline;
  std::string model;
  int64_t samples = 0, errors = 0;
  std::vector<CategoryRow> categories;
};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Percent(std::optional<double> v) {
  if (!v) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *v);
  return buf;
}

// Our own sets: families in metrics.json's order, each with its chance levels.
void AddChanceLevels(const nlohmann::ordered_json& by_family, std::vector<CategoryRow>& rows) {
  std::vector<CategoryRow> ordered;
  for (const auto& [family, f] : by_family.items()) {
    const auto row = std::find_if(rows.begin(), rows.end(), [&](const CategoryRow& c) { return c.name == family; });
    if (row == rows.end()) continue;
    if (f.contains("chance_uniform")) row->chance_uniform = 100 * f["chance_uniform"].get<double>();
    if (f.contains("chance_majority")) row->chance_majority = 100 * f["chance_majority"].get<double>();
    ordered.push_back(*row);
  }
  if (ordered.size() == rows.size()) rows = std::move(ordered);
}

bool HasChance(const BenchmarkReport& r) {
  return std::any_of(r.categories.begin(), r.categories.end(),
                     [](const CategoryRow& c) { return c.chance_majority.has_value(); });
}

BenchmarkReport Collect(const BenchmarkInfo& info, const std::string& dir, const std::string& scoring) {
  BenchmarkReport r{info, {}, "", 0, 0, {}};
  const nlohmann::json metrics = ReadJsonFile(dir + "/metrics.json");
  r.headline = HeadlineOf(info.layout, metrics);
  const std::string responses = dir + "/" + ResponsesStem(info, scoring == "fixed") + ".jsonl";
  if (std::filesystem::exists(responses)) {
    const auto records = ReadJsonLines(responses, /*skip_torn_last_line=*/true);
    if (!records.empty()) r.model = records.front().value("model", "");
  }
  std::map<std::string, size_t> position;
  for (const auto& line : ReadJsonLines(dir + "/scored.jsonl")) {
    std::string category = line.value("category", "");
    if (category.empty()) category = "all";
    if (!position.count(category)) {
      position[category] = r.categories.size();
      r.categories.push_back({category});
    }
    CategoryRow& row = r.categories[position[category]];
    ++row.samples;
    ++r.samples;
    const auto& v = line["verdict"];
    if (v.contains("error")) ++r.errors;
    if (v.contains("correct") && v["correct"].is_boolean()) {
      ++row.judged;
      row.right += v["correct"].get<bool>();
    }
    if (v.contains("scores"))
      for (const auto& [name, value] : v["scores"].items())
        if (value.is_number()) row.score_sums[name] += value.get<double>();
  }
  if (metrics.contains("by_family"))  // in the file's order (the families' own), which json would sort
    AddChanceLevels(ReadOrderedJsonFile(dir + "/metrics.json")["by_family"], r.categories);
  return r;
}

// Mean text scores worth a column for this benchmark (MedUniEval's names), in percent.
std::vector<std::pair<std::string, std::string>> ScoreColumns(const BenchmarkReport& r) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& [key, label] :
       std::vector<std::pair<std::string, std::string>>{
           {"bleu1", "BLEU-1"}, {"rougel", "ROUGE-L"}, {"meteor", "METEOR"}, {"overall_score", "Rubric score"}})
    for (const CategoryRow& c : r.categories)
      if (c.score_sums.count(key)) {
        columns.push_back({key, label});
        break;
      }
  return columns;
}

std::optional<double> PaperValue(const std::string& benchmark, const char* model) {
  const PaperFigure* f = FindPaperFigure(benchmark);
  if (!f || !f->by_model.count(model)) return std::nullopt;
  return f->by_model.at(model);
}

std::string Markdown(const std::vector<BenchmarkReport>& reports, const ReportOptions& o) {
  std::string md = "# hulumed eval report\n\n";
  md += "Scoring: `" + o.scoring + "`" +
        (std::any_of(reports.begin(), reports.end(), HasChance) ? " (MedUniEval's sets); answer matching (our own sets)" : "") + (o.judge_model.empty() ? "" : ", judge: `" + o.judge_model + "`") + "\n\n";
  md += "| Benchmark | Model | Metric | Ours | Hulu-Med-7B (paper) | Hulu-Med-14B (paper) | Hulu-Med-32B (paper) | Samples | Rule errors |\n";
  md += "|---|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : reports) {
    md += "| " + r.info.name + " | " + r.model + " | " + r.headline.name + " | " + Percent(r.headline.value);
    for (const char* m : kPaperModels) md += " | " + Percent(PaperValue(r.info.name, m));
    md += " | " + std::to_string(r.samples) + " | " + std::to_string(r.errors) + " |\n";
  }
  for (const auto& r : reports) {
    md += "\n## " + r.info.name + "\n\n";
    const auto columns = ScoreColumns(r);
    const bool chance = HasChance(r);
    md += std::string("| ") + (chance ? "Family" : "Category") + " | Samples | Accuracy (%) |";
    if (chance) md += " Chance, majority (%) | Chance, uniform (%) |";
    for (const auto& c : columns) md += " " + c.second + " (%) |";
    md += "\n|---|---:|---:|";
    for (size_t i = 0; i < columns.size() + (chance ? 2 : 0); ++i) md += "---:|";
    md += "\n";
    for (const auto& c : r.categories) {
      md += "| " + c.name + " | " + std::to_string(c.samples) + " | " + Percent(c.accuracy()) + " |";
      if (chance) md += " " + Percent(c.chance_majority) + " | " + Percent(c.chance_uniform) + " |";
      for (const auto& col : columns)
        md += " " + Percent(c.score_sums.count(col.first) ? std::optional<double>(100 * c.score_sums.at(col.first) / c.samples) : std::nullopt) + " |";
      md += "\n";
    }
  }
  md += "\nPublished figures: " + std::string(PaperFiguresSource()) +
        " A dash means the paper gives no figure for that benchmark. Accuracy is over the samples a rule "
        "judges right or wrong; text scores are means over the category's samples. Rule errors: samples on "
        "which MedUniEval's rule raises (counted wrong, scores 0).";
  if (std::any_of(reports.begin(), reports.end(), HasChance)) md += std::string(" ") + kChanceNote;
  return md + "\n";
}

// Our own sets: each family's accuracy as a bar, its majority chance as a solid line and its
// uniform chance as a dashed one; families without accuracy (the report) stay in the table.
std::string ChanceChartSvg(const BenchmarkReport& r) {
  std::vector<std::string> labels;
  ChartSeries accuracy{"accuracy", kOursColor, {}};
  ChartSeries majority{"chance, majority", "#212529", {}};
  ChartSeries uniform{"chance, uniform", "#868e96", {}, /*dashed=*/true};
  for (const CategoryRow& c : r.categories) {
    if (!c.accuracy()) continue;
    labels.push_back(c.name);
    accuracy.values.push_back(c.accuracy());
    majority.values.push_back(c.chance_majority);
    uniform.values.push_back(c.chance_uniform);
  }
  return BarChartSvg(r.info.name + ": accuracy by question family against chance (%)", labels, {accuracy},
                     {majority, uniform});
}

std::string Html(const std::vector<BenchmarkReport>& reports, const ReportOptions& o) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hulumed eval report</title>\n"
      "<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#212529;padding:0 1em}"
      "table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ced4da;padding:4px 10px}"
      "td.n{text-align:right;font-variant-numeric:tabular-nums}td.m{white-space:nowrap}th{background:#f1f3f5}"
      "section{margin-top:2.5em}.note{color:#495057;font-size:0.9em}svg{display:block;margin:1em 0}</style>"
      "</head><body>\n<h1>hulumed eval report</h1>\n";
  h += "<p>Scoring: <code>" + Escape(o.scoring) + "</code>" +
       (std::any_of(reports.begin(), reports.end(), HasChance) ? " (MedUniEval's sets); answer matching (our own sets)" : "") +
       (o.judge_model.empty() ? "" : ", judge: <code>" + Escape(o.judge_model) + "</code>") + "</p>\n";
  h += "<table><tr><th>Benchmark</th><th>Model</th><th>Metric</th><th>Ours</th><th>Hulu-Med-7B (paper)</th>"
       "<th>Hulu-Med-14B (paper)</th><th>Hulu-Med-32B (paper)</th><th>Samples</th><th>Rule errors</th></tr>\n";
  std::vector<std::string> labels;
  ChartSeries ours{"ours", kOursColor, {}};
  std::vector<ChartSeries> paper;
  for (int m = 0; m < 3; ++m) paper.push_back({std::string(kPaperModels[m]) + " (paper)", kPaperColors[m], {}});
  for (const auto& r : reports) {
    h += "<tr><td><a href=\"#" + Escape(r.info.name) + "\">" + Escape(r.info.name) + "</a></td><td class=\"m\">" +
         Escape(r.model) + "</td><td>" + Escape(r.headline.name) + "</td><td class=\"n\"><b>" +
         Percent(r.headline.value) + "</b></td>";
    for (const char* m : kPaperModels) h += "<td class=\"n\">" + Percent(PaperValue(r.info.name, m)) + "</td>";
    h += "<td class=\"n\">" + std::to_string(r.samples) + "</td><td class=\"n\">" + std::to_string(r.errors) +
         "</td></tr>\n";
    labels.push_back(r.info.name);
    ours.values.push_back(r.headline.value);
    for (int m = 0; m < 3; ++m) paper[m].values.push_back(PaperValue(r.info.name, kPaperModels[m]));
  }
  h += "</table>\n";
  std::vector<ChartSeries> summary{ours};
  summary.insert(summary.end(), paper.begin(), paper.end());
  h += BarChartSvg("Headline metric (%): ours beside the published Hulu-Med figures", labels, summary);
  for (const auto& r : reports) {
    h += "<section id=\"" + Escape(r.info.name) + "\"><h2>" + Escape(r.info.name) + "</h2>\n";
    const auto columns = ScoreColumns(r);
    const bool chance = HasChance(r);
    h += std::string("<table><tr><th>") + (chance ? "Family" : "Category") + "</th><th>Samples</th><th>Accuracy (%)</th>";
    if (chance) h += "<th>Chance, majority (%)</th><th>Chance, uniform (%)</th>";
    for (const auto& c : columns) h += "<th>" + Escape(c.second) + " (%)</th>";
    h += "</tr>\n";
    std::vector<std::string> cat_labels;
    ChartSeries accuracy{"accuracy", kOursColor, {}};
    std::vector<ChartSeries> score_series;
    for (const auto& col : columns) score_series.push_back({col.second, col.first == "rougel" ? "#2b8a3e" : col.first == "bleu1" ? "#862e9c" : "#e67700", {}});
    for (const auto& c : r.categories) {
      h += "<tr><td>" + Escape(c.name) + "</td><td class=\"n\">" + std::to_string(c.samples) + "</td><td class=\"n\">" +
           Percent(c.accuracy()) + "</td>";
      if (chance)
        h += "<td class=\"n\">" + Percent(c.chance_majority) + "</td><td class=\"n\">" + Percent(c.chance_uniform) + "</td>";
      for (size_t k = 0; k < columns.size(); ++k) {
        std::optional<double> v;
        if (c.score_sums.count(columns[k].first)) v = 100 * c.score_sums.at(columns[k].first) / c.samples;
        score_series[k].values.push_back(v);
        h += "<td class=\"n\">" + Percent(v) + "</td>";
      }
      h += "</tr>\n";
      cat_labels.push_back(c.name);
      accuracy.values.push_back(c.accuracy());
    }
    h += "</table>\n";
    std::vector<ChartSeries> series;
    bool any_accuracy = false;
    for (const auto& v : accuracy.values) any_accuracy |= v.has_value();
    if (any_accuracy) series.push_back(accuracy);
    if (chance) {
      h += ChanceChartSvg(r);
    } else {
      series.insert(series.end(), score_series.begin(), score_series.end());
      if (!series.empty()) h += BarChartSvg(r.info.name + " by category (%)", cat_labels, series);
    }
    h += "</section>\n";
  }
  h += "<p class=\"note\">Published figures: " + Escape(PaperFiguresSource()) +
       " A dash means the paper gives no figure for that benchmark. Accuracy is over the samples a rule judges "
       "right or wrong; text scores are means over the category's samples." +
       (std::any_of(reports.begin(), reports.end(), HasChance) ? std::string(" ") + Escape(kChanceNote) : "") +
       "</p>\n</body></html>\n";
  return h;
}

}  // namespace

std::string BarChartSvg(const std::string& title, const std::vector<std::string>& labels,
                        const std::vector<ChartSeries>& series, const std::vector<ChartSeries>& marks) {
  const int label_width = 190, plot_width = 560, bar = 12, gap = 10, top = 34, legend = 22;
  const int group = static_cast<int>(series.size()) * bar + gap;
  const int height = top + static_cast<int>(labels.size()) * group + 30 + legend;
  const int width = label_width + plot_width + 70;
  char buf[512];
  std::string s;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                "font-family=\"system-ui,sans-serif\" font-size=\"12\" role=\"img\">",
                width, height, width, height);
  s += buf;
  s += "<text x=\"0\" y=\"16\" font-size=\"14\" font-weight=\"600\">" + Escape(title) + "</text>";
  const int plot_bottom = top + static_cast<int>(labels.size()) * group;
  for (int tick = 0; tick <= 100; tick += 20) {
    const int x = label_width + plot_width * tick / 100;
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dee2e6\"/>"
                  "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#868e96\">%d</text>",
                  x, top - 4, x, plot_bottom, x, plot_bottom + 14, tick);
    s += buf;
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const int y0 = top + static_cast<int>(i) * group;
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_width - 8,
                  y0 + static_cast<int>(series.size()) * bar / 2 + 4);
    s += buf + Escape(labels[i]) + "</text>";
    for (size_t k = 0; k < series.size(); ++k) {
      if (i >= series[k].values.size() || !series[k].values[i]) continue;
      const double v = std::clamp(*series[k].values[i], 0.0, 100.0);
      const int y = y0 + static_cast<int>(k) * bar;
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %.1f</title></rect>"
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#495057\">%.1f</text>",
                    label_width, y, plot_width * v / 100, bar - 2, series[k].color.c_str(),
                    Escape(series[k].name).c_str(), v, label_width + plot_width * v / 100 + 3, y + bar - 3, v);
      s += buf;
    }
    for (const auto& mark : marks) {
      if (i >= mark.values.size() || !mark.values[i]) continue;
      const double v = std::clamp(*mark.values[i], 0.0, 100.0);
      const double x = label_width + plot_width * v / 100;
      std::snprintf(buf, sizeof buf,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s>"
                    "<title>%s: %.1f</title></line>",
                    x, y0 - 3, x, y0 + static_cast<int>(series.size()) * bar + 1, mark.color.c_str(),
                    mark.dashed ? " stroke-dasharray=\"3,2\"" : "", Escape(mark.name).c_str(), v);
      s += buf;
    }
  }
  int x = label_width;
  const int ly = plot_bottom + 34;
  for (const auto& sr : series) {
    std::snprintf(buf, sizeof buf, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, ly - 10,
                  sr.color.c_str());
    s += buf;
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\">", x + 16, ly);
    s += buf + Escape(sr.name) + "</text>";
    x += 26 + static_cast<int>(sr.name.size()) * 7;
  }
  for (const auto& mark : marks) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"%s/>"
                  "<text x=\"%d\" y=\"%d\">",
                  x + 6, ly - 12, x + 6, ly + 2, mark.color.c_str(), mark.dashed ? " stroke-dasharray=\"3,2\"" : "",
                  x + 16, ly);
    s += buf + Escape(mark.name) + "</text>";
    x += 26 + static_cast<int>(mark.name.size()) * 7;
  }
  s += "</svg>\n";
  return s;
}

int WriteReport(const ReportOptions& options) {
  std::vector<BenchmarkReport> reports;
  for (const BenchmarkInfo& info : KnownBenchmarks()) {
    const std::string dir = options.out_dir + "/" + info.name;
    if (std::filesystem::exists(dir + "/metrics.json") && std::filesystem::exists(dir + "/scored.jsonl"))
      reports.push_back(Collect(info, dir, options.scoring));
  }
  HM_CHECK(!reports.empty(), options.out_dir, ": no benchmark folder with metrics.json and scored.jsonl to report");
  WriteTextFile(options.out_dir + "/report.md", Markdown(reports, options));
  WriteTextFile(options.out_dir + "/report.html", Html(reports, options));
  return static_cast<int>(reports.size());
}

}  // namespace hm::eval
