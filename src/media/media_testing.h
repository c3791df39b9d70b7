// Helpers shared by the media tests: fixture paths and golden arrays as Images.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/json_file.h"
#include "io/npy.h"
#include "media/frames.h"

namespace hm::testing {

inline std::string MediaData(const std::string& rel) {
  return std::string(HULUMED_SOURCE_DIR) + "/testdata/media/" + rel;
}

inline const nlohmann::json& Manifest() {
  static const nlohmann::json j = ReadJsonFile(MediaData("manifest.json"));
  return j;
}

// Frame `index` of a uint8 golden: RGB as [h, w, 3] or [n, h, w, 3]; with gray_planes,
// [n, h, w] gray planes replicated to RGB.
inline Image NpyImage(const NpyArray& a, int64_t index = 0, bool gray_planes = false) {
  EXPECT_EQ(a.dtype, DType::kU8);
  const auto& s = a.shape;
  const size_t d = s.size();
  Image im;
  im.height = static_cast<int>(gray_planes ? s[d - 2] : s[d - 3]);
  im.width = static_cast<int>(gray_planes ? s[d - 1] : s[d - 2]);
  const size_t n = static_cast<size_t>(im.width) * im.height;
  const uint8_t* p = a.bytes.data() + index * n * (gray_planes ? 1 : 3);
  if (!gray_planes) {
    im.rgb.assign(p, p + n * 3);
  } else {
    for (size_t i = 0; i < n; ++i) im.rgb.insert(im.rgb.end(), 3, p[i]);
  }
  return im;
}

inline Image ReadNpyImage(const std::string& rel) { return NpyImage(ReadNpy(MediaData(rel))); }

// Number of differing bytes; sizes must match.
inline int64_t CountDiff(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  if (a.rgb.size() != b.rgb.size()) return -1;
  int64_t n = 0;
  for (size_t i = 0; i < a.rgb.size(); ++i) n += a.rgb[i] != b.rgb[i];
  return n;
}

}  // namespace hm::testing
