// Sums the gradients of the trained groups across data-parallel ranks, in buckets: small
// tensors are packed together so one message carries many of them, large ones are summed in
// place in bucket-sized pieces, and up to kInFlight buckets travel while the next is packed.
// Frozen groups' gradients are not sent (nothing reads them).
#pragma once

#include <span>
#include <vector>

#include "train/collective.h"
#include "train/group_lrs.h"
#include "train/param_view.h"

namespace hm {

class GradientAllReduce {
 public:
  static constexpr size_t kDefaultBucketFloats = size_t{1} << 22;  // 16 MB
  static constexpr int kInFlight = 2;

  explicit GradientAllReduce(Collective& collective, size_t bucket_floats = kDefaultBucketFloats);

  // Every rank calls this with the same params and lrs; afterwards each trained param's grad
  // is the sum of all ranks' grads. With one rank it does nothing.
  void Sum(std::span<TrainParam> params, const GroupLrs& lrs);

 private:
  // A packed bucket: its buffer and the grad pieces it carries, copied back once summed.
  struct Bucket {
    std::vector<float> buffer;
    std::vector<std::span<float>> pieces;
    size_t used = 0;
  };
  // Starts a sum once fewer than kInFlight are travelling; `packed` is the bucket to copy
  // back from, or nullptr for a piece summed in place.
  void Start(std::span<float> values, Bucket* packed);
  void WaitOldest();

  Collective& collective_;
  size_t bucket_floats_;
  std::vector<Bucket> ring_;           // kInFlight packing buffers, reused in turn
  std::vector<Bucket*> in_flight_;     // oldest first
};

}  // namespace hm
