// Keys and values of every position seen so far, per decoder layer. Sized by the context
// the caller asks for, never by max_position_embeddings. Stored as bf16 by default (half the
// memory of f32, and what the reference computes in), f32 for exact parity with f32
// checkpoints, or int8 with a scale per position and head (a quarter of f32).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/kernels.h"
#include "model/config.h"
#include "model/weights.h"

namespace hm {

using kernels::KvType;

const char* KvTypeName(KvType t);  // "f32", "bf16", "q8"
// "f32", "bf16", "q8", or "auto": f32 when the checkpoint's weights are f32 (so f32 models
// keep reference parity), else bf16. Throws hm::Error for anything else.
KvType ResolveKvType(const std::string& name, const ModelWeights& weights);

class KvCache {
 public:
  KvCache(const LlmConfig& config, int64_t capacity, KvType type = KvType::kF32);

  int64_t capacity() const { return capacity_; }
  int64_t size() const { return size_; }  // positions filled
  KvType type() const { return type_; }
  size_t bytes() const { return keys_.size() * 2 + scales_.size() * sizeof(float); }

  // Writes positions [start, start + n) of `layer`; k, v: [n, n_kv_heads * head_dim] f32.
  void Store(int layer, int64_t start, int64_t n, const float* k, const float* v);
  // All positions of `layer`, for kernels::Attention.
  kernels::KvView View(int layer) const;

  // Marks n more positions filled (after every layer has written them).
  void Advance(int64_t n) { size_ += n; }
  // Forgets positions >= n, e.g. to reuse a shared prompt prefix.
  void Truncate(int64_t n) { size_ = n < size_ ? n : size_; }

 private:
  uint8_t* At(std::vector<uint8_t>& buf, int layer, int64_t pos) const;

  KvType type_;
  int64_t capacity_;
  int64_t row_;  // n_kv_heads * head_dim
  int head_dim_;
  size_t elem_;  // bytes per stored value
  int64_t size_ = 0;
  std::vector<uint8_t> keys_, values_;
  std::vector<float> scales_;  // kQ8: keys then values, [layers, capacity, n_kv_heads] each
};

}  // namespace hm
