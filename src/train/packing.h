// Sequence packing: several samples share one micro-batch's token rows, each attending only
// to itself (block-diagonal causal mask) with positions restarting at 0, so packing changes
// the cost of a batch but not its loss or gradients.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace hm {

// Splits samples, in order, into micro-batches: with token_budget > 0, as many consecutive
// samples as fit in token_budget tokens (a longer sample gets a micro-batch of its own);
// with token_budget 0, max_samples each. Returns sample indices per micro-batch.
std::vector<std::vector<int>> PackMicroBatches(std::span<const int64_t> lengths, int64_t token_budget,
                                               int64_t max_samples);

struct PackedLayout {
  std::vector<int32_t> positions;  // [total tokens], 0..len-1 within each sample
  std::vector<int64_t> starts;     // [samples + 1], row where each sample begins (cu_seqlens)
  // The sample a row belongs to; row j may attend to row i iff same sample and i <= j.
  int SampleOf(int64_t row) const;
};

PackedLayout PackSequences(std::span<const int64_t> lengths);

}  // namespace hm
