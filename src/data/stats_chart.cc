#include "data/stats_chart.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace hm {
namespace {

constexpr int kPanelWidth = 300, kHeight = 280, kTop = 40, kBottom = 60;

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Text(double x, double y, const std::string& s, const char* extra = "") {
  char buf[128];
  std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y, extra);
  return buf + Escape(s) + "</text>\n";
}

// Vertical bars with labels under them, in the panel starting at x0.
std::string Bars(int x0, const std::string& title, const std::vector<std::pair<std::string, int64_t>>& bars,
                 const char* colour) {
  std::string out = Text(x0 + kPanelWidth / 2.0, 24, title, "text-anchor=\"middle\" font-weight=\"bold\"");
  if (bars.empty()) return out + Text(x0 + kPanelWidth / 2.0, kHeight / 2.0, "(none)", "text-anchor=\"middle\"");
  int64_t peak = 1;
  for (const auto& b : bars) peak = std::max(peak, b.second);
  const double slot = (kPanelWidth - 20.0) / static_cast<double>(bars.size());
  const double plot = kHeight - kTop - kBottom;
  for (size_t i = 0; i < bars.size(); ++i) {
    const double h = plot * static_cast<double>(bars[i].second) / static_cast<double>(peak);
    const double x = x0 + 10 + slot * static_cast<double>(i);
    char rect[192];
    std::snprintf(rect, sizeof rect, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
                  x + slot * 0.1, kTop + plot - h, slot * 0.8, h, colour);
    out += rect;
    out += Text(x + slot / 2, kTop + plot - h - 3, std::to_string(bars[i].second), "text-anchor=\"middle\" font-size=\"9\"");
    char rotate[96];
    std::snprintf(rotate, sizeof rotate, "font-size=\"9\" text-anchor=\"end\" transform=\"rotate(-45 %.1f %.1f)\"",
                  x + slot / 2, kTop + plot + 10);
    out += Text(x + slot / 2, kTop + plot + 10, bars[i].first, rotate);
  }
  return out;
}

std::vector<std::pair<std::string, int64_t>> HistogramBars(const TokenHistogram& h) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (size_t b = 0; b < h.counts.size(); ++b) {
    if (h.counts[b] > 0) out.push_back({b == 0 ? "0" : "<" + std::to_string(int64_t{1} << b), h.counts[b]});
  }
  return out;
}

}  // namespace

std::string StatsSvg(const DataStats& s) {
  std::vector<std::pair<std::string, int64_t>> modality(s.by_modality.begin(), s.by_modality.end());
  std::stable_sort(modality.begin(), modality.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  char head[256];
  std::snprintf(head, sizeof head,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                3 * kPanelWidth, kHeight);
  return head + Bars(0, "records by modality (" + std::to_string(s.records) + ")", modality, "#4a7fb5") +
         Bars(kPanelWidth, "text tokens per record", HistogramBars(s.text_tokens), "#5aa469") +
         Bars(2 * kPanelWidth, "visual tokens per record", HistogramBars(s.visual_tokens), "#d08c3f") + "</svg>\n";
}

}  // namespace hm
