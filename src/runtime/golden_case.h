// What the golden tests share: where fixtures live, how a (model, case) pair is named, and
// how far two arrays are apart.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "io/json_file.h"
#include "io/npy.h"

namespace hm {

inline const std::filesystem::path kTestdata = std::filesystem::path(HULUMED_SOURCE_DIR) / "testdata";

struct GoldenCase {
  std::string model;  // folder under testdata/models and testdata/goldens
  std::string name;   // case file stem

  std::string ModelDir() const { return (kTestdata / "models" / model).string(); }
  // Where the case's files are: goldens/<model>, or a stage's subfolder of it.
  std::filesystem::path Dir(const std::string& stage = "") const {
    return stage.empty() ? kTestdata / "goldens" / model : kTestdata / "goldens" / model / stage;
  }
  // The case's description, <name>.json in Dir(stage).
  nlohmann::json Json(const std::string& stage = "") const { return ReadJsonFile((Dir(stage) / (name + ".json")).string()); }
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

// The f32 array that an entry {"file": ...} of a case's JSON names, read from dir.
inline std::vector<float> GoldenArray(const std::filesystem::path& dir, const nlohmann::json& entry) {
  return ReadNpy((dir / entry["file"].get<std::string>()).string()).ToF32();
}

inline float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = a.size() == b.size() ? 0.0f : INFINITY;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace hm
