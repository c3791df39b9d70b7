// `hulumed bench --parallel LEVELS`: the continuous-batching engine under concurrent streams.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hm {

struct ServingBenchOptions {
  std::string model_dir;
  int threads = 0;
  std::vector<int> levels;  // concurrent streams per round, e.g. 1, 2, 4, 8
  int64_t prompt = 128;     // words per question (about as many tokens)
  int64_t gen = 64;         // tokens generated per stream
  std::string kv_type = "auto";
};

void BenchServing(const ServingBenchOptions& options);

}  // namespace hm
