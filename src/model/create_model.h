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
  // A tokenizer folder (tokenizer.json ...): its files are copied and its vocabulary sizes the
  // embedding; without one, a byte-level tokenizer of the preset's is written.
  std::string tokenizer_dir;
};

// "tiny", "tiny-qwen3", "7b" (Hulu-Med-7B shape), "4b" (Hulu-Med-4B shape), "demo" (a
// Hulu-Med-architecture model small enough to train on a CPU; needs a tokenizer), "0.5b"
// (Qwen2.5-0.5B's decoder with a small vision tower: the training benchmark's mid-size shape).
std::vector<std::string> ModelPresetNames();

// Returns the number of parameters written.
int64_t CreateModel(const CreateModelOptions& options);

}  // namespace hm
