#include "media/dicom_window.h"

#include <charconv>
#include <cmath>
#include <string>

#include "core/error.h"

namespace hm {

namespace {

struct Preset {
  std::string_view name;
  double width, level;
};

constexpr Preset kPresets[] = {
    {"brain", 80, 40},   {"lung", 1500, -600}, {"mediastinum", 350, 50},
    {"abdomen", 400, 50}, {"liver", 150, 30},  {"bone", 1800, 400},
};

bool ParseNumber(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

DicomWindow ParseDicomWindow(std::string_view spec) {
  if (spec == "file") return DicomWindow{0, 0, true};
  for (const Preset& p : kPresets) {
    if (spec == p.name) return DicomWindow{p.width, p.level, false};
  }
  const size_t colon = spec.find(':');
  DicomWindow w;
  const bool ok = colon != std::string_view::npos && ParseNumber(spec.substr(0, colon), w.width) &&
                  ParseNumber(spec.substr(colon + 1), w.level);
  HM_CHECK(ok, "--window: expected WIDTH:LEVEL (e.g. 1500:-600), 'file' or one of brain, lung, "
               "mediastinum, abdomen, liver, bone; got '", std::string(spec), "'");
  HM_CHECK(w.width >= 1, "--window: width must be at least 1, got ", w.width);
  return w;
}

unsigned char ApplyDicomWindow(double value, const DicomWindow& window) {
  const double half = (window.width - 1) / 2;
  const double centre = window.level - 0.5;
  if (!(value > centre - half)) return 0;  // also NaN
  if (value > centre + half) return 255;
  // width == 1 leaves no ramp: everything above the threshold is white.
  if (window.width <= 1) return 255;
  const double y = ((value - centre) / (window.width - 1) + 0.5) * 255.0;
  return static_cast<unsigned char>(std::lround(std::fmin(std::fmax(y, 0.0), 255.0)));
}

}  // namespace hm
