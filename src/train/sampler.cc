#include "train/sampler.h"

#include <sstream>

#include "core/error.h"

namespace hm {
namespace {

// Own uniform draws rather than <random>'s distributions, whose results differ between
// standard libraries: the same seed gives the same data order everywhere.
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

uint64_t Below(std::mt19937_64& rng, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // rejection keeps it unbiased
  uint64_t x;
  do x = rng();
  while (x >= limit);
  return x % n;
}

}  // namespace

WeightedSampler::WeightedSampler(std::vector<int64_t> sizes, std::vector<double> weights, uint64_t seed)
    : sizes_(std::move(sizes)), seed_(seed), rng_(seed) {
  HM_CHECK(sizes_.size() == weights.size() && !sizes_.empty(), "sampler: one weight per data source");
  double total = 0;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    HM_CHECK(weights[i] > 0, "sampler: weight of source ", i, " must be positive");
    total += sizes_[i] > 0 ? weights[i] : 0.0;
  }
  HM_CHECK(total > 0, "sampler: every data source is empty");
  double running = 0;
  for (size_t i = 0; i < sizes_.size(); ++i) {
    running += sizes_[i] > 0 ? weights[i] : 0.0;
    cumulative_.push_back(running / total);
  }
  order_.resize(sizes_.size());
  epoch_.assign(sizes_.size(), 0);
  cursor_.assign(sizes_.size(), 0);
  for (int s = 0; s < static_cast<int>(sizes_.size()); ++s) Shuffle(s);
}

// Source s's order for its current epoch, from its own generator so that one source running
// out does not shift any other's order.
void WeightedSampler::Shuffle(int s) {
  std::mt19937_64 rng(seed_ ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(s + 1)) ^
                      (static_cast<uint64_t>(epoch_[s]) << 32));
  std::vector<int64_t>& order = order_[s];
  order.resize(static_cast<size_t>(sizes_[s]));
  for (int64_t i = 0; i < sizes_[s]; ++i) order[i] = i;
  for (int64_t i = sizes_[s] - 1; i > 0; --i) std::swap(order[i], order[Below(rng, static_cast<uint64_t>(i + 1))]);
}

SampleRef WeightedSampler::Next() {
  double u = Uniform01(rng_);
  int s = 0;
  while (s + 1 < static_cast<int>(cumulative_.size()) && (u >= cumulative_[s] || sizes_[s] == 0)) ++s;
  if (cursor_[s] == sizes_[s]) {
    ++epoch_[s];
    cursor_[s] = 0;
    Shuffle(s);
  }
  ++drawn_;
  return {s, order_[s][cursor_[s]++]};
}

WeightedSampler::State WeightedSampler::state() const {
  std::ostringstream rng;
  rng << rng_;
  return {rng.str(), epoch_, cursor_, drawn_};
}

void WeightedSampler::Restore(const State& state) {
  HM_CHECK(state.epoch.size() == sizes_.size() && state.cursor.size() == sizes_.size(),
           "sampler state: ", state.epoch.size(), " sources saved, the recipe has ", sizes_.size());
  std::istringstream rng(state.rng);
  rng >> rng_;
  HM_CHECK(!rng.fail(), "sampler state: unreadable generator state");
  epoch_ = state.epoch;
  cursor_ = state.cursor;
  drawn_ = state.drawn;
  for (int s = 0; s < static_cast<int>(sizes_.size()); ++s) {
    HM_CHECK(cursor_[s] >= 0 && cursor_[s] <= sizes_[s], "sampler state: cursor of source ", s,
             " is past its end (did the data file change?)");
    Shuffle(s);
  }
}

}  // namespace hm
