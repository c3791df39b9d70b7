#include "train/loss_curve.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace hm {
namespace {

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

}  // namespace

std::string LossCurveSvg(const std::vector<LossPoint>& points, const std::string& title) {
  constexpr double kWidth = 640, kHeight = 360, kLeft = 70, kRight = 20, kTop = 40, kBottom = 40;
  std::vector<LossPoint> finite;
  for (const LossPoint& p : points)
    if (std::isfinite(p.loss)) finite.push_back(p);
  std::string svg = StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", kWidth, "\" height=\"", kHeight,
                           "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" "
                           "fill=\"white\"/>\n<text x=\"", kLeft, "\" y=\"24\" font-size=\"14\">", Escape(title),
                           "</text>\n");
  const double x0 = kLeft, x1 = kWidth - kRight, y0 = kHeight - kBottom, y1 = kTop;
  svg += StrCat("<path d=\"M", x0, " ", y1, " L", x0, " ", y0, " L", x1, " ", y0, "\" stroke=\"black\" fill=\"none\"/>\n");
  if (finite.empty()) return svg + "<text x=\"" + Fmt("%.0f", x0 + 10) + "\" y=\"" + Fmt("%.0f", y1 + 20) +
                             "\">no finite loss yet</text>\n</svg>\n";
  auto [lo_it, hi_it] = std::minmax_element(finite.begin(), finite.end(),
                                            [](const LossPoint& a, const LossPoint& b) { return a.loss < b.loss; });
  double lo = lo_it->loss, hi = hi_it->loss;
  if (hi - lo < 1e-12) hi = lo + 1;
  double s0 = static_cast<double>(finite.front().step), s1 = static_cast<double>(finite.back().step);
  if (s1 - s0 < 1) s1 = s0 + 1;
  svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"";
  for (const LossPoint& p : finite) {
    double x = x0 + (static_cast<double>(p.step) - s0) / (s1 - s0) * (x1 - x0);
    double y = y0 - (p.loss - lo) / (hi - lo) * (y0 - y1);
    svg += Fmt("%.1f", x) + "," + Fmt("%.1f", y) + " ";
  }
  svg += "\"/>\n";
  svg += StrCat("<text x=\"", x0 - 6, "\" y=\"", y1 + 4, "\" text-anchor=\"end\">", Fmt("%.4g", hi), "</text>\n");
  svg += StrCat("<text x=\"", x0 - 6, "\" y=\"", y0, "\" text-anchor=\"end\">", Fmt("%.4g", lo), "</text>\n");
  svg += StrCat("<text x=\"", x0, "\" y=\"", y0 + 16, "\">step ", finite.front().step, "</text>\n");
  svg += StrCat("<text x=\"", x1, "\" y=\"", y0 + 16, "\" text-anchor=\"end\">step ", finite.back().step, "</text>\n");
  svg += StrCat("<text x=\"", 14, "\" y=\"", (y0 + y1) / 2, "\" transform=\"rotate(-90 14 ", (y0 + y1) / 2,
                ")\" text-anchor=\"middle\">loss</text>\n");
  return svg + "</svg>\n";
}

}  // namespace hm
