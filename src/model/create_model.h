// Writes a complete Hulu-Med checkpoint directory with random weights: the demo model the
// README runs before real weights are at hand, and real-shape models for benchmarks.
// Every file says it is untrained (config.json "hulumed_fixture"), and the tools show it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace hm {

struct CreateModelOptions {
  std::string preset = "tiny";  // see ModelPresetNames()
  std::string out_dir;
  DType dtype = DType::kF32;    // kF32, kBF16 or kF16
  uint64_t seed = 0;
};

// "tiny", "tiny-qwen3", "7b" (Hulu-Med-7B shape), "4b" (Hulu-Med-4B shape).
std::vector<std::string> ModelPresetNames();

void CreateModel(const CreateModelOptions& options);

}  // namespace hm
