// The human-readable result of a run: report.md and a self-contained report.html (inline CSS
// and SVG bar charts, no scripts or external files) with a summary table beside the paper's
// published Hulu-Med figures and a per-category table and chart for every benchmark (for our
// own sets, per question family with its chance levels).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hm::eval {

struct ReportOptions {
  std::string out_dir;          // holds one folder per benchmark (metrics.json, scored.jsonl, responses.jsonl)
  std::string scoring;          // "compat" or "fixed", printed in the header
  std::string judge_model;      // empty when no LLM judge was used
};

// One labelled series of a grouped bar chart; a missing value draws no bar (or no mark).
struct ChartSeries {
  std::string name;
  std::string color;
  std::vector<std::optional<double>> values;  // percent
  bool dashed = false;                        // marks only
};

// Horizontal grouped bars on a 0..100 axis, as an <svg> element. `marks` are reference
// levels (chance) drawn as a vertical line across each label's bars.
std::string BarChartSvg(const std::string& title, const std::vector<std::string>& labels,
                        const std::vector<ChartSeries>& series, const std::vector<ChartSeries>& marks = {});

// Writes OUT/report.md and OUT/report.html; returns the number of benchmarks reported.
int WriteReport(const ReportOptions& options);

}  // namespace hm::eval
