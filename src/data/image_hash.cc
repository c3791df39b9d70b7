#include "data/image_hash.h"

#include <vector>

#include "core/error.h"

namespace hm {

uint64_t DifferenceHash(const Image& im) {
  HM_CHECK(im.width >= 1 && im.height >= 1 && im.rgb.size() == static_cast<size_t>(im.width) * im.height * 3,
           "image hash: malformed image");
  constexpr int kW = 9, kH = 8;
  // Box-average the luma of each thumbnail cell (every pixel falls in exactly one cell).
  double sum[kH][kW] = {}, count[kH][kW] = {};
  for (int y = 0; y < im.height; ++y) {
    const int cy = static_cast<int>(static_cast<int64_t>(y) * kH / im.height);
    for (int x = 0; x < im.width; ++x) {
      const int cx = static_cast<int>(static_cast<int64_t>(x) * kW / im.width);
      const uint8_t* p = &im.rgb[(static_cast<size_t>(y) * im.width + x) * 3];
      sum[cy][cx] += 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
      count[cy][cx] += 1;
    }
  }
  uint64_t hash = 0;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x + 1 < kW; ++x) {
      // Cells left empty by images narrower than 9 pixels count as black.
      const double left = count[y][x] ? sum[y][x] / count[y][x] : 0;
      const double right = count[y][x + 1] ? sum[y][x + 1] / count[y][x + 1] : 0;
      hash = (hash << 1) | (left > right ? 1 : 0);
    }
  }
  return hash;
}

}  // namespace hm
