#include "train/gradient_allreduce.h"

#include <algorithm>

namespace hm {

GradientAllReduce::GradientAllReduce(Collective& collective, size_t bucket_floats)
    : collective_(collective), bucket_floats_(std::max<size_t>(1, bucket_floats)), ring_(kInFlight) {}

void GradientAllReduce::WaitOldest() {
  collective_.WaitOldest();
  Bucket* done = in_flight_.front();
  in_flight_.erase(in_flight_.begin());
  if (!done) return;
  size_t at = 0;
  for (std::span<float> piece : done->pieces) {
    std::copy_n(done->buffer.begin() + static_cast<std::ptrdiff_t>(at), piece.size(), piece.begin());
    at += piece.size();
  }
  done->pieces.clear();
  done->used = 0;
}

void GradientAllReduce::Start(std::span<float> values, Bucket* packed) {
  while (in_flight_.size() >= static_cast<size_t>(kInFlight)) WaitOldest();
  collective_.StartAllReduceSum(values);
  in_flight_.push_back(packed);
}

void GradientAllReduce::Sum(std::span<TrainParam> params, const GroupLrs& lrs) {
  if (collective_.size() == 1) return;
  size_t next = 0;  // ring_ index of the bucket being packed
  auto packing = [&]() -> Bucket& {
    Bucket& b = ring_[next];
    // Reusing a buffer that is still travelling: wait until it (and all before it) is back.
    while (std::find(in_flight_.begin(), in_flight_.end(), &b) != in_flight_.end()) WaitOldest();
    if (b.buffer.size() < bucket_floats_) b.buffer.resize(bucket_floats_);
    return b;
  };
  auto send_and_advance = [&] {
    Bucket& b = ring_[next];
    if (b.used > 0) Start(std::span<float>(b.buffer.data(), b.used), &b);
    next = (next + 1) % ring_.size();
  };

  for (TrainParam& p : params) {
    if (!lrs.Trains(p.group) || p.grad.empty()) continue;
    if (p.grad.size() >= bucket_floats_) {
      for (size_t at = 0; at < p.grad.size(); at += bucket_floats_)
        Start(p.grad.subspan(at, std::min(bucket_floats_, p.grad.size() - at)), nullptr);
      continue;
    }
    Bucket* b = &packing();
    if (b->used + p.grad.size() > bucket_floats_) {
      send_and_advance();
      b = &packing();
    }
    std::copy(p.grad.begin(), p.grad.end(), b->buffer.begin() + static_cast<std::ptrdiff_t>(b->used));
    b->pieces.push_back(p.grad);
    b->used += p.grad.size();
  }
  send_and_advance();
  while (!in_flight_.empty()) WaitOldest();
}

}  // namespace hm
