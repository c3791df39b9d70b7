// Keys and values of every position seen so far, per decoder layer. Sized by the context
// the caller asks for, never by max_position_embeddings.
#pragma once

#include <cstdint>
#include <vector>

#include "model/config.h"

namespace hm {

class KvCache {
 public:
  KvCache(const LlmConfig& config, int64_t capacity);

  int64_t capacity() const { return capacity_; }
  int64_t size() const { return size_; }  // positions filled
  int64_t row_floats() const { return row_; }  // n_kv_heads * head_dim

  // k/v rows of `layer` for positions [0, capacity): [capacity, n_kv_heads, head_dim].
  float* keys(int layer) { return keys_.data() + layer * capacity_ * row_; }
  float* values(int layer) { return values_.data() + layer * capacity_ * row_; }

  // Marks n more positions filled (after every layer has written them).
  void Advance(int64_t n) { size_ += n; }
  // Forgets positions >= n, e.g. to reuse a shared prompt prefix.
  void Truncate(int64_t n) { size_ = n < size_ ? n : size_; }

 private:
  int64_t capacity_;
  int64_t row_;
  int64_t size_ = 0;
  std::vector<float> keys_;
  std::vector<float> values_;
};

}  // namespace hm
