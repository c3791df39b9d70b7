// Picks the next token from logits, applying the processors in Hugging Face's order:
// repetition penalty, temperature, top-k, top-p, then a seeded draw.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace hm {

struct SamplerOptions {
  float temperature = 0.0f;  // 0 = greedy
  int top_k = 0;             // 0 = off
  float top_p = 1.0f;        // 1 = off
  float repetition_penalty = 1.0f;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options);

  // `history` is every token so far (prompt and generated), for the repetition penalty.
  // Modifies `logits` in place. Greedy ties go to the lowest id.
  int32_t Next(std::span<float> logits, std::span<const int32_t> history);

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
  std::vector<int32_t> order_;
};

}  // namespace hm
