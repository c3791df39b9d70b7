// Hulu-Med's published accuracies (percent), shipped with their source so a report can put
// them beside a measured number. Only figures found in the source are here; none are derived.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace hm::eval {

struct PaperFigure {
  std::string benchmark;                  // our benchmark name (FindBenchmark), or the paper's where we have none
  std::string column;                     // the paper table's column heading
  std::map<std::string, double> by_model;  // "Hulu-Med-7B" -> 78.0
};

const std::vector<PaperFigure>& PaperFigures();
const PaperFigure* FindPaperFigure(const std::string& benchmark);
// Where the figures come from (cited in every report).
const char* PaperFiguresSource();

}  // namespace hm::eval
