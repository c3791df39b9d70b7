// A small seeded generator for the data tools whose output must be the same bytes on every
// platform and library: std:: distributions are implementation-defined, so draw from
// splitmix64 bits directly.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace hm {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // An independent stream for item `index` of a run seeded with `seed`.
  static Rng For(uint64_t seed, uint64_t index) { return Rng(Rng(seed ^ (index * 0xd1342543de82ef95ULL)).Next()); }

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // An integer in [lo, hi], both included.
  int Int(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal by Box-Muller (one value per call; simplicity over speed).
  double Normal() {
    const double u = 1.0 - Uniform(), v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Next() % items.size()];
  }

 private:
  uint64_t state_;
};

}  // namespace hm
