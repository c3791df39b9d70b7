// The image processor's settings from a checkpoint's preprocessor_config.json.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace hm {

// Defaults are the reference processor's constructor defaults, used for absent keys.
struct PreprocessorConfig {
  int patch_size = 14;
  int64_t min_tokens = 16;
  int64_t max_tokens = 16384;
  std::array<double, 3> image_mean{0.48145466, 0.4578275, 0.40821073};  // OpenAI CLIP
  std::array<double, 3> image_std{0.26862954, 0.26130258, 0.27577711};
  double rescale_factor = 1.0 / 255.0;
  bool do_rescale = true;
  bool do_normalize = true;
};

// Validates every key it uses; do_resize false or a resample other than bicubic (3) is
// rejected rather than silently ignored. `what` names the source in errors.
PreprocessorConfig ParsePreprocessorConfig(const nlohmann::json& j, const std::string& what);

// Reads <dir>/preprocessor_config.json.
PreprocessorConfig ReadPreprocessorConfig(const std::string& checkpoint_dir);

}  // namespace hm
