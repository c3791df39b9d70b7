#include "train/packing.h"

#include <algorithm>

#include "core/error.h"

namespace hm {

std::vector<std::vector<int>> PackMicroBatches(std::span<const int64_t> lengths, int64_t token_budget,
                                               int64_t max_samples) {
  HM_CHECK(token_budget > 0 || max_samples > 0, "packing: need a token budget or a sample count");
  std::vector<std::vector<int>> batches;
  int64_t tokens = 0;
  for (int i = 0; i < static_cast<int>(lengths.size()); ++i) {
    bool full = batches.empty() ||
                (token_budget > 0 ? tokens + lengths[i] > token_budget
                                  : static_cast<int64_t>(batches.back().size()) == max_samples);
    if (full) {
      batches.emplace_back();
      tokens = 0;
    }
    batches.back().push_back(i);
    tokens += lengths[i];
  }
  return batches;
}

PackedLayout PackSequences(std::span<const int64_t> lengths) {
  PackedLayout layout;
  layout.starts.push_back(0);
  for (int64_t n : lengths) {
    HM_CHECK(n > 0, "packing: empty sample");
    for (int64_t p = 0; p < n; ++p) layout.positions.push_back(static_cast<int32_t>(p));
    layout.starts.push_back(layout.starts.back() + n);
  }
  return layout;
}

int PackedLayout::SampleOf(int64_t row) const {
  return static_cast<int>(std::upper_bound(starts.begin(), starts.end(), row) - starts.begin()) - 1;
}

}  // namespace hm
