// The loss curve as a self-contained SVG (no plotting dependency): what a user opens to see
// whether training is going anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hm {

struct LossPoint {
  int64_t step = 0;
  double loss = 0;
};

// Loss against step, with the axes' ranges labelled. Non-finite points are left out.
std::string LossCurveSvg(const std::vector<LossPoint>& points, const std::string& title);

}  // namespace hm
