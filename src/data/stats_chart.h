// A small SVG chart of DataStats: records per modality and the two token histograms, side by
// side. Plain SVG 1.1 text (no scripts, no external fonts), so any browser or viewer shows it.
#pragma once

#include <string>

#include "data/stats.h"

namespace hm {

std::string StatsSvg(const DataStats& stats);

}  // namespace hm
