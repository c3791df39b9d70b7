// What the golden tests share: where fixtures live, how a (model, case) pair is named, and
// how far two arrays are apart.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace hm {

inline const std::filesystem::path kTestdata = std::filesystem::path(HULUMED_SOURCE_DIR) / "testdata";

struct GoldenCase {
  std::string model;  // folder under testdata/models and testdata/goldens
  std::string name;   // case file stem
};
inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.model << "/" << c.name; }

// gtest parameter names: "tiny_qwen2_chat".
struct GoldenCaseName {
  template <typename Info>
  std::string operator()(const Info& info) const {
    std::string n = info.param.model + "_" + info.param.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
  }
};

inline float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = a.size() == b.size() ? 0.0f : INFINITY;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace hm
