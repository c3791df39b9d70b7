#include "data/stats.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "data/data_file.h"
#include "data/training_record.h"

namespace hm {
namespace {

using Json = nlohmann::json;

std::string Field(const Json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::string Language(const Json& record) {
  bool ascii = true;
  if (record.is_object() && record.contains("conversations") && record["conversations"].is_array()) {
    for (const Json& turn : record["conversations"]) {
      const std::string text = Field(turn, "value");
      for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) continue;
        ascii = false;
        // CJK Unified Ideographs U+4E00..U+9FFF are encoded E4 B8 80 .. E9 BF BF.
        if (c >= 0xE4 && c <= 0xE9) return "zh";
      }
    }
  }
  return ascii ? "en" : "other";
}

std::string Percent(int64_t part, int64_t whole) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%5.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return buf;
}

std::string Row(const std::string& label, const std::string& count, const std::string& rest) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "  %-24s %9s  %s\n", label.c_str(), count.c_str(), rest.c_str());
  return buf;
}

Json HistogramJson(const TokenHistogram& h) {
  Json buckets = Json::array();
  for (size_t b = 0; b < h.counts.size(); ++b) {
    buckets.push_back({{"range", TokenHistogram::BucketLabel(b)}, {"count", h.counts[b]}});
  }
  return {{"records", h.records},
          {"mean", h.records ? static_cast<double>(h.total) / static_cast<double>(h.records) : 0.0},
          {"max", h.max},
          {"buckets", buckets}};
}

}  // namespace

void TokenHistogram::Add(int64_t tokens) {
  size_t bucket = 0;
  while (bucket < 62 && tokens >= (int64_t{1} << bucket)) ++bucket;
  if (counts.size() <= bucket) counts.resize(bucket + 1, 0);
  ++counts[bucket];
  total += tokens;
  max = std::max(max, tokens);
  ++records;
}

std::string TokenHistogram::BucketLabel(size_t bucket) {
  if (bucket == 0) return "0";
  return "[" + std::to_string(int64_t{1} << (bucket - 1)) + ", " + std::to_string(int64_t{1} << bucket) + ")";
}

DataStats CollectStats(const std::vector<std::string>& files, const CheckOptions& options, const std::string& media_root) {
  RecordChecker checker(options);
  DataStats s;
  for (const std::string& file : files) {
    const std::string root = media_root.empty() ? MediaRootOf(file) : media_root;
    const std::string stem = std::filesystem::path(file).stem().string();
    ForEachRecord(file, [&](const FileRecord& fr) {
      ++s.records;
      if (!fr.error.empty()) {
        ++s.bad;
        return;
      }
      const RecordReport r = checker.Check(fr.record, root);
      s.bad += !r.problems.empty();
      const std::string source = Field(fr.record, "source"), language = Field(fr.record, "language");
      std::string task = Field(fr.record, "family");
      if (task.empty()) task = Field(fr.record, "task");
      ++s.by_modality[RecordModality(fr.record)];
      ++s.by_source[source.empty() ? stem : source];
      ++s.by_task[task.empty() ? "unknown" : task];
      ++s.by_language[language.empty() ? Language(fr.record) : language];
      s.text_tokens.Add(r.text_tokens);
      if (r.images + r.videos + r.volumes > 0) s.visual_tokens.Add(r.visual_tokens);
    });
  }
  return s;
}

nlohmann::ordered_json StatsJson(const DataStats& s) {
  return {{"records", s.records},
          {"bad", s.bad},
          {"by_modality", s.by_modality},
          {"by_source", s.by_source},
          {"by_task", s.by_task},
          {"by_language", s.by_language},
          {"text_tokens", HistogramJson(s.text_tokens)},
          {"visual_tokens", HistogramJson(s.visual_tokens)}};
}

std::string StatsTable(const DataStats& s) {
  std::string out = std::to_string(s.records) + " records (" + std::to_string(s.bad) + " with problems: see validate)\n";
  const std::pair<const char*, const std::map<std::string, int64_t>*> groups[] = {
      {"modality", &s.by_modality}, {"source", &s.by_source}, {"task", &s.by_task}, {"language", &s.by_language}};
  for (const auto& [name, counts] : groups) {
    out += std::string("\nby ") + name + "\n";
    std::vector<std::pair<std::string, int64_t>> rows(counts->begin(), counts->end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [label, n] : rows) out += Row(label, std::to_string(n), Percent(n, s.records));
  }
  const std::pair<const char*, const TokenHistogram*> histograms[] = {{"text tokens", &s.text_tokens},
                                                                      {"visual tokens", &s.visual_tokens}};
  for (const auto& [name, h] : histograms) {
    char head[128];
    std::snprintf(head, sizeof head, "\n%s per record (%lld records, mean %.1f, max %lld)\n", name,
                  static_cast<long long>(h->records), h->records ? static_cast<double>(h->total) / static_cast<double>(h->records) : 0.0,
                  static_cast<long long>(h->max));
    out += head;
    const int64_t peak = h->counts.empty() ? 1 : std::max<int64_t>(1, *std::max_element(h->counts.begin(), h->counts.end()));
    for (size_t b = 0; b < h->counts.size(); ++b) {
      if (h->counts[b] == 0) continue;
      out += Row(TokenHistogram::BucketLabel(b), std::to_string(h->counts[b]), std::string(static_cast<size_t>(1 + 39 * h->counts[b] / peak), '#'));
    }
  }
  return out;
}

}  // namespace hm
