// Draws records from several data sources by weight, reproducibly: each draw picks a source
// with probability weight / sum(weights), then takes that source's next record in a
// per-epoch shuffled order (a fresh shuffle each time the source is used up). All of it
// is a function of the seed and the state below, which a checkpoint saves, so a resumed run
// draws exactly the records the uninterrupted one would have.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace hm {

struct SampleRef {
  int source = 0;
  int64_t index = 0;  // into that source's records
};

class WeightedSampler {
 public:
  // sizes[i] records in source i, drawn with weight weights[i] (> 0; empty sources never).
  WeightedSampler(std::vector<int64_t> sizes, std::vector<double> weights, uint64_t seed);

  SampleRef Next();

  // The sampler's position: the generator, and each source's epoch and cursor.
  struct State {
    std::string rng;  // std::mt19937_64's textual state
    std::vector<int64_t> epoch, cursor;
    int64_t drawn = 0;
  };
  State state() const;
  void Restore(const State& state);

 private:
  void Shuffle(int source);

  std::vector<int64_t> sizes_;
  std::vector<double> cumulative_;  // normalised running sum of weights
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<std::vector<int64_t>> order_;
  std::vector<int64_t> epoch_, cursor_;
  int64_t drawn_ = 0;
};

}  // namespace hm
