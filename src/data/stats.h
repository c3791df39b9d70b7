// `hulumed data stats`: what a data set holds. Counts by modality, source, task and
// language, and histograms of text and visual tokens per record (record_check.h measures
// them), as a table, as JSON, and as an SVG chart (stats_chart.h).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/record_check.h"

namespace hm {

// Counts per power-of-two bucket: bucket 0 holds 0, bucket b >= 1 holds [2^(b-1), 2^b).
struct TokenHistogram {
  std::vector<int64_t> counts;
  int64_t total = 0, max = 0, records = 0;

  void Add(int64_t tokens);
  // "[64, 128)" for a bucket.
  static std::string BucketLabel(size_t bucket);
};

struct DataStats {
  int64_t records = 0;
  int64_t bad = 0;  // records with problems (validate tells which)
  std::map<std::string, int64_t> by_modality, by_source, by_task, by_language;
  TokenHistogram text_tokens, visual_tokens;
};

// The record's fields when present ("modality", "source", "family" or "task", "language"),
// else: modality from its media (image / video / volume / text), source from the file name,
// language from its script (zh for CJK, en for ASCII, other).
DataStats CollectStats(const std::vector<std::string>& files, const CheckOptions& options,
                       const std::string& media_root);

nlohmann::ordered_json StatsJson(const DataStats& stats);
std::string StatsTable(const DataStats& stats);

}  // namespace hm
